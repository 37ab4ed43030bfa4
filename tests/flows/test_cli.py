from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from flows.cli import resolve_source
from flows.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def newslake(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flows.cli", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.unit
def test_sources_resolve_by_name_path_or_url(tmp_path: Path) -> None:
    settings = Settings()
    assert resolve_source("examples", settings).kind == "folder"
    feed = tmp_path / "wire.rss"
    feed.write_text("<rss/>")
    assert resolve_source(str(feed), settings).model_dump(exclude_none=True) == {
        "name": "wire",
        "kind": "feed",
        "path": str(feed),
        "urls": [],
    }
    assert resolve_source("https://example.com/a.rss", settings).kind == "http"
    with pytest.raises(typer.BadParameter, match="no configured source"):
        resolve_source("no-such-thing", settings)


@pytest.mark.unit
def test_every_command_is_registered_in_help_order() -> None:
    from typer.main import get_command

    from flows.cli import app

    assert list(get_command(app).commands) == [
        "run",
        "extract",
        "extraction-report",
        "docs",
        "validate",
        "publish",
        "report",
        "bi",
        "status",
        "serve",
        "sql",
        "search",
    ]


@pytest.mark.integration
@pytest.mark.slow
def test_run_prints_counts_and_lake_then_sql_queries_it(
    prefect_harness: None, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    lake = tmp_path / "lake"
    result = newslake("run", "--lake", str(lake), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ingested 20 new articles" in result.stdout
    assert str(lake.resolve() / "catalog.sqlite") in result.stdout.replace("\n", "")

    query = "select source_kind, count(*) as n from articles group by all order by 1"
    as_json = newslake("sql", query, "--lake", str(lake), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert sum(r["n"] for r in rows) == 20
    as_csv = newslake(
        "sql",
        "select count(*) as n from mart_articles_per_day",
        "--lake",
        str(lake),
        "--format",
        "csv",
    )
    assert as_csv.stdout.splitlines()[0] == "n"
    bad = newslake("sql", "select * from nowhere", "--lake", str(lake))
    assert bad.returncode == 1 and "query failed" in bad.stderr

    report = newslake("report", "--lake", str(lake), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "report.html").stat().st_size > 10_000
    assert len(list((tmp_path / "report").glob("*.png"))) == 4
    recipes = newslake("bi", "--lake", str(lake))
    assert recipes.returncode == 0, recipes.stderr
    assert f"ducklake:sqlite:{lake.resolve() / 'catalog.sqlite'}" in recipes.stdout
    assert "READ_ONLY" in recipes.stdout
    validate = newslake("validate", "--lake", str(lake))
    assert validate.returncode == 0 and "every expectation passed" in validate.stdout
    docs = newslake("docs", "--lake", str(lake))
    assert docs.stdout.strip() == str(lake.resolve() / "docs" / "index.html")
