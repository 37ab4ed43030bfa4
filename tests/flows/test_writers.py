from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks import lake

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BUSY_EXIT = 3


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_runs_on_one_lake_one_writes_the_other_exits_cleanly(
    prefect_harness: None, isot_csv: Path, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {
        "NEWSLAKE_EXTRACT": "false",
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }
    path = tmp_path / "lake"
    runs = [cli("run", "--source", str(isot_csv), "--lake", str(path), env=env) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes in ([0, 0], [0, BUSY_EXIT]), outputs
    if codes == [0, BUSY_EXIT]:
        busy = next(o for o, r in zip(outputs, runs, strict=True) if r.returncode == BUSY_EXIT)
        assert "another newslake run is writing to" in " ".join(busy.split())
    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    counts = lake.table_counts(con)
    con.close()
    assert counts["articles"] == counts["raw_documents"] == 1071

    status = subprocess.run(
        [sys.executable, "-m", "flows.cli", "status", "--lake", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert "complet" in status.stdout and "true_sample" in status.stdout
    assert "1071" in status.stdout and "snapshot_id" in status.stdout
