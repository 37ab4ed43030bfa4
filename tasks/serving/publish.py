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

log = logging.getLogger(__name__)

MART_PREFIX = "mart_"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,39}")
NESTED = {"struct", "map", "union", "list", "array"}
PG_ALIAS = "publish_target"
# marks what a publish made: only marked roles are ever altered, only marked schemas replaced
ROLE_MARK = "created by newslake: read-only role for BI tools"
SCHEMA_MARK = "published by newslake"
# a reader role's pg_roles flags: the attribute that sets each right, and the value it has
READER_ATTRIBUTES = {
    "rolcanlogin": ("login", True),
    "rolsuper": ("nosuperuser", False),
    "rolcreatedb": ("nocreatedb", False),
    "rolcreaterole": ("nocreaterole", False),
    "rolreplication": ("noreplication", False),
    "rolbypassrls": ("nobypassrls", False),
}
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


class PublishError(RuntimeError):
    """Publishing failed; the message names the server and database, never a password."""


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


def redact(text: str) -> str:
    """Return text with passwords in URLs and key=value strings replaced by ***."""
    text = re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text, flags=re.I)
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


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


def ensure_reader_role(
    pg: psycopg.Connection[Any], target: str, role: str, password: str | None
) -> None:
    """Create the BI role (LOGIN, no superuser/createdb/createrole, read-only by default), or fix
    one that newslake created; refuse any other existing role and leave it as it is."""
    ident = sql.Identifier(role)
    flags = sql.SQL(", ").join(sql.Identifier(column) for column in READER_ATTRIBUTES)
    row = pg.execute(
        sql.SQL(
            "select shobj_description(oid, 'pg_authid'), "
            "coalesce('default_transaction_read_only=on' = any(rolconfig), false), {} "
            "from pg_roles where rolname = %s"
        ).format(flags),
        [role],
    ).fetchone()
    with pg.transaction():
        if row is None:
            attributes = " ".join(attribute for attribute, _ in READER_ATTRIBUTES.values())
            pg.execute(sql.SQL("create role {} {}").format(ident, sql.SQL(attributes)))
            pg.execute(sql.SQL("comment on role {} is {}").format(ident, sql.Literal(ROLE_MARK)))
        elif row[0] != ROLE_MARK:
            raise PublishError(
                f"role {role!r} at {target} exists and newslake did not create it; refusing to "
                "change it (publish with another --reader-role, or drop that role first)"
            )
        else:
            # only what is wrong: a CREATEROLE publisher may not even name SUPERUSER
            wrong = [
                attribute
                for (attribute, wanted), actual in zip(
                    READER_ATTRIBUTES.values(), row[2:], strict=True
                )
                if actual != wanted
            ]
            if wrong:
                pg.execute(sql.SQL("alter role {} {}").format(ident, sql.SQL(" ".join(wrong))))
        if password is not None:
            pg.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(password)))
        if row is None or not row[1]:
            statement = sql.SQL("alter role {} set default_transaction_read_only = on")
            pg.execute(statement.format(ident))


def swap_schema(
    pg: psycopg.Connection[Any],
    target: str,
    schema: str,
    staging: str,
    reader_role: str | None,
    lock_timeout_s: float,
) -> None:
    """Grant the reader, move `schema` aside and rename `staging` to it, in one transaction."""
    old = f"{schema}__old_{uuid.uuid4().hex[:8]}"
    try:
        with pg.transaction():
            pg.execute(sql.SQL("set local lock_timeout = {}").format(_ms(lock_timeout_s)))
            # publishers of the same schema take turns
            pg.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"newslake.publish.{schema}"])
            if reader_role is not None:
                role, stage = sql.Identifier(reader_role), sql.Identifier(staging)
                pg.execute(sql.SQL("grant usage on schema {} to {}").format(stage, role))
                pg.execute(
                    sql.SQL("grant select on all tables in schema {} to {}").format(stage, role)
                )
            pg.execute(
                sql.SQL("comment on schema {} is {}").format(
                    sql.Identifier(staging), sql.Literal(SCHEMA_MARK)
                )
            )
            if _schema_exists(pg, schema):
                _check_replaceable(pg, target, schema)
                # marked, so that drop_old_schemas (which drops only marked ones) takes it
                mark = sql.SQL("comment on schema {} is {}")
                pg.execute(mark.format(sql.Identifier(schema), sql.Literal(SCHEMA_MARK)))
                pg.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(schema), sql.Identifier(old)
                    )
                )
            pg.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(staging), sql.Identifier(schema)
                )
            )
    except psycopg.errors.LockNotAvailable:
        raise PublishError(
            f"timed out after {lock_timeout_s:g} s waiting for a lock to swap schema {schema!r} "
            f"at {target}; another session holds it"
        ) from None


def _schema_exists(pg: psycopg.Connection[Any], schema: str) -> bool:
    row = pg.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone()
    return row is not None


def _check_replaceable(pg: psycopg.Connection[Any], target: str, schema: str) -> None:
    """Refuse to move aside a schema that a publish did not make, unless it holds nothing."""
    row = pg.execute(
        "select obj_description(n.oid, 'pg_namespace'), "
        # every object in a schema (table, view, sequence, function, type, ...) depends on it
        "(select count(*) from pg_depend d where d.refclassid = 'pg_namespace'::regclass "
        "and d.refobjid = n.oid) "
        "from pg_namespace n where nspname = %s",
        [schema],
    ).fetchone()
    if row and row[0] != SCHEMA_MARK and row[1]:
        raise PublishError(
            f"schema {schema!r} at {target} holds objects a newslake publish did not create; "
            "refusing to replace it (publish into another schema or drop it first)"
        )


def drop_old_schemas(pg: psycopg.Connection[Any], schema: str, lock_timeout_s: float) -> None:
    """Drop schemas earlier publishes moved aside; leave any a reader still holds for next time.

    Only schemas a publish marked: a schema someone else named `<schema>__old_...` stays.
    """
    rows = pg.execute(
        "select nspname from pg_namespace where starts_with(nspname, %s) "
        "and obj_description(oid, 'pg_namespace') = %s",
        [f"{schema}__old_", SCHEMA_MARK],
    ).fetchall()
    for (name,) in rows:
        try:
            with pg.transaction():
                pg.execute(sql.SQL("set local lock_timeout = {}").format(_ms(lock_timeout_s)))
                pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))
        except psycopg.errors.LockNotAvailable:
            log.warning("schema %s is still in use; the next publish drops it", name)


def _ms(seconds: float) -> sql.Literal:
    return sql.Literal(f"{max(1, int(seconds * 1000))}ms")
