"""`newslake search` in each format, and `newslake report --query` rendered in Chromium."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from tasks.serving.search_query import parse
from tests.browser import FLAGS, chromium, screenshot
from tests.flows.test_cli import newslake
from tests.tasks.serving.search_stories import brute_force, build_story_lake, stories

pytestmark = pytest.mark.integration

TABLES = stories()
QUERY = '"gas pipeline" OR entity:Peskov'


@pytest.fixture(scope="module")
def story_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-search") / "lake"
    build_story_lake(path, TABLES)
    return path


def test_search_prints_each_format_and_a_chart(story_lake: Path, tmp_path: Path) -> None:
    expected = brute_force(parse(QUERY), TABLES)
    as_json = newslake("search", QUERY, "--lake", str(story_lake), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["matches"] == len(expected)
    assert result["sampled"] == len(expected)  # a small match set: the top lists count them all
    assert sum(row["matches"] for row in result["attention"]) == len(expected)
    assert {row["entity"] for row in result["entities"]} >= {"Dmitry Peskov"}

    chart = tmp_path / "attention.png"
    as_csv = newslake(
        "search", QUERY, "--lake", str(story_lake), "-f", "csv", "--chart", str(chart)
    )
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["period"] for r in rows] == [row["period"] for row in result["attention"]]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    listed = newslake(
        "search", QUERY, "--articles", "--source", "wire", "--lake", str(story_lake), "-f", "csv"
    )
    wire = {a["article_id"] for a in TABLES["articles"].to_pylist() if a["source"] == "wire"}
    ids = {r["article_id"] for r in csv.DictReader(io.StringIO(listed.stdout))}
    assert ids == expected & wire

    phrase = '"gas pipeline"'
    table = newslake("search", phrase, "--lake", str(story_lake))
    assert table.returncode == 0, table.stderr
    assert f"{len(brute_force(parse(phrase), TABLES))} matching articles" in table.stdout
    assert "top entities" in table.stdout and "sample articles" in table.stdout


def test_report_query_renders_in_headless_chromium(story_lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = newslake("report", "--query", QUERY, "--lake", str(story_lake), "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = out / "search.html"
    shot = screenshot(page, tmp_path / "search.png", size="1280,2200")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'dom'}", "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert f'id="match-count">{len(brute_force(parse(QUERY), TABLES))}<' in dom
    assert "<mark>gas pipeline</mark>" in dom.lower() or "<mark>Peskov</mark>" in dom
    assert "Dmitry Peskov" in dom and "<blockquote>" in dom
