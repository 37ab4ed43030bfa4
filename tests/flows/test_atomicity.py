from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tasks import lake

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# tables that record runs: they grow with every run by design
RUN_LOGS = ("runs", "validation_results")
ROOT = Path(__file__).resolve().parents[2]

# runs the real CLI, but pauses inside the transaction of the 2nd commit so it can be killed there
PAUSING_RUN = textwrap.dedent(
    """
    import sys, time
    import tasks.lake.writes as lake

    original, commits = lake.insert_tables, []

    def pausing_insert(con, tables):
        added = original(con, tables)
        commits.append(added)
        if len(commits) == int(sys.argv[1]):
            print("IN_COMMIT", flush=True)
            time.sleep(600)
        return added

    lake.insert_tables = pausing_insert
    from flows.cli import app
    app(sys.argv[2:], prog_name="newslake")
    """
)


def cli_env(batch_size: int) -> dict[str, str]:
    """Environment for a CLI subprocess sharing the test session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {
        "NEWSLAKE_BATCH_SIZE": str(batch_size),
        "NEWSLAKE_EXTRACT": "false",
        "PYTHONPATH": str(ROOT),
    }
    if PREFECT_API_URL.value():
        env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    return env


def start_cli(args: list[str], env: dict[str, str], pause_at: int | None = None):
    command = [sys.executable, "-c", PAUSING_RUN, str(pause_at or 0), *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def open_counts(path: Path) -> tuple[dict[str, int], int]:
    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:
        return lake.table_counts(con), lake.snapshot_id(con)
    finally:
        con.close()


def test_kill_during_commit_keeps_previous_snapshot_and_next_run_completes(
    run_ingest, isot_csv: Path, tmp_path: Path
) -> None:
    killed_lake, reference_lake = tmp_path / "killed", tmp_path / "reference"
    spec = {"name": "true_sample", "kind": "csv", "path": str(isot_csv)}
    run_ingest(spec, lake=reference_lake, batch_size=300)
    process = start_cli(
        ["run", "--source", str(isot_csv), "--lake", str(killed_lake)], cli_env(300), pause_at=2
    )
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        output.append(line)
        if "IN_COMMIT" in line:
            break
    else:
        pytest.fail("the run never reached its second commit:\n" + "".join(output))
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    after_kill, _ = open_counts(killed_lake)
    assert after_kill["articles"] == 300 and after_kill["raw_documents"] == 300

    run_ingest(
        {"name": "true_sample", "kind": "csv", "path": str(isot_csv)},
        lake=killed_lake,
        batch_size=300,
    )
    final, _ = open_counts(killed_lake)
    reference, _ = open_counts(reference_lake)
    assert {k: v for k, v in final.items() if k not in RUN_LOGS} == {
        k: v for k, v in reference.items() if k not in RUN_LOGS
    }
    # the killed run is on record with what it committed; the next run counts only its own
    con = lake.connect(lake.LakeLocation.local(killed_lake), read_only=True)
    try:
        runs = con.execute(
            "select status, records_read, articles_new from runs order by started_at"
        ).fetchall()
    finally:
        con.close()
    assert runs == [("interrupted", 300, 300), ("completed", 1071, 771)]


def test_reader_sees_whole_snapshots_while_a_writer_commits(
    prefect_harness: None, isot_csv: Path, tmp_path: Path
) -> None:
    path = tmp_path / "lake"
    lake.connect(lake.LakeLocation.local(path)).close()
    writer = start_cli(["run", "--source", str(isot_csv), "--lake", str(path)], cli_env(100))
    reader = lake.connect(lake.LakeLocation.local(path), read_only=True)
    seen: list[tuple[int, int]] = []
    deadline = time.monotonic() + 240
    try:
        while writer.poll() is None and time.monotonic() < deadline:
            raw, articles, orphans = reader.execute(
                "select (select count(*) from raw_documents), (select count(*) from articles), "
                "(select count(*) from articles where raw_id not in "
                "(select raw_id from raw_documents))"
            ).fetchone()
            assert raw == articles and orphans == 0, (raw, articles, orphans)
            assert not seen or raw >= seen[-1][0]
            seen.append((raw, articles))
            time.sleep(0.02)
    finally:
        reader.close()
        output = writer.communicate(timeout=60)[0]
    assert writer.returncode == 0, output
    final, _ = open_counts(path)
    assert final["articles"] == 1071
    assert len({raw for raw, _ in seen if 0 < raw < 1071}) >= 2, seen[-5:]
