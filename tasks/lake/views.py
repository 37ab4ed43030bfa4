"""SQL views from sql/: one select per file, file name = view name, staging before marts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from tasks.resources import SQL_DIR

LAYERS = ("staging", "marts")


def load_views(sql_dir: Path = SQL_DIR) -> list[tuple[str, str]]:
    """Return (view name, select statement) pairs in dependency order: staging, then marts."""
    views = []
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            select = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
            views.append((path.stem, select))
    return views


def view_sql(name: str, select: str) -> str:
    """Return the statement that (re)defines a view."""
    return f"create or replace view {name} as\n{select}"


def register_views(con: duckdb.DuckDBPyConnection, views: list[tuple[str, str]]) -> list[str]:
    """Create or replace the views whose definition changed, in one transaction; return them.

    DuckDB stores a view's SQL re-rendered, so each view carries the hash of its file's select as
    its comment, and a view is unchanged when that hash is."""
    current = dict(
        con.execute(
            "select view_name, comment from duckdb_views() where database_name = current_database()"
        ).fetchall()
    )
    changed = [(n, s) for n, s in views if current.get(n) != definition_hash(s)]
    if changed:
        con.execute("begin")
        try:
            for name, select in changed:
                con.execute(view_sql(name, select))
                con.execute(f"comment on view {name} is '{definition_hash(select)}'")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return [name for name, _ in changed]


def register_reader_views(
    con: duckdb.DuckDBPyConnection, views: list[tuple[str, str]], database: str
) -> list[str]:
    """Give a read-only connection the views its code has but the lake lacks; return them.

    A lake last written by an older version lacks newer views (or has older definitions) until a
    writer opens it; a reader cannot change the catalog, so it defines those views as temporary
    ones, which DuckDB resolves before the lake's own. A view whose tables the lake lacks is
    skipped.
    """
    current = dict(
        con.execute(
            "select view_name, comment from duckdb_views() where database_name = ?", [database]
        ).fetchall()
    )
    changed = [(n, s) for n, s in views if current.get(n) != definition_hash(s)]
    registered = []
    for name, select in changed:
        try:
            con.execute(f"create or replace temp view {name} as\n{select}")
        except (duckdb.CatalogException, duckdb.BinderException):
            # it reads a table (or a column) this lake lacks: one an older version never made,
            # or one a first run is still creating. The view stays the lake's own, or absent,
            # until a writer opens the lake; a query on it says what is missing.
            continue
        registered.append(name)
    return registered


def definition_hash(text: str) -> str:
    """Return a short hash of a definition, kept as its object's comment to spot changes."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]
