"""One writer per lake: an exclusive lock file beside the catalog, held for a whole run."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = "writer.lock"


class LakeBusyError(RuntimeError):
    """Another process holds the lake's writer lock."""


def holder(path: Path) -> str:
    """Return who holds the lock, as recorded in the lock file."""
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another process"
    return f"pid {info.get('pid', '?')} since {info.get('since', '?')}"


@contextmanager
def writer_lock(lake_root: Path, wait_s: float = 0.0, poll_s: float = 0.2) -> Iterator[Path]:
    """Hold the lake's writer lock for the block; wait up to wait_s, then raise LakeBusyError."""
    lake_root.mkdir(parents=True, exist_ok=True)
    path = lake_root / LOCK_NAME
    deadline = time.monotonic() + wait_s
    with path.open("a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LakeBusyError(
                        f"another newslake run is writing to {lake_root} ({holder(path)}); "
                        f"waited {wait_s:.0f} s — try again when it has finished"
                    ) from None
                time.sleep(poll_s)
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
            )
        )
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
