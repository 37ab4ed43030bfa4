"""The PostgreSQL side of a publish: the read-only reader role and the atomic schema swap.

Only what a publish made is ever changed: a reader role newslake created (marked with a comment)
and schemas it published (marked likewise); anything else is refused with a PublishError.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)
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


class PublishError(RuntimeError):
    """Publishing failed; the message names the server and database, never a password."""


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
