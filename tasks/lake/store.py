"""The DuckLake store: connect, create tables, commit a batch atomically, record runs."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extensions
import pyarrow as pa

from tasks.lake import summaries
from tasks.schema import (
    ALL_TABLES,
    BATCH_TABLES,
    EXTRACTED_TABLES,
    LOG_TABLES,
    RUNS,
    SOURCE_STATE,
    create_table_sql,
    duckdb_type,
)

EXTENSIONS = ("ducklake", "sqlite_scanner")
ALIAS = "lake"


@dataclass(frozen=True)
class LakeLocation:
    """Where a lake's catalog and data live."""

    catalog: str
    data_path: str

    @classmethod
    def local(cls, root: Path | str) -> LakeLocation:
        """Return the embedded default: a SQLite catalog and a data folder under `root`."""
        root = Path(root).resolve()
        return cls(catalog=f"sqlite:{root / 'catalog.sqlite'}", data_path=f"{root / 'data'}/")

    @classmethod
    def of(
        cls, root: Path | str, catalog: str | None = None, data_path: str | None = None
    ) -> LakeLocation:
        """Return the location from settings: a catalog URL overrides the SQLite default."""
        local = cls.local(root)
        return cls(catalog=catalog or local.catalog, data_path=data_path or local.data_path)

    @property
    def root_hint(self) -> str:
        """Return where the lake lives, for people: the catalog file or URL."""
        return self.catalog.removeprefix("sqlite:")

    def attach_sql(self, read_only: bool = False) -> str:
        """Return the ATTACH statement a DuckDB client runs to open the lake."""
        options = (
            "READ_ONLY"
            if read_only
            else (f"DATA_PATH '{self.data_path}', DATA_INLINING_ROW_LIMIT 0")
        )
        return f"attach 'ducklake:{self.catalog}' as {ALIAS} ({options})"


def extensions_for(catalog: str) -> tuple[str, ...]:
    """Return the DuckDB extensions a lake with this catalog needs."""
    return (*EXTENSIONS, "postgres_scanner") if catalog.startswith("postgres:") else EXTENSIONS


def connect(location: LakeLocation, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with the lake attached and in use."""
    if not read_only and location.catalog.startswith("sqlite:"):
        Path(location.catalog.removeprefix("sqlite:")).parent.mkdir(parents=True, exist_ok=True)
        Path(location.data_path).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # an in-memory database has nowhere to spill by default: big aggregates would fail.
            # DuckDB creates it only when it spills, and removes it on close.
            "temp_directory": str(Path(tempfile.gettempdir()) / f"newslake-{uuid.uuid4().hex}"),
        }
    )
    for name in extensions_for(location.catalog):
        duckdb_extensions.import_extension(name, con=con)
    con.execute("set TimeZone = 'UTC'")
    con.execute(location.attach_sql(read_only))
    con.execute(f"use {ALIAS}")
    if not read_only:
        ensure_tables(con)
        summaries.prepare(con)
        refresh_pending_summaries(con)  # left by a run that stopped before its end
    return con


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and add columns a newer schema declares, in one transaction."""
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        f"select table_name, column_name from duckdb_columns() where database_name = '{ALIAS}'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    statements = []
    for name, schema in ALL_TABLES.items():
        if name not in existing:
            statements.append(create_table_sql(name, schema))
            continue
        statements.extend(
            f"alter table {name} add column {f.name} {duckdb_type(f.type)}"
            for f in schema
            if f.name not in existing[name]
        )
    if not statements:
        return
    con.execute("begin")
    for statement in statements:
        con.execute(statement)
    con.execute("commit")


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


def insert_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """Insert each batch table, skipping keys the lake already holds; return rows added."""
    added: dict[str, int] = {}
    for name, (schema, key) in BATCH_TABLES.items():
        table = tables.get(name)
        if table is None or table.num_rows == 0:
            added[name] = 0
            continue
        view = f"batch_{name}"
        con.register(view, table.cast(schema))
        try:
            row = con.execute(
                f"insert into {name} by name select * from {view} "
                f"where {key} not in (select {key} from {name})"
            ).fetchone()
        finally:
            con.unregister(view)
        added[name] = int(row[0]) if row else 0
    for name, schema in LOG_TABLES.items():
        table = tables.get(name)
        if table is not None and table.num_rows:
            con.register(f"batch_{name}", table.cast(schema))
            try:
                con.execute(f"insert into {name} by name select * from batch_{name}")
            finally:
                con.unregister(f"batch_{name}")
            added[name] = table.num_rows
    return added


def insert_state(con: duckdb.DuckDBPyConnection, state: pa.Table | None) -> None:
    """Append source checkpoint rows (latest per source and key wins)."""
    if state is None or state.num_rows == 0:
        return
    con.register("batch_state", state.cast(SOURCE_STATE))
    try:
        con.execute("insert into source_state by name select * from batch_state")
    finally:
        con.unregister("batch_state")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: commit at its end, roll back if anything raises."""
    con.execute("begin")
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def commit_batch(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pa.Table],
    state: pa.Table | None = None,
) -> dict[str, int]:
    """Write a batch to every table in one transaction; readers see all of it or none."""
    with transaction(con):
        new_ids = new_article_ids(con, tables.get("articles"))
        added = insert_tables(con, tables)
        insert_state(con, state)
        refresh_entities(con, tables.get("mentions"))
        summaries.refresh_summaries(con, new_ids, defer_over=summaries.REFRESH_NOW_ARTICLES)
    return added


def new_article_ids(con: duckdb.DuckDBPyConnection, articles: pa.Table | None) -> pa.Table:
    """Return the ids of these articles that the lake does not hold yet."""
    if articles is None or articles.num_rows == 0:
        return pa.table({"article_id": pa.array([], pa.string())})
    schema, key = BATCH_TABLES["articles"]
    con.register("candidate_articles", articles.cast(schema).select([key]))
    try:
        return con.execute(
            "select distinct article_id from candidate_articles "
            "where article_id not in (select article_id from articles)"
        ).to_arrow_table()
    finally:
        con.unregister("candidate_articles")


def index_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, bytes | None, str | None]]:
    """Return (article_id, content_hash, minhash, duplicate_of) of every stored article."""
    return con.execute(
        "select a.article_id, a.content_hash, f.minhash, a.duplicate_of "
        "from articles a left join article_fingerprints f using (article_id) "
        "order by a.ingested_at, a.article_id"
    ).fetchall()


def refresh_entities(con: duckdb.DuckDBPyConnection, mentions: pa.Table | None) -> None:
    """Recompute the `entities` rows of the entities these mentions name (all when None)."""
    if mentions is not None and mentions.num_rows == 0:
        return
    scope = "true"
    if mentions is not None:
        con.register("touched_mentions", mentions.select(["entity_id"]))
        scope = "entity_id in (select entity_id from touched_mentions)"
    try:
        con.execute(f"delete from entities where {scope}")
        con.execute(
            f"""
            insert into entities by name
            select
                entity_id,
                mode(canonical_name) as canonical_name,
                mode(label) as label,
                list(distinct text order by text) as aliases,
                count(distinct article_id) as article_count,
                count(*) as mention_count
            from mentions
            where {scope}
            group by entity_id
            """
        )
    finally:
        if mentions is not None:
            con.unregister("touched_mentions")


def replace_extraction(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pa.Table],
    article_fields: pa.Table,
) -> None:
    """Swap the extracted rows of some articles for new ones, in one transaction."""
    con.register("batch_fields", article_fields)
    try:
        with transaction(con):
            previous = con.execute(
                "select entity_id from mentions "
                "where article_id in (select article_id from batch_fields)"
            ).to_arrow_table()
            subtract = summaries.old_contributions(con, article_fields)
            for name in EXTRACTED_TABLES:
                con.execute(
                    f"delete from {name} where article_id in (select article_id from batch_fields)"
                )
            insert_tables(con, tables)
            con.execute(
                "update articles set tone = f.tone, focus_country = f.focus_country "
                "from batch_fields f where articles.article_id = f.article_id"
            )
            new = tables.get("mentions")
            touched = [previous] + ([new.select(["entity_id"])] if new is not None else [])
            refresh_entities(con, pa.concat_tables(touched))
            summaries.refresh_summaries(
                con, article_fields, subtract, defer_over=summaries.REFRESH_NOW_ARTICLES
            )
    finally:
        con.unregister("batch_fields")


def refresh_pending_summaries(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the summary days that big commits left pending, in one transaction; return how
    many days were pending."""
    if not summaries.has_pending(con):
        return 0
    with transaction(con):
        return summaries.refresh_pending(con)


def rebuild_summaries(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every summary table from all articles, in one transaction."""
    with transaction(con):
        summaries.rebuild_summaries(con)


def load_state(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Return a source's latest checkpoint values by key."""
    rows = con.execute(
        "select key, max_by(value, updated_at) from source_state where source = ? group by key",
        [source],
    ).fetchall()
    return {key: value for key, value in rows}


def record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    sources: list[str],
    status: str,
    counts: Mapping[str, int],
    timings: Mapping[str, float],
    error: str | None = None,
) -> None:
    """Record a finished run: its status, counts per kind and timings."""
    finished_at = datetime.now(UTC)
    row = {
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": finished_at,
        "status": status,
        "sources": sources,
        **{
            k: counts.get(k, 0)
            for k in ("records_read", "articles_new", "duplicates", "near_duplicates", "rejected")
        },
        "duration_s": (finished_at - started_at).total_seconds(),
        "timings": json.dumps({k: round(v, 3) for k, v in timings.items()}),
        "error": error,
    }
    con.register("new_run", pa.Table.from_pylist([row], schema=RUNS))
    try:
        con.execute("insert into runs by name select * from new_run")
    finally:
        con.unregister("new_run")


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


def state_table(source: str, state: Mapping[str, str] | None, run_id: str) -> pa.Table | None:
    """Return a source's checkpoint as `source_state` rows, or None when there is none."""
    if not state:
        return None
    now = datetime.now(UTC)
    rows = [
        {"source": source, "key": k, "value": v, "updated_at": now, "run_id": run_id}
        for k, v in sorted(state.items())
    ]
    return pa.Table.from_pylist(rows, schema=SOURCE_STATE)


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
