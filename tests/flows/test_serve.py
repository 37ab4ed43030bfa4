from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks import lake
from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STORY = (
    "{title}\n\nVALLETTA (Reuters) - {title} on Monday, the port authority said in a statement.\n"
)


def completed_runs(path: Path) -> list[tuple[int, int]]:
    """Return (records_read, articles_new) of the lake's completed runs, oldest first."""
    if not (path / "catalog.sqlite").exists():
        return []
    try:
        con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    except lake.LakeNotReady:  # the first run is still creating the lake's tables
        return []
    try:
        return con.execute(
            "select records_read, articles_new from runs where status = 'completed' "
            "order by started_at"
        ).fetchall()
    finally:
        con.close()


def wait_for(path: Path, done, timeout: float = 180) -> list[tuple[int, int]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = completed_runs(path)
        if done(runs):
            return runs
        time.sleep(1)
    pytest.fail(f"scheduled runs did not arrive in {timeout:.0f} s: {completed_runs(path)}")


def test_serve_schedules_runs_that_read_only_new_files(tmp_path: Path) -> None:
    watched, path = tmp_path / "watched", tmp_path / "lake"
    watched.mkdir()
    (watched / "one.txt").write_text(STORY.format(title="Harbour reopens"))
    config = tmp_path / "newslake.toml"
    config.write_text(
        f'lake = "{path}"\n\n[[sources]]\nname = "watched"\nkind = "folder"\npath = "{watched}"\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        "NEWSLAKE_CONFIG": str(config),
        "NEWSLAKE_EXTRACT": "false",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--interval", "5", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        first = wait_for(path, lambda runs: any(new for _, new in runs))
        (watched / "two.txt").write_text(STORY.format(title="Ferries resume"))
        runs = wait_for(path, lambda runs: sum(new for _, new in runs) == 2)
        # at least one more scheduled run, which finds nothing new
        runs = wait_for(path, lambda runs: len(runs) >= 3)
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            output = serve.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            output = serve.communicate()[0]
    assert "Prefect server" in output and "UI is at http://127.0.0.1:" in output
    assert first[0] == (1, 1)
    assert [run for run in runs if run[1]] == [(1, 1), (1, 1)]
    assert all(run == (0, 0) for run in runs if not run[1]) and len(runs) >= 3
