"""The shape of a batch's extraction: the child tables' schemas and the per-article fields.

Kept apart from the extractors so that a process collecting results (the run's main process,
when workers extract) does not import spaCy; the workers send plain rows, and the Arrow tables
are made here, so that they import no Arrow.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tasks.schema import BATCH_TABLES
from tasks.table_keys import EXTRACTED_TABLES

# each extracted table's schema and the key of its rows
CHILD_SCHEMAS: dict[str, tuple[pa.Schema, str]] = {
    name: BATCH_TABLES[name] for name in EXTRACTED_TABLES
}


def child_tables(rows: dict[str, list[dict[str, Any]]]) -> dict[str, pa.Table]:
    """Return each child table as an Arrow table of its rows (a table without rows: empty)."""
    return {
        name: pa.Table.from_pylist(rows.get(name, []), schema=schema)
        for name, (schema, _) in CHILD_SCHEMAS.items()
    }


def with_fields(articles: pa.Table, fields: dict[str, dict[str, Any]]) -> pa.Table:
    """Return the articles table with tone and focus_country filled from fields by article id."""
    ids = articles.column("article_id").to_pylist()
    for column in ("tone", "focus_country"):
        values = [fields.get(i, {}).get(column) for i in ids]
        target = articles.schema.field(column)
        position = articles.schema.get_field_index(column)
        articles = articles.set_column(position, target, pa.array(values, target.type))
    return articles
