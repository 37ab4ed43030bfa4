from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tasks import lake
from tasks.quality.validate import SUITES_DIR, load_suites
from tests.browser import screenshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"name": "examples", "kind": "folder", "path": str(ROOT / "examples")}


def state(path: Path) -> tuple[dict[str, int], int]:
    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:
        return lake.table_counts(con), lake.snapshot_id(con)
    finally:
        con.close()


def story_folder(root: Path) -> Path:
    folder = root / "fresh"
    folder.mkdir()
    (folder / "harbour.txt").write_text(
        "Harbour reopens\n\nVALLETTA (Reuters) - Malta reopened its main harbour on Monday after "
        "a three-day strike by pilots ended with a pay deal, the port authority said.\n"
    )
    return folder


def test_batch_level_failure_exits_non_zero_and_commits_nothing(run_ingest, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    path = tmp_path / "lake"
    run_ingest(EXAMPLES)
    before = state(path)
    suites = tmp_path / "strict"
    shutil.copytree(SUITES_DIR, suites)
    articles = json.loads((suites / "articles.json").read_text())
    articles["expectations"].append(
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 5},
            "meta": {"level": "batch", "notes": "a run must bring at least five new articles"},
        }
    )
    (suites / "articles.json").write_text(json.dumps(articles))
    env = os.environ | {
        "NEWSLAKE_EXPECTATIONS_DIR": str(suites),
        "NEWSLAKE_EXTRACT": "false",
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--source",
            str(story_folder(tmp_path)),
            "--lake",
            str(path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    message = " ".join((result.stdout + result.stderr).split())
    assert "expect_table_row_count_to_be_between" in message
    assert "nothing committed" in message
    assert state(path) == before


def test_data_docs_show_every_suite_and_render(run_ingest, tmp_path: Path) -> None:
    summary = run_ingest(EXAMPLES)
    index = Path(summary["docs"])
    assert index == (tmp_path / "lake" / "docs" / "index.html").resolve()
    html = index.read_text()
    for suite in load_suites():
        assert suite in html, suite
        assert (index.parent / "expectations" / f"{suite}.html").exists()
    png = screenshot(index, tmp_path / "docs.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
