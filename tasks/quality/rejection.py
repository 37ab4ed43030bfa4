"""Rejection routing: rows failing row-level expectations go to `rejected`, with their children."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tasks.ids import stable_id
from tasks.quality.suites import Failure, Outcome, validation_frames
from tasks.schema import BATCH_TABLES

# the key of each table's rows; entities are derived from mentions, not a batch table
KEYS = {name: key for name, (_, key) in BATCH_TABLES.items()} | {"entities": "entity_id"}
# the tables whose rows go with their article (raw_documents stays: its article_id is cleared)
ARTICLE_ROW_TABLES = tuple(
    name
    for name, (schema, _) in BATCH_TABLES.items()
    if name != "raw_documents" and "article_id" in schema.names
)


@dataclass
class Condemned:
    """The rows row-level failures condemn, each with the first failure that names it."""

    articles: dict[str, Failure] = field(default_factory=dict)
    raw: dict[str, Failure] = field(default_factory=dict)
    rows: dict[str, dict[Any, Failure]] = field(default_factory=dict)


@dataclass
class Rejections:
    """The `rejected` rows of one batch, and what each needs from its raw record."""

    raw_rows: dict[str, dict[str, Any]]
    raw_of_article: dict[str, str]
    run_id: str
    rejected_at: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, tables: dict[str, pa.Table], run_id: str, rejected_at: datetime) -> Rejections:
        """Return no rejections yet, with the raw records by raw_id and each article's raw_id."""
        articles, raw = tables.get("articles"), tables.get("raw_documents")
        raw_of_article = (
            dict(
                zip(
                    articles.column("article_id").to_pylist(),
                    articles.column("raw_id").to_pylist(),
                    strict=True,
                )
            )
            if articles is not None
            else {}
        )
        raw_rows = {r["raw_id"]: r for r in raw.to_pylist()} if raw is not None else {}
        return cls(raw_rows, raw_of_article, run_id, rejected_at)

    def add(self, raw_id: str | None, failure: Failure, payload: bytes, key: str) -> None:
        """Add the `rejected` row for one failed record, article or child row."""
        source = self.raw_rows.get(raw_id or "", {})
        reason = f"{failure.table}: {failure.expectation} failed"
        self.rows.append(
            {
                "rejected_id": stable_id(raw_id, "validate", reason, key),
                "raw_id": raw_id,
                "source": source.get("source"),
                "source_kind": source.get("source_kind"),
                "locator": source.get("locator"),
                "stage": "validate",
                "reason": reason,
                "payload": payload,
                "rejected_at": self.rejected_at,
                "run_id": self.run_id,
                "table_name": failure.table,
                "expectation": failure.expectation,
                "observed_value": failure.observed,
            }
        )


def _drop(table: pa.Table, column: str, values: set[Any]) -> pa.Table:
    """Return the table without rows whose column value is in `values`."""
    if not values or table.num_rows == 0:
        return table
    mask = pc.invert(pc.is_in(table.column(column), value_set=pa.array(list(values))))
    return table.filter(pc.fill_null(mask, True))


def condemned_rows(outcome: Outcome, frames: dict[str, pa.Table]) -> Condemned:
    """Return the raw records, articles and child rows the row-level failures point at."""
    condemned = Condemned()
    for failure in outcome.failures:
        if failure.level != "row":
            continue
        frame = frames[failure.table]
        for index in failure.rows:
            row = frame.slice(index, 1).to_pylist()[0]
            if failure.table == "raw_documents":
                condemned.raw.setdefault(row["raw_id"], failure)
                if row.get("article_id") and not row.get("is_duplicate"):
                    condemned.articles.setdefault(row["article_id"], failure)
            elif failure.table == "articles":
                condemned.articles.setdefault(row["article_id"], failure)
            else:
                key = row[KEYS[failure.table]]
                condemned.rows.setdefault(failure.table, {}).setdefault(key, failure)
    return condemned


def reject_articles(condemned: Condemned, rejections: Rejections) -> None:
    """Reject each failed article with its raw payload, then each failed raw record left."""
    raw_rows = rejections.raw_rows
    for article_id, failure in condemned.articles.items():
        raw_id = rejections.raw_of_article.get(article_id)
        payload = raw_rows.get(raw_id or "", {}).get("payload") or b""
        rejections.add(raw_id, failure, payload, article_id)
    for raw_id, failure in condemned.raw.items():
        if raw_rows[raw_id].get("article_id") not in condemned.articles:
            rejections.add(raw_id, failure, raw_rows[raw_id]["payload"] or b"", raw_id)


def condemn_mentions_of_entities(condemned: Condemned, tables: dict[str, pa.Table]) -> None:
    """Replace failed entities by the mentions that name them (entities are not stored here)."""
    failed_entities = condemned.rows.pop("entities", {})
    if not failed_entities or "mentions" not in tables:
        return
    for row in tables["mentions"].to_pylist():
        if row["entity_id"] in failed_entities:
            condemned.rows.setdefault("mentions", {}).setdefault(
                row["mention_id"], failed_entities[row["entity_id"]]
            )


def reject_child_rows(
    tables: dict[str, pa.Table], condemned: Condemned, rejections: Rejections
) -> None:
    """Reject each failed child row alone (its values as the payload) and drop it from its table."""
    for table, rows in condemned.rows.items():
        key = KEYS[table]
        for row in tables[table].to_pylist():
            found = rows.get(row[key])
            if found and row["article_id"] not in condemned.articles:
                raw_id = rejections.raw_of_article.get(row["article_id"])
                payload = json.dumps(row, default=str, ensure_ascii=False).encode()
                rejections.add(raw_id, found, payload, row[key])
        tables[table] = _drop(tables[table], key, set(rows))


def drop_condemned(tables: dict[str, pa.Table], condemned: Condemned) -> None:
    """Drop failed articles with every row of theirs and failed raw records; unlink the rest."""
    gone = set(condemned.articles)
    for name in ARTICLE_ROW_TABLES:
        if name in tables:
            tables[name] = _drop(tables[name], "article_id", gone)
    raw = tables.get("raw_documents")
    if raw is None:
        return
    kept = _drop(raw, "raw_id", set(condemned.raw))
    if gone:
        ids = kept.column("article_id").to_pylist()
        cleared = [None if i in gone else i for i in ids]
        kept = kept.set_column(
            kept.schema.get_field_index("article_id"),
            "article_id",
            pa.array(cleared, pa.string()),
        )
    tables["raw_documents"] = kept


def reject_failed_rows(
    tables: dict[str, pa.Table],
    outcome: Outcome,
    run_id: str,
    rejected_at: datetime,
    frames: dict[str, pa.Table] | None = None,
) -> tuple[dict[str, pa.Table], list[dict[str, Any]]]:
    """Move rows that failed row-level expectations (and their articles' children) to rejected.

    A failed raw record or article takes its article and every child row with it; the article's
    raw payload goes to `rejected`, so it can be re-derived. A failed child row goes alone, its
    own values as the payload. Entities failing take the mentions that name them.
    """
    tables = dict(tables)
    rejections = Rejections.of(tables, run_id, rejected_at)
    # the frames the outcome's row indices point into
    condemned = condemned_rows(outcome, frames if frames is not None else validation_frames(tables))
    reject_articles(condemned, rejections)
    condemn_mentions_of_entities(condemned, tables)
    reject_child_rows(tables, condemned, rejections)
    drop_condemned(tables, condemned)
    return tables, rejections.rows
