"""The one quoting helper for SQL text DuckDB cannot bind: ATTACH paths, secrets, identifiers."""

from __future__ import annotations


def literal(value: str) -> str:
    """Return a SQL string literal holding exactly `value` (quotes doubled, NULs refused)."""
    if "\x00" in value:
        raise ValueError("a SQL literal cannot hold a NUL character")
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """Return a quoted SQL identifier naming exactly `name`."""
    if "\x00" in name:
        raise ValueError("a SQL identifier cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'
