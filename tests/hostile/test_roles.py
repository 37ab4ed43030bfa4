"""`publish --reader-role` alters only roles newslake made; a user without rights gets one error."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from tasks import lake
from tasks.lake.views import load_views, register_views
from tasks.serving.pg_schema import ROLE_MARK
from tasks.serving.publish import PublishError, publish
from tests.pg import postgres_cluster_fixture, postgres_url  # noqa: F401

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ROLE_COLUMNS = (
    "rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolconfig, "
    "shobj_description(oid, 'pg_authid')"
)


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty lake with its views: every mart publishes, with no rows."""
    root = tmp_path_factory.mktemp("roles") / "lake"
    writer = lake.connect(lake.LakeLocation.local(root))
    try:
        register_views(writer, load_views())
    finally:
        writer.close()
    return root


@pytest.fixture
def reader(lake_root: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The lake as `newslake publish` opens it: read-only and locked down."""
    con = lake.connect(lake.LakeLocation.local(lake_root), read_only=True)
    yield con
    con.close()


def role(url: str, name: str) -> tuple[Any, ...] | None:
    with psycopg.connect(url) as pg:
        return pg.execute(
            f"select {ROLE_COLUMNS} from pg_roles where rolname = %s", [name]
        ).fetchone()


def schemas_like(url: str, prefix: str) -> list[str]:
    with psycopg.connect(url) as pg:
        rows = pg.execute(
            "select nspname from pg_namespace where starts_with(nspname, %s)", [prefix]
        ).fetchall()
    return [r[0] for r in rows]


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("existing", ["boss", "postgres"])
def test_an_existing_unmarked_superuser_is_refused_and_left_unchanged(
    reader: duckdb.DuckDBPyConnection,
    postgres_url: str,  # noqa: F811
    existing: str,
) -> None:
    """Both an unrelated superuser and the publishing superuser itself (the reported case)."""
    if existing == "boss":
        with psycopg.connect(postgres_url, autocommit=True) as pg:
            pg.execute("drop role if exists boss")
            pg.execute("create role boss superuser createdb login")
            pg.execute("alter role boss set work_mem = '8MB'")
    before = role(postgres_url, existing)
    assert before is not None and before[0] is True
    schema = fresh("roles")
    with pytest.raises(PublishError, match="newslake did not create it") as caught:
        publish(reader, postgres_url, schema=schema, reader_role=existing, reader_password="x")
    assert existing in str(caught.value)
    assert role(postgres_url, existing) == before
    assert schemas_like(postgres_url, schema) == []


def test_a_role_newslake_created_is_updated_on_a_second_publish(
    reader: duckdb.DuckDBPyConnection,
    postgres_url: str,  # noqa: F811
) -> None:
    name = fresh("bi_reader")
    schema = fresh("roles")
    counts = publish(reader, postgres_url, schema=schema, reader_role=name, reader_password="one")
    assert "mart_articles_per_day" in counts
    created = role(postgres_url, name)
    read_only = ["default_transaction_read_only=on"]
    assert created == (False, False, False, False, False, True, read_only, ROLE_MARK)
    with psycopg.connect(postgres_url) as pg:
        first_password = pg.execute(
            "select rolpassword from pg_authid where rolname = %s", [name]
        ).fetchone()
    # someone widens the role by hand; the next publish puts it back
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute(f'alter role "{name}" createdb createrole nologin')
        pg.execute(f'alter role "{name}" reset default_transaction_read_only')
    publish(reader, postgres_url, schema=schema, reader_role=name, reader_password="two")
    assert role(postgres_url, name) == created
    with psycopg.connect(postgres_url) as pg:
        second_password = pg.execute(
            "select rolpassword from pg_authid where rolname = %s", [name]
        ).fetchone()
        granted = pg.execute(
            "select has_table_privilege(%s, %s, 'select')",
            [name, f'"{schema}".mart_articles_per_day'],
        ).fetchone()
    assert second_password != first_password
    assert granted == (True,)


@pytest.fixture
def plain_user(postgres_url: str) -> tuple[str, str]:  # noqa: F811
    """A login role with no rights beyond connecting (no CREATE on the database, no CREATEROLE):
    its name and its connection string."""
    name = fresh("plain")
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute(f'create role "{name}" login')
    return name, make_conninfo(postgres_url, user=name)


def test_a_publishing_user_without_rights_gets_one_clear_error(
    reader: duckdb.DuckDBPyConnection,
    lake_root: Path,
    postgres_url: str,  # noqa: F811
    plain_user: tuple[str, str],
) -> None:
    user, conninfo = plain_user
    bi_role = fresh("bi_plain")
    with pytest.raises(PublishError, match="refused the publishing user") as caught:
        publish(reader, conninfo, schema=fresh("roles"), reader_role=bi_role)
    assert "permission denied" in str(caught.value) and "CREATEROLE" in str(caught.value)
    assert role(postgres_url, bi_role) is None
    # with CREATEROLE but no CREATE on the database, the schema step refuses, as one error too
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute(f'alter role "{user}" createrole')
    schema = fresh("roles")
    with pytest.raises(PublishError, match="permission denied for database"):
        publish(reader, conninfo, schema=schema, reader_role=bi_role)
    assert schemas_like(postgres_url, schema) == []
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "publish",
            "--postgres",
            conninfo,
            "--schema",
            schema,
            "--reader-role",
            bi_role,
            "--lake",
            str(lake_root),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "publish failed" in output and "permission denied" in output
    assert "Traceback" not in output
