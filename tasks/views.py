"""SQL views from sql/: one select per file, file name = view name, staging before marts."""

from __future__ import annotations

from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
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
    """Create or replace the views whose definition changed, in one transaction; return them."""
    current = dict(
        con.execute(
            "select view_name, sql from duckdb_views() where database_name = current_database()"
        ).fetchall()
    )
    changed = [(n, s) for n, s in views if _normalise(current.get(n)) != _normalise(view_sql(n, s))]
    if changed:
        con.execute("begin")
        try:
            for name, select in changed:
                con.execute(view_sql(name, select))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return [name for name, _ in changed]


def _normalise(sql: str | None) -> str:
    return " ".join((sql or "").lower().rstrip(";").split())
