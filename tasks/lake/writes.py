"""Writing the lake: batches, entities, re-extraction, checkpoints and runs, each atomic."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
from duckdb.func import PythonUDFType
import pyarrow as pa

from tasks.documents.lsh import BANDS, minhash_band_keys
from tasks.lake import summaries
from tasks.lake.entities import refresh_entities
from tasks.lake.search_index import index_articles
from tasks.lake.views import SQL_DIR
from tasks.schema import (
    BATCH_TABLES,
    FIRST_COLUMN,
    FIRST_OF,
    LOG_TABLES,
    RUNS,
    SOURCE_STATE,
)
from tasks.table_keys import EXTRACTED_TABLES


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
                f"insert into {name} by name select {_columns(name, key)} from {view} "
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


def first_in_article(name: str, key: str) -> str:
    """Return the SQL expression of a FIRST_OF table's FIRST_COLUMN over its rows: true on the
    first row (by position, then key) of each name in each article. An article's rows are always
    written together, so the flag never depends on what else the lake holds."""
    return (
        f"row_number() over (partition by article_id, {FIRST_OF[name]} "
        f"order by start_char nulls last, {key}) = 1"
    )


def _columns(name: str, key: str) -> str:
    if name not in FIRST_OF:
        return "*"
    return f"* replace ({first_in_article(name, key)} as {FIRST_COLUMN})"


def backfill_first_in_article(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Give the FIRST_OF tables of a lake written before FIRST_COLUMN the column and its values,
    each table in one transaction (readers see the column with its values or not at all);
    return the tables changed. `ensure_tables` leaves this column to this function."""
    changed = []
    for name in FIRST_OF:
        key = BATCH_TABLES[name][1]
        columns = {row[0] for row in con.execute(f"describe {name}").fetchall()}
        missing = FIRST_COLUMN not in columns
        if not missing and con.execute(
            f"select exists (select 1 from {name} where {FIRST_COLUMN} is null)"
        ).fetchone() == (False,):
            continue
        with transaction(con):
            if missing:
                con.execute(f"alter table {name} add column {FIRST_COLUMN} boolean")
            con.execute(
                f"update {name} set {FIRST_COLUMN} = f.first from (select {key}, "
                f"{first_in_article(name, key)} as first from {name}) f "
                f"where {name}.{key} = f.{key}"
            )
        changed.append(name)
    return changed


def insert_state(con: duckdb.DuckDBPyConnection, state: pa.Table | None) -> None:
    """Append source checkpoint rows (latest per source and key wins)."""
    if state is None or state.num_rows == 0:
        return
    con.register("batch_state", state.cast(SOURCE_STATE))
    try:
        con.execute("insert into source_state by name select * from batch_state")
    finally:
        con.unregister("batch_state")


def commit_batch(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pa.Table],
    state: pa.Table | None = None,
) -> dict[str, int]:
    """Write a batch to every table in one transaction; readers see all of it or none."""
    with transaction(con):
        new_ids = new_article_ids(con, tables.get("articles"))
        added = insert_tables(con, tables)
        index_articles(con, tables.get("articles"), new_ids)
        insert_state(con, state)
        refresh_entities(con, tables.get("mentions"))
        summaries.refresh_summaries(con, new_ids, defer_over=summaries.REFRESH_NOW_ARTICLES)
    return added


def backfill_lsh_bands(con: duckdb.DuckDBPyConnection) -> int:
    """Give a lake written before `article_lsh_bands` its band keys, from `article_fingerprints`,
    in one transaction; return the keys stored (0 when it has some already, or no fingerprints).

    Each key goes to the first article (by ingested_at, then id) that has it, as new batches do.
    The keys are computed by a Python function DuckDB calls a chunk of rows at a time, so the
    fingerprints stream through and the grouping spills to disk, however big the lake.
    """
    (has_bands,) = con.execute("select exists (select 1 from article_lsh_bands)").fetchone() or (0,)
    (has_prints,) = con.execute(
        "select exists (select 1 from article_fingerprints)"
    ).fetchone() or (0,)
    if has_bands or not has_prints:
        return 0

    def keys_of(minhashes: pa.Array) -> pa.Array:
        return pa.array(minhash_band_keys(minhashes.to_pylist()), pa.list_(pa.int64()))

    con.create_function(
        "newslake_band_keys",
        keys_of,
        ["BLOB"],
        "BIGINT[]",
        type=PythonUDFType.ARROW,
        side_effects=False,
    )
    try:
        with transaction(con):
            row = con.execute(
                "insert into article_lsh_bands (band, band_key, article_id) "
                "with keys as (select f.article_id, a.ingested_at, "
                "unnest(range(?)) as band, unnest(newslake_band_keys(f.minhash)) as band_key "
                "from article_fingerprints f join articles a using (article_id)) "
                "select any_value(band), band_key, "
                "first(article_id order by ingested_at, article_id) "
                "from keys where band_key is not null group by band_key",
                [BANDS],
            ).fetchone()
    finally:
        con.remove_function("newslake_band_keys")
    return int(row[0]) if row else 0


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


def record_interrupted_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Record as 'interrupted' every run that committed batches but never recorded its end.

    The writer calls this once it holds the lock and before it commits anything, so a run killed
    mid-way shows in `runs` (and `newslake status`) with what it committed. Returns their ids.
    """
    select = (SQL_DIR / "tables" / "interrupted_runs.sql").read_text(encoding="utf-8")
    found = con.execute(select).to_arrow_table()
    if found.num_rows:
        con.register("interrupted_runs", found.select(RUNS.names).cast(RUNS))
        try:
            con.execute("insert into runs by name select * from interrupted_runs")
        finally:
            con.unregister("interrupted_runs")
    return found.column("run_id").to_pylist()


def mark_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, error: str) -> None:
    """Change a recorded run's status and add to its error (e.g. its publish failed afterwards)."""
    con.execute(
        "update runs set status = ?, error = concat_ws('; ', error, ?) where run_id = ?",
        [status, error, run_id],
    )
