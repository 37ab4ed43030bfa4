"""What `newslake status` shows, read from the marts: recent runs, source freshness, lake size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tasks.lake import snapshot_id

Rows = tuple[list[str], list[tuple[Any, ...]]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Rows:
    result = con.execute(sql, params or [])
    return [d[0] for d in result.description or []], result.fetchall()


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> Rows:
    """Return the latest runs, newest first, with their counts and duration."""
    return _rows(
        con,
        "select strftime(started_at, '%Y-%m-%d %H:%M') as started, status, "
        "records_read as read, articles_new as new, duplicates as dups, rejected, "
        "round(duration_s, 1) as seconds, left(error, 60) as error "
        "from mart_runs order by started_at desc limit ?",
        [limit],
    )


def source_freshness(con: duckdb.DuckDBPyConnection) -> Rows:
    """Return each source with articles: their count, latest publication and latest ingestion."""
    return _rows(
        con,
        "select source, articles, "
        "strftime(latest_published_at, '%Y-%m-%d %H:%M') as latest_published, "
        "strftime(latest_ingested_at, '%Y-%m-%d %H:%M') as latest_ingested, "
        "hours_since_latest_ingested as hours_ago "
        "from mart_source_volume where articles > 0 order by source",
    )


def lake_size(con: duckdb.DuckDBPyConnection, root: Path, database: str = "lake") -> dict[str, Any]:
    """Return the snapshot id, the lake's articles, raw documents and rejected records (the sum of
    mart_source_volume), the data files of the current snapshot and their megabytes (from the
    catalog, so a lake whose data is in object storage is counted as one on disk), and the
    megabytes on disk under root (catalog, files of older snapshots; None when root is not a
    local folder)."""
    counts = con.execute(
        "select cast(coalesce(sum(articles), 0) as bigint), "
        "cast(coalesce(sum(raw_documents), 0) as bigint), "
        "cast(coalesce(sum(rejected), 0) as bigint) from mart_source_volume"
    ).fetchone() or (0, 0, 0)
    files, size = _current_files(con, database)
    on_disk = [p.stat().st_size for p in root.rglob("*") if p.is_file()] if root.is_dir() else None
    return {
        "snapshot_id": snapshot_id(con),
        "articles": counts[0],
        "raw_documents": counts[1],
        "rejected": counts[2],
        "files": files,
        "size_mb": round(size / 1e6, 2),
        "disk_mb": None if on_disk is None else round(sum(on_disk) / 1e6, 2),
    }


def _current_files(con: duckdb.DuckDBPyConnection, database: str) -> tuple[int, int]:
    """Return the data and delete files of every table in the current snapshot, and their bytes."""
    tables = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main'",
        [database],
    ).fetchall()
    files = size = 0
    for (table,) in tables:
        row = con.execute(
            "select count(data_file) + count(delete_file), "
            "coalesce(sum(data_file_size_bytes), 0) + coalesce(sum(delete_file_size_bytes), 0) "
            "from ducklake_list_files(?, ?)",
            [database, table],
        ).fetchone()
        if row:
            files, size = files + int(row[0]), size + int(row[1])
    return files, size
