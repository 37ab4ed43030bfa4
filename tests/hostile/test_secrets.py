"""A password in the catalog DSN and the publish URL shows up nowhere: not in any output, log,
artifact, lake file, catalog row or Prefect database file, after run, bi, status and publish."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.pg import Cluster, postgres_cluster_fixture  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CANARY = "Canary-pw-5Rk2"
STORY = "{title}\n\nPODGORICA (Reuters) - {title}, the ministry said on Monday.\n"


def newslake(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flows.cli", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def files_holding(root: Path, needle: bytes) -> list[Path]:
    """Return every file under root whose bytes contain the needle."""
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_canary_password_is_never_shown_or_stored(
    postgres_cluster_fixture: Cluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    cluster = postgres_cluster_fixture
    with psycopg.connect(cluster.conninfo(), autocommit=True) as pg:
        pg.execute("drop database if exists canary_catalog")
        pg.execute("create database canary_catalog")
    # trust auth: the server ignores the password, so it only has to travel and never show
    catalog = f"postgres:{cluster.conninfo(database='canary_catalog')} password={CANARY}"
    publish_url = (
        f"postgresql://{cluster.user}:{CANARY}@{cluster.host}:{cluster.port}/{cluster.database}"
    )
    stories = tmp_path / "stories"
    stories.mkdir()
    for title in ("Border crossing opens", "Rail link to the coast approved"):
        (stories / f"{title}.txt").write_text(STORY.format(title=title))
    config = tmp_path / "newslake.toml"
    config.write_text(
        f'lake = "{tmp_path / "lake"}"\ncatalog = "{catalog}"\n'
        f'publish_postgres_url = "{publish_url}"\npublish_schema = "canary"\n\n'
        f'[[sources]]\nname = "stories"\nkind = "folder"\npath = "{stories}"\n'
    )
    prefect_home = tmp_path / "prefect"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "NEWSLAKE_CONFIG": str(config),
        "NEWSLAKE_EXTRACT": "false",
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_LOGGING_TO_API_ENABLED": "true",  # logs go to Prefect's database: grep them
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
        "PYTHONPATH": str(ROOT),
    }
    outputs = {
        "run": newslake("run", env=env),
        "bi": newslake("bi", env=env),
        "status": newslake("status", env=env),
        "publish": newslake("publish", "--postgres", publish_url, "--schema", "canary2", env=env),
    }
    for name, result in outputs.items():
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        assert CANARY not in result.stdout + result.stderr, name
    assert "Ingested 2 new articles" in outputs["run"].stdout
    assert "password=***" in outputs["run"].stdout or "password" not in outputs["run"].stdout

    # the lake's files, the Data Docs, Prefect's home (its SQLite database, logs) and the folder
    assert (prefect_home / "prefect.db").exists()
    assert files_holding(tmp_path, CANARY.encode()) == [config]
    # the catalog rows in PostgreSQL and the published schemas
    dump = subprocess.run(
        [str(cluster.bindir / "pg_dumpall"), "-h", cluster.host, "-p", str(cluster.port)]
        + ["-U", cluster.user],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dump.returncode == 0, dump.stderr
    assert "canary_catalog" in dump.stdout and "CREATE SCHEMA canary" in dump.stdout
    assert CANARY not in dump.stdout
