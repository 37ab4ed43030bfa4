"""The `entities` aggregate, defined once in sql/tables/entities.sql, for the lake and a batch."""

from __future__ import annotations

from functools import cache

import duckdb
import pyarrow as pa

from tasks.lake.views import SQL_DIR
from tasks.schema import ENTITIES

SCOPE_VIEW = "scope_mentions"


@cache
def entities_select() -> str:
    """Return the select that aggregates `scope_mentions` into `entities` rows."""
    return (SQL_DIR / "tables" / "entities.sql").read_text(encoding="utf-8").strip().rstrip(";")


def batch_entities(mentions: pa.Table) -> pa.Table:
    """Return the `entities` rows a batch's mentions imply (counts within the batch)."""
    con = duckdb.connect()
    try:
        con.register(SCOPE_VIEW, mentions)
        rows = con.execute(entities_select() + " order by entity_id").to_arrow_table()
    finally:
        con.close()
    return rows.select(ENTITIES.names).cast(ENTITIES)


def refresh_entities(con: duckdb.DuckDBPyConnection, mentions: pa.Table | None) -> None:
    """Recompute the lake's `entities` rows of the entities these mentions name (all when None)."""
    if mentions is not None and mentions.num_rows == 0:
        return
    scope = "true"
    if mentions is not None:
        con.register("touched_mentions", mentions.select(["entity_id"]))
        scope = "entity_id in (select entity_id from touched_mentions)"
    try:
        con.execute(f"delete from entities where {scope}")
        con.execute(
            f"create or replace temp view {SCOPE_VIEW} as select * from mentions where {scope}"
        )
        con.execute(f"insert into entities by name {entities_select()}")
        con.execute(f"drop view temp.{SCOPE_VIEW}")
    finally:
        if mentions is not None:
            con.unregister("touched_mentions")
