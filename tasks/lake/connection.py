"""Opening a lake: where it lives, the extensions it needs, its tables."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import duckdb_extensions

from tasks.lake import summaries
from tasks.lake.sql import literal
from tasks.lake.writes import refresh_pending_summaries
from tasks.schema import ALL_TABLES, create_table_sql, duckdb_type

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
            else f"DATA_PATH {literal(self.data_path)}, DATA_INLINING_ROW_LIMIT 0"
        )
        return f"attach {literal('ducklake:' + self.catalog)} as {ALIAS} ({options})"


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
            if f.name not in existing[name]
        )
    if not statements:
        return
    con.execute("begin")
    for statement in statements:
        con.execute(statement)
    con.execute("commit")
