"""Publish the lake's marts (and base tables) into a PostgreSQL schema that BI tools read."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import duckdb_extensions
import psycopg
from duckdb.sqltypes import DuckDBPyType
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tasks.lake import ALIAS
from tasks.lake.sql import identifier, literal
from tasks.secrets import redact
from tasks.serving.pg_schema import (
    PublishError,
    drop_old_schemas,
    ensure_reader_role,
    swap_schema,
)

log = logging.getLogger(__name__)

MART_PREFIX = "mart_"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,39}")
NESTED = {"struct", "map", "union", "list", "array"}
PG_ALIAS = "publish_target"
STREAM = "lake_relation"
# rows per Arrow batch on the way to PostgreSQL: raw payloads keep a batch in tens of MB
STREAM_ROWS = 10_000


@dataclass(frozen=True)
class PublishTarget:
    """Where and how to publish: a PostgreSQL URL, its schema, what to copy, the BI role."""

    url: str
    schema: str = "newslake"
    with_base_tables: bool = False
    reader_role: str | None = "newslake_reader"


def publish(
    con: duckdb.DuckDBPyConnection,
    url: str,
    schema: str = "newslake",
    with_base_tables: bool = False,
    reader_role: str | None = "newslake_reader",
    reader_password: str | None = None,
    lock_timeout_s: float = 10.0,
) -> dict[str, int]:
    """Copy every mart view (with_base_tables: and the base tables) into `schema`; return rows.

    Readers of `schema` see the old set or the new one, never a half-published one: the tables are
    written into a staging schema, which one PostgreSQL transaction renames to `schema` after moving
    the old one aside; the old schema is dropped afterwards (or by the next publish, if a reader
    still holds it). PostgreSQL resolves each table name when it locks it, so one statement joining
    two tables exactly during the swap may read one old and one new table.
    """
    for name in (schema, reader_role):
        if name is not None and not IDENTIFIER.fullmatch(name):
            raise ValueError(f"{name!r} is not a plain lowercase identifier (at most 40 chars)")
    conninfo = libpq_conninfo(url)
    target = describe_target(conninfo)
    names = tables_to_publish(con, with_base_tables)
    try:
        with _connect(conninfo, target) as pg:
            if reader_role is not None:
                ensure_reader_role(pg, target, reader_role, reader_password)
            return _publish_into(
                pg, con, conninfo, target, schema, names, reader_role, lock_timeout_s
            )
    except psycopg.Error as error:
        raise PublishError(refusal(error, target, reader_role)) from None


def _publish_into(
    pg: psycopg.Connection[Any],
    con: duckdb.DuckDBPyConnection,
    conninfo: str,
    target: str,
    schema: str,
    names: list[str],
    reader_role: str | None,
    lock_timeout_s: float,
) -> dict[str, int]:
    staging = f"{schema}__staging_{uuid.uuid4().hex[:8]}"
    drop_old_schemas(pg, schema, lock_timeout_s)
    pg.execute(sql.SQL("create schema {}").format(sql.Identifier(staging)))
    try:
        counts = copy_tables(con, conninfo, target, staging, names)
        swap_schema(pg, target, schema, staging, reader_role, lock_timeout_s)
    except BaseException:
        with _suppress_pg():
            drop = sql.SQL("drop schema if exists {} cascade")
            pg.execute(drop.format(sql.Identifier(staging)))
        raise
    drop_old_schemas(pg, schema, lock_timeout_s)
    return counts


def refusal(error: psycopg.Error, target: str, reader_role: str | None) -> str:
    """Return the one-line message for a PostgreSQL error during a publish."""
    message = redact((error.diag.message_primary or str(error)).strip())
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        needs = "CREATE on the database"
        if reader_role is not None:
            needs += f" and CREATEROLE (for the reader role {reader_role!r})"
        return (
            f"PostgreSQL at {target} refused the publishing user: {message}; "
            f"publishing needs {needs}"
        )
    return f"publishing to PostgreSQL at {target} failed: {message}"


def libpq_conninfo(url: str) -> str:
    """Return a libpq key=value string for a postgresql:// URL or a key=value string."""
    try:
        return make_conninfo(url)
    except psycopg.ProgrammingError as error:
        raise PublishError(
            f"invalid PostgreSQL connection string {redact(url)!r}: {redact(str(error))} "
            "(expected postgresql://user@host:port/dbname or 'host=... dbname=...')"
        ) from None


def describe_target(conninfo: str) -> str:
    """Return `host:port/dbname` of a connection string, for messages (no user or password)."""
    params = conninfo_to_dict(conninfo)
    host = params.get("host") or params.get("hostaddr") or "localhost"
    port = params.get("port") or "5432"
    dbname = params.get("dbname") or params.get("user") or "(default database)"
    return f"{host}:{port}/{dbname}"


@contextmanager
def _connect(conninfo: str, target: str) -> Iterator[psycopg.Connection[Any]]:
    try:
        pg = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise PublishError(
            f"cannot connect to PostgreSQL at {target}: {redact(str(error)).strip()}"
        ) from None
    with pg:
        yield pg


@contextmanager
def _suppress_pg() -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        log.warning("cleanup failed: %s", error)


def tables_to_publish(con: duckdb.DuckDBPyConnection, with_base_tables: bool) -> list[str]:
    """Return the lake's mart views, then (if asked) its base tables, by name."""
    marts = [
        row[0]
        for row in con.execute(
            "select view_name from duckdb_views() where database_name = ? "
            "and starts_with(view_name, ?) order by view_name",
            [ALIAS, MART_PREFIX],
        ).fetchall()
    ]
    if not with_base_tables:
        return marts
    tables = [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = ? order by table_name",
            [ALIAS],
        ).fetchall()
    ]
    return marts + tables


def postgres_select(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Return a select over a lake relation whose column types PostgreSQL can hold."""
    rel = con.sql(f"select * from {ALIAS}.main.{identifier(relation)}")
    columns = [
        f"{column_expression(identifier(name), dtype)} as {identifier(name)}"
        for name, dtype in zip(rel.columns, rel.types, strict=True)
    ]
    return f"select {', '.join(columns)} from {ALIAS}.main.{identifier(relation)}"


def column_expression(column: str, dtype: DuckDBPyType) -> str:
    """Return the expression converting a DuckDB column to a type the postgres extension writes.

    Structs, maps, unions and lists of nested values become json (PostgreSQL has no anonymous
    composite types and only rectangular arrays); lists of scalars stay arrays; hugeints become
    numeric (the extension would write a lossy double); blobs are written as bytea as they are.
    """
    kind = dtype.id
    if kind in ("struct", "map", "union"):
        return f"to_json({column})"
    if kind in ("list", "array"):
        child = dict(dtype.children)["child"]
        assert isinstance(child, DuckDBPyType)
        if child.id in NESTED:
            return f"to_json({column})"
        if kind == "array" or child.id == "enum":
            element = "varchar" if child.id == "enum" else str(child)
            return f"cast({column} as {element}[])"
        return column
    if kind in ("hugeint", "uhugeint"):
        return f"cast({column} as decimal(38, 0))"
    if kind in ("enum", "bit", "varint", "bignum", "time with time zone"):
        return f"cast({column} as varchar)"
    return column


def copy_tables(
    con: duckdb.DuckDBPyConnection, conninfo: str, target: str, staging: str, names: list[str]
) -> dict[str, int]:
    """Write each lake relation into the staging schema from one lake snapshot; return counts.

    The lake connection only reads (a read-only one can do nothing else): a second, in-memory
    DuckDB attaches PostgreSQL and writes what the lake streams to it as Arrow batches.
    """
    writer = _postgres_writer(conninfo, target)
    counts: dict[str, int] = {}
    try:
        con.execute("begin")  # one lake snapshot for every relation
        writer.execute("begin")
        try:
            for name in names:
                counts[name] = _copy_relation(con, writer, staging, name)
            writer.execute("commit")
        except BaseException as error:
            writer.execute("rollback")
            if isinstance(error, duckdb.Error):
                raise PublishError(
                    f"writing to PostgreSQL at {target} failed: {redact(str(error))}"
                ) from None
            raise
        finally:
            con.execute("rollback")
    finally:
        writer.close()
    return counts


def _postgres_writer(conninfo: str, target: str) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with the PostgreSQL database attached as PG_ALIAS."""
    writer = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        duckdb_extensions.import_extension("postgres_scanner", con=writer)
        writer.execute("set TimeZone = 'UTC'")
        writer.execute(f"attach {literal(conninfo)} as {PG_ALIAS} (type postgres)")
    except duckdb.Error as error:
        writer.close()
        raise PublishError(f"cannot attach PostgreSQL at {target}: {redact(str(error))}") from None
    return writer


def _copy_relation(
    con: duckdb.DuckDBPyConnection, writer: duckdb.DuckDBPyConnection, staging: str, name: str
) -> int:
    """Create staging.name in PostgreSQL from a lake relation; return its rows."""
    rel = con.sql(postgres_select(con, name))
    # Arrow carries json as plain strings: say again which columns are json
    columns = ", ".join(
        f"cast({identifier(column)} as json) as {identifier(column)}"
        if str(dtype) == "JSON"
        else identifier(column)
        for column, dtype in zip(rel.columns, rel.types, strict=True)
    )
    writer.register(STREAM, rel.to_arrow_reader(STREAM_ROWS))
    try:
        row = writer.execute(
            f"create table {PG_ALIAS}.{identifier(staging)}.{identifier(name)} "
            f"as select {columns} from {STREAM}"
        ).fetchone()
    finally:
        writer.unregister(STREAM)
    return int(row[0]) if row else 0
