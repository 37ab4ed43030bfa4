from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.lake.lock import LakeBusyError, writer_lock

pytestmark = pytest.mark.integration  # writers are real processes

ROOT = Path(__file__).resolve().parents[3]
HOLD = (
    "import sys, time; from pathlib import Path; from tasks.lake.lock import writer_lock\n"
    "with writer_lock(Path(sys.argv[1])):\n"
    "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def hold_lock(lake: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lake), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path, 5)
    try:
        with pytest.raises(LakeBusyError, match=rf"pid {holder.pid} since"), writer_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.perf
def test_a_waiting_writer_gets_the_lock_once_it_is_released(tmp_path: Path) -> None:
    holder = hold_lock(tmp_path, 1)
    start = time.monotonic()
    with writer_lock(tmp_path, wait_s=30):
        waited = time.monotonic() - start
    holder.wait()
    assert 0.3 < waited < 30


def test_the_lock_is_released_after_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError), writer_lock(tmp_path):
        raise ValueError("boom")
    with writer_lock(tmp_path):
        pass
