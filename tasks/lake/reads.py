"""Reading the lake: counts, snapshots, checkpoints, dedupe lookups and article batches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from tasks.lake.connection import ALIAS
from tasks.schema import ALL_TABLES

PROBE_KEYS = pa.schema([("article_id", pa.string()), ("content_hash", pa.string())])


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


def stored_repeats(
    con: duckdb.DuckDBPyConnection, article_ids: list[str], content_hashes: list[str]
) -> tuple[set[str], dict[str, str]]:
    """Return which of these article ids the lake holds, and the first stored article (by
    ingested_at, then id) of each of these content hashes that it holds."""
    if not article_ids and not content_hashes:
        return set(), {}
    probe = pa.table({"article_id": article_ids, "content_hash": content_hashes}, PROBE_KEYS)
    with snapshot(con), registered(con, "dedupe_probe", probe):
        ids = con.execute(
            "select article_id from articles "
            "where article_id in (select article_id from dedupe_probe)"
        ).fetchall()
        hashes = con.execute(
            "select content_hash, first(article_id order by ingested_at, article_id) "
            "from articles where content_hash in (select content_hash from dedupe_probe) "
            "group by content_hash"
        ).fetchall()
    return {article_id for (article_id,) in ids}, dict(hashes)


def band_owners(
    con: duckdb.DuckDBPyConnection, band_keys: np.ndarray
) -> tuple[dict[int, str], dict[str, tuple[bytes, str | None]]]:
    """Return the article each of these LSH band keys belongs to (for the keys the lake holds),
    and (minhash, duplicate_of) of each of those articles, read from one snapshot."""
    if len(band_keys) == 0:
        return {}, {}
    with snapshot(con):
        owners = _owners(con, band_keys)
        return owners, _signatures(con, sorted(set(owners.values())))


def _owners(con: duckdb.DuckDBPyConnection, band_keys: np.ndarray) -> dict[int, str]:
    """Return the article each of these LSH band keys belongs to, for the keys the lake holds."""
    probe = pa.table({"band_key": pa.array(band_keys, pa.int64())})
    with registered(con, "dedupe_probe", probe):
        # two writers may both have claimed a key: any one of them will do, the same each time
        rows = con.execute(
            "select band_key, min(article_id) from article_lsh_bands "
            "where band_key in (select band_key from dedupe_probe) group by band_key"
        ).fetchall()
    return dict(rows)


def _signatures(
    con: duckdb.DuckDBPyConnection, article_ids: list[str]
) -> dict[str, tuple[bytes, str | None]]:
    """Return (minhash, duplicate_of) of each of these stored articles that has a fingerprint."""
    if not article_ids:
        return {}
    probe = pa.table({"article_id": pa.array(article_ids, pa.string())})
    with registered(con, "dedupe_probe", probe):
        # each side filtered by the few ids first: a join of the whole tables reads every minhash
        rows = con.execute(
            "with prints as (select article_id, minhash from article_fingerprints "
            "where article_id in (select article_id from dedupe_probe)), "
            "roots as (select article_id, duplicate_of from articles "
            "where article_id in (select article_id from dedupe_probe)) "
            "select article_id, p.minhash, r.duplicate_of "
            "from prints p join roots r using (article_id)"
        ).fetchall()
    return {article_id: (minhash, root) for article_id, minhash, root in rows}


@contextmanager
def snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block's reads in one transaction: one snapshot, and DuckLake reads its catalog
    once (half the time of one transaction per statement)."""
    con.execute("begin")
    try:
        yield
    finally:
        con.execute("rollback")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """Make an Arrow table readable as the view `name` while the block runs."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


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
