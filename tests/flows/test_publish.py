from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tasks.serving.publish import PublishTarget
from tests.pg import postgres_cluster_fixture, postgres_url  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"name": "examples", "kind": "folder", "path": str(ROOT / "examples")}


def published_tables(url: str, schema: str) -> dict[str, int]:
    with psycopg.connect(url) as pg:
        names = [
            row[0]
            for row in pg.execute(
                "select table_name from information_schema.tables where table_schema = %s", [schema]
            ).fetchall()
        ]
        return {
            n: pg.execute(f'select count(*) from "{schema}"."{n}"').fetchone()[0]  # type: ignore[index]
            for n in names
        }


def test_ingest_publishes_marts_when_a_target_is_configured(
    run_ingest,
    lake_query,
    postgres_url: str,  # noqa: F811
) -> None:
    summary = run_ingest(EXAMPLES, publish_to=PublishTarget(postgres_url, schema="after_ingest"))
    tables = published_tables(postgres_url, "after_ingest")
    assert set(summary["published"]) == set(tables)
    assert "mart_articles_per_day" in tables
    assert (
        tables["mart_articles_per_day"]
        == lake_query("select count(*) from mart_articles_per_day")[0][0]
    )


def test_publish_command_copies_the_marts(run_ingest, tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    run_ingest(EXAMPLES)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "publish",
            "--postgres",
            postgres_url,
            "--schema",
            "from_cli",
            "--with-base-tables",
            "--lake",
            str(tmp_path / "lake"),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tables = published_tables(postgres_url, "from_cli")
    assert tables["articles"] == 20 and "mart_source_volume" in tables
    assert "read-only role newslake_reader" in result.stdout
