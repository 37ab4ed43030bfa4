"""Reading the lake: counts, snapshots, checkpoints, dedupe rows and article batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from tasks.lake.connection import ALIAS
from tasks.schema import ALL_TABLES


def snapshot_id(con: duckdb.DuckDBPyConnection) -> int:
    """Return the id of the lake's latest snapshot."""
    row = con.execute(f"select max(snapshot_id) from ducklake_snapshots('{ALIAS}')").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the row count of every lake table, read from one snapshot."""
    parts = ", ".join(f"(select count(*) from {name}) as {name}" for name in ALL_TABLES)
    row = con.execute(f"select {parts}").fetchone()
    assert row is not None
    return dict(zip(ALL_TABLES, (int(v) for v in row), strict=True))


def index_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, bytes | None, str | None]]:
    """Return (article_id, content_hash, minhash, duplicate_of) of every stored article."""
    return con.execute(
        "select a.article_id, a.content_hash, f.minhash, a.duplicate_of "
        "from articles a left join article_fingerprints f using (article_id) "
        "order by a.ingested_at, a.article_id"
    ).fetchall()


def load_state(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Return a source's latest checkpoint values by key."""
    rows = con.execute(
        "select key, max_by(value, updated_at) from source_state where source = ? group by key",
        [source],
    ).fetchall()
    return {key: value for key, value in rows}


def read_tables(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, pa.Table]:
    """Return whole lake tables as Arrow tables, all read from one snapshot."""
    con.execute("begin")
    try:
        return {name: con.execute(f"select * from {name}").to_arrow_table() for name in names}
    finally:
        con.execute("rollback")


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pa.Table:
    """Run a query against the lake and return an Arrow table."""
    return con.execute(sql, params or []).to_arrow_table()


def article_batches(
    con: duckdb.DuckDBPyConnection, size: int, language: str, only_missing: bool = False
) -> Iterator[pa.Table]:
    """Yield stored articles in one language (or unknown) by id, only unextracted ones if asked."""
    where = "tone is null" if only_missing else "true"
    after = ""
    while True:
        batch = con.execute(
            f"select * from articles where {where} and coalesce(language, ?) = ? "
            "and article_id > ? order by article_id limit ?",
            [language, language, after, size],
        ).to_arrow_table()
        if batch.num_rows == 0:
            return
        yield batch
        after = batch.column("article_id")[-1].as_py()


def read_error_reasons(
    con: duckdb.DuckDBPyConnection, source: str, run_id: str, limit: int = 3
) -> list[str]:
    """Return up to `limit` distinct reasons this run rejected the source's records at read."""
    rows = con.execute(
        "select distinct reason from rejected where source = ? and run_id = ? "
        "and stage = 'read' order by 1 limit ?",
        [source, run_id, limit],
    ).fetchall()
    return [reason for (reason,) in rows]
