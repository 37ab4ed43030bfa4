"""Compaction: merging the small files that commits leave into few, read faster.

Every commit writes one small Parquet file per table it adds rows to, so a lake fed by frequent
small runs ends up with thousands of files, and each look-up pays for each file. A writer merges
them at the end of a run once a table has more than COMPACT_OVER_FILES files, with DuckLake's
`ducklake_merge_adjacent_files` (files under the lake's target size only, so the work stays in
proportion to what was added since the last merge). The search index is written sorted by term:
each merged file's row groups then cover a narrow range of terms, and a look-up skips the rest by
their min/max statistics. The fact tables (mentions, places, quotes) are written sorted by
article id for the same reason: ids are uniform hashes, so a range of ids is a random sample of
articles, and the search's top lists over a huge match set read only that range's row groups
(`tasks/serving/search.py`, SAMPLE_ARTICLES). Readers keep their snapshots: a merge writes new files and a new
snapshot, and leaves the old files to `ducklake_expire_snapshots` and `ducklake_cleanup_old_files`.

`articles` is written and merged with row groups of ROW_GROUP_ROWS rows (DuckDB's smallest, a
table option in the lake that a writer sets when it opens the lake), not the default 122,880,
and sorted by article id: the few bodies a search shows are then read and decompressed from
their own row groups only (at 1M articles, five bodies by id: 820 ms from unsorted files, 28 ms
sorted), while every scan of the table opens one file instead of one per commit (at 100k
articles in 201 files, the search's matches took 45 ms, 22 ms merged).
"""

from __future__ import annotations

import duckdb

from tasks.lake.sql import identifier

# the tables a writer compacts, each with the order its merged files are written in
COMPACTED = {
    "article_terms": "term asc",
    "articles": "article_id asc",
    "mentions": "article_id asc",
    "places": "article_id asc",
    "quotes": "article_id asc",
}
COMPACT_OVER_FILES = 32
# the tables written (and merged) in small row groups, and their rows per group; the writer's
# connection sets them when it opens the lake (`ensure_row_groups`)
ROW_GROUP_ROWS = {"articles": 2048}


def data_files(con: duckdb.DuckDBPyConnection, table: str, database: str = "lake") -> int:
    """Return how many data files a lake table has."""
    row = con.execute("select count(*) from ducklake_list_files(?, ?)", [database, table]).fetchone()
    return int(row[0]) if row else 0


def compact_table(con: duckdb.DuckDBPyConnection, table: str, database: str = "lake") -> int:
    """Merge a table's small files (sorted as COMPACTED says); return the files merged (0 when
    there were fewer than two). The caller is the lake's writer."""
    if data_files(con, table, database) < 2:
        return 0
    if order := COMPACTED.get(table):
        # DuckLake commits a change and a compaction apart and tells a client nothing of a
        # table's order, so the order is set again each time (a snapshot of its own, cheap)
        con.execute(f"alter table {table} set sorted by ({order})")
    merged = con.execute("call ducklake_merge_adjacent_files(?, ?)", [database, table]).fetchall()
    return sum(int(row[2]) for row in merged)  # (schema, table, files processed, files created)


def ensure_row_groups(con: duckdb.DuckDBPyConnection, database: str = "lake") -> None:
    """Give each ROW_GROUP_ROWS table its row group size, an option in the lake's catalog that
    every write of the table then uses (commits, merges, a big backfill's inserts alike)."""
    rows = dict(
        con.execute(
            "select scope_entry, value from ducklake_options(?) "
            "where option_name = 'parquet_row_group_size' and scope = 'TABLE'",
            [database],
        ).fetchall()
    )
    for table, size in ROW_GROUP_ROWS.items():
        if rows.get(f"main.{table}") != str(size):
            con.execute(
                f"call {identifier(database)}.set_option("
                "'parquet_row_group_size', ?, table_name => ?)",
                [size, table],
            )


def compact_fragmented(
    con: duckdb.DuckDBPyConnection, database: str = "lake", over_files: int | None = None
) -> dict[str, int]:
    """Compact each COMPACTED table that has more than `over_files` (COMPACT_OVER_FILES) files;
    return the files merged per table compacted."""
    limit = COMPACT_OVER_FILES if over_files is None else over_files
    merged = {}
    for table in COMPACTED:
        if data_files(con, table, database) > limit:
            merged[table] = compact_table(con, table, database)
    return merged
