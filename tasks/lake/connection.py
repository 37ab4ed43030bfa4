"""Opening a lake: where it lives, the extensions it needs, its tables; what a reader may run."""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extensions

from tasks.lake import summaries
from tasks.lake.compaction import ensure_row_groups
from tasks.lake.search_index import (
    backfill_search_index,
    ensure_search_macros,
    register_reader_macros,
)
from tasks.lake.sql import literal
from tasks.lake.storage import S3Credentials, is_remote, open_object_store
from tasks.lake.views import load_views, register_reader_views
from tasks.lake.writes import (
    backfill_first_in_article,
    backfill_lsh_bands,
    refresh_pending_summaries,
)
from tasks.schema import ALL_TABLES, FIRST_COLUMN, FIRST_OF, create_table_sql, duckdb_type
from tasks.secrets import redact

EXTENSIONS = ("ducklake", "sqlite_scanner")
ALIAS = "lake"
# the name of a read-only connection's own (empty) database
QUERY_DATABASE = "query"


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
            else f"DATA_PATH {literal(self.data_path)}, DATA_INLINING_ROW_LIMIT 0"
        )
        return f"attach {literal('ducklake:' + self.catalog)} as {ALIAS} ({options})"


def extensions_for(catalog: str, data_path: str | None = None) -> tuple[str, ...]:
    """Return the DuckDB extensions a lake with this catalog (and data path) needs."""
    names = (*EXTENSIONS, "postgres_scanner") if catalog.startswith("postgres:") else EXTENSIONS
    return (*names, "httpfs") if is_remote(data_path) else names


def connect(
    location: LakeLocation, read_only: bool = False, credentials: S3Credentials | None = None
) -> duckdb.DuckDBPyConnection:
    """Return a DuckDB connection with the lake attached and in use.

    read_only: the lake is attached READ_ONLY and the connection is locked down (`lock_down`):
    it reads the lake and nothing else, so it is safe for SQL a person types (`newslake sql`,
    through `run_query`). A caller that needs more (an extension, another database) opens a
    connection of its own beside it, as `publish` does.
    credentials: the keys for a data path in object storage (`s3://`), held in a DuckDB secret.
    """
    if not read_only and location.catalog.startswith("sqlite:"):
        Path(location.catalog.removeprefix("sqlite:")).parent.mkdir(parents=True, exist_ok=True)
        if not is_remote(location.data_path):
            Path(location.data_path).mkdir(parents=True, exist_ok=True)
    con = _read_only_database() if read_only else duckdb.connect(config=_config())
    try:
        for name in extensions_for(location.catalog):
            duckdb_extensions.import_extension(name, con=con)
        if is_remote(location.data_path):
            open_object_store(con, location.data_path, credentials)
        con.execute("set TimeZone = 'UTC'")
        con.execute(location.attach_sql(read_only))
        con.execute(f"use {ALIAS}")
        if read_only:
            _require_tables(con, location)
            register_reader_views(con, load_views(), ALIAS)  # a lake an older version wrote
            register_reader_macros(con, ALIAS)
            lock_down(con)
        else:
            ensure_tables(con)
            ensure_row_groups(con, ALIAS)
            backfill_lsh_bands(con)  # a lake older than its LSH band keys
            backfill_first_in_article(con)  # a lake older than its first-in-article flags
            backfill_search_index(con)  # a lake older than its search index
            ensure_search_macros(con, ALIAS)
            summaries.prepare(con)
            refresh_pending_summaries(con)  # left by a run that stopped before its end
    except BaseException:
        con.close()
        raise
    return con


class LakeNotReady(RuntimeError):
    """The lake's catalog exists but holds no tables yet: no run has created them."""


def _require_tables(con: duckdb.DuckDBPyConnection, location: LakeLocation) -> None:
    """Raise LakeNotReady when the attached lake has none of its tables (a first run may be
    creating them at this moment: they appear together, in one transaction)."""
    row = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and table_name in "
        "(select unnest(?))",
        [ALIAS, list(ALL_TABLES)],
    ).fetchone()
    if not row or not row[0]:
        raise LakeNotReady(
            f"the lake at {redact(location.root_hint)} has no tables yet: "
            "its first run has not committed (it may be running now)"
        )


def _config() -> dict[str, str | bool | int | float | list[str]]:
    """Return the DuckDB settings every lake connection starts with."""
    return {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        # an in-memory database has nowhere to spill by default: big aggregates would fail.
        # DuckDB creates it only when it spills, and removes it on close.
        "temp_directory": str(Path(tempfile.gettempdir()) / f"newslake-{uuid.uuid4().hex}"),
    }


def _read_only_database() -> duckdb.DuckDBPyConnection:
    """Return a connection whose own database is an empty, read-only DuckDB file.

    DuckDB attaches every further database read-only when its own one is (an in-memory database
    cannot be), which the sqlite extension needs: it opens files past `enable_external_access`.
    The file is removed once open; DuckDB keeps its handle.
    """
    folder = Path(tempfile.mkdtemp(prefix="newslake-query-"))
    try:
        path = folder / f"{QUERY_DATABASE}.duckdb"
        duckdb.connect(str(path)).close()
        config = {**_config(), "allow_community_extensions": False}
        return duckdb.connect(str(path), read_only=True, config=config)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """Confine a connection to reading the attached lake: no files outside the lake's data path,
    no extension installs or loads, no settings changed from now on.

    DuckDB's own settings do this: `enable_external_access` off (COPY, readers, ATTACH of DuckDB
    files, INSTALL and LOAD all stop), `allowed_directories` the one data path DuckLake reads its
    Parquet files from, and `lock_configuration` on, so no SET or RESET undoes it. What they leave
    open (COPY into the data path, ATTACH and DETACH, table functions that maintain the lake) is
    refused for typed SQL by `run_query`.
    """
    # DuckDB adds its own temp_directory, so that big queries can still spill
    con.execute(f"set allowed_directories = [{literal(data_path(con))}]")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def data_path(con: duckdb.DuckDBPyConnection) -> str:
    """Return where the attached lake keeps its data files, as its catalog records it."""
    row = con.execute(
        "select value from ducklake_options(?) where option_name = 'data_path'", [ALIAS]
    ).fetchone()
    if row is None or not row[0]:
        raise RuntimeError("the lake's catalog records no data path")
    return str(row[0])


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and add columns a newer schema declares, in one transaction."""
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = ?", [ALIAS]
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
            # the writer's own flag comes with its values, from backfill_first_in_article
            if f.name not in existing[name] and not (name in FIRST_OF and f.name == FIRST_COLUMN)
        )
    if not statements:
        return
    con.execute("begin")
    for statement in statements:
        con.execute(statement)
    con.execute("commit")


class QueryRefused(ValueError):
    """A statement `run_query` will not run; the message says why."""


# table functions a query may call: they read the lake, its catalog or DuckDB's own state.
# Any other one (COPY-like writers, lake maintenance, query strings, other databases) is refused.
READING_TABLE_FUNCTIONS = frozenset(
    {
        "ducklake_current_snapshot",
        "ducklake_last_committed_snapshot",
        "ducklake_list_files",
        "ducklake_options",
        "ducklake_settings",
        "ducklake_snapshots",
        "ducklake_table_changes",
        "ducklake_table_deletions",
        "ducklake_table_info",
        "ducklake_table_insertions",
        "generate_series",
        "glob",
        "histogram",
        "histogram_values",
        "icu_calendar_names",
        "json_each",
        "json_tree",
        "parquet_file_metadata",
        "parquet_full_metadata",
        "parquet_kv_metadata",
        "parquet_metadata",
        "parquet_scan",
        "parquet_schema",
        "pg_timezone_names",
        "pragma_collations",
        "pragma_database_size",
        "pragma_metadata_info",
        "pragma_platform",
        "pragma_show",
        "pragma_storage_info",
        "pragma_table_info",
        "pragma_user_agent",
        "pragma_version",
        "range",
        "read_parquet",
        "repeat",
        "repeat_row",
        "search_all",
        "search_any",
        "search_phrase",
        "search_prefix",
        "search_tokens",
        "search_word",
        "summary",
        "unnest",
    }
)


# DuckDB redacts a secret's key but shows its key id, scope and endpoint: a query sees none of it
SECRET_FUNCTIONS = frozenset({"duckdb_secrets", "which_secret"})


def run_query(con: duckdb.DuckDBPyConnection, text: str) -> duckdb.DuckDBPyConnection:
    """Run one select a person typed and return its result; raise QueryRefused for anything else.

    A read-only connection already stops files, extensions and settings (`lock_down`); this also
    stops what DuckDB's settings cannot: COPY into the data path, ATTACH, DETACH, USE, PRAGMA,
    transactions, and table functions that maintain the lake or run SQL given as a string.
    """
    statements = con.extract_statements(text)
    if len(statements) != 1:
        raise QueryRefused(f"give one select statement, not {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise QueryRefused(f"only a select runs against the lake; this is {kind.name}")
    refused = sorted(
        name
        for name in called_functions(con, text) & table_functions(con)
        if name in SECRET_FUNCTIONS
        or (name not in READING_TABLE_FUNCTIONS and not name.startswith("duckdb_"))
    )
    if refused:
        raise QueryRefused(
            f"{', '.join(refused)} can change the lake or reach outside it; a query may call "
            "only table functions that read"
        )
    return con.execute(text)


def called_functions(con: duckdb.DuckDBPyConnection, text: str) -> set[str]:
    """Return the name of every function a select calls, as DuckDB's parser reads them."""
    row = con.execute("select json_serialize_sql(?)", [text]).fetchone()
    tree = json.loads(row[0]) if row else {}
    if tree.get("error"):
        raise QueryRefused(f"cannot check this query: {tree.get('error_message')}")
    names: set[str] = set()
    pending: list[Any] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("function_name"), str):
                names.add(node["function_name"].lower())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return names


def table_functions(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Return the names of the table functions (and table macros) the connection knows."""
    rows = con.execute(
        "select distinct function_name from duckdb_functions() "
        "where function_type in ('table', 'table_macro')"
    ).fetchall()
    return {str(name).lower() for (name,) in rows}
