"""A real Dask cluster for tests: `dask scheduler` and `dask worker` processes on 127.0.0.1.

Each process runs in its own session, so stopping it stops the worker its nanny started too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import free_port

DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT_S = 180  # workers import distributed and more; the machine may be loaded


def start(args: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start one `dask` command in its own session, its output into `log`."""
    with log.open("wb") as out:
        command = [str(DASK), *args]
        return subprocess.Popen(
            command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started here and everything in its session (a nanny's worker)."""
    for sig, wait_s in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_for_workers(address: str, count: int) -> None:
    """Return once `count` workers have joined the scheduler at `address`."""
    from distributed import Client

    with Client(address, timeout=START_TIMEOUT_S) as client:
        client.wait_for_workers(count, timeout=START_TIMEOUT_S)


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int = 2) -> Iterator[str]:
    """Run a scheduler and `workers` single-threaded workers; yield the scheduler's address."""
    folder.mkdir(parents=True, exist_ok=True)
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    processes = [start(["scheduler", "--port", port, *common], folder / "s.log", folder)]
    try:
        for i in range(workers):
            worker = [
                *("worker", address, "--nworkers", "1", "--nthreads", "1", *common),
                *("--local-directory", str(folder / f"w{i}")),
            ]
            processes.append(start(worker, folder / f"w{i}.log", folder))
        wait_for_workers(address, workers)
        yield address
    finally:
        for process in reversed(processes):
            stop(process)
