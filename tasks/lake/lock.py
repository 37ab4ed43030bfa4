"""One writer per lake, held for a whole run: a lock file beside a SQLite catalog, an advisory lock
in a PostgreSQL one."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks.secrets import redact

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


# a PostgreSQL catalog is shared by hosts: its writer lock is a session advisory lock there
ADVISORY_NAMESPACE = "newslake writer"


def advisory_key(schema: str) -> int:
    """Return the advisory lock key (signed 64-bit) of the lake cataloged in this schema."""
    digest = hashlib.blake2b(f"{ADVISORY_NAMESPACE}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def advisory_holder(pg: Any, key: int) -> str:
    """Return who holds the advisory lock, as PostgreSQL knows the session."""
    row = pg.execute(
        "select a.application_name, a.client_addr::text, a.backend_start from pg_locks l "
        "join pg_stat_activity a using (pid) where l.locktype = 'advisory' and l.granted "
        "and l.classid::bigint = %s and l.objid::bigint = %s",
        [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
    ).fetchone()
    if row is None:
        return "another session"
    name, address, since = row
    return f"{name or 'a session'} from {address or 'a local socket'} since {since:%Y-%m-%d %H:%M}"


@contextmanager
def catalog_writer_lock(catalog: str, wait_s: float = 0.0, poll_s: float = 0.5) -> Iterator[int]:
    """Hold the writer lock of a lake with a PostgreSQL catalog, in PostgreSQL itself.

    A session advisory lock on a key derived from the catalog's schema, so two hosts naming one
    catalog (in any spelling of its DSN) exclude each other; PostgreSQL drops it when the
    session ends, even when the process is killed. Waits up to wait_s, then LakeBusyError.
    """
    import psycopg

    application = f"newslake writer on {socket.gethostname()} pid {os.getpid()}"
    try:
        pg = psycopg.connect(
            catalog.removeprefix("postgres:"),
            autocommit=True,
            connect_timeout=10,
            application_name=application[:63],
        )
    except psycopg.Error as error:
        raise CatalogUnreachable(f"cannot reach the lake's catalog: {redact(str(error))}") from None
    with pg:
        row = pg.execute("select current_schema()").fetchone()
        key = advisory_key(str(row[0] if row else "public"))
        deadline = time.monotonic() + wait_s
        while not _try_advisory_lock(pg, key):
            if time.monotonic() >= deadline:
                raise LakeBusyError(
                    f"another newslake run is writing to the lake at {redact(catalog)} "
                    f"({advisory_holder(pg, key)}); waited {wait_s:.0f} s — try again when it "
                    "has finished"
                )
            time.sleep(poll_s)
        try:
            yield key
        finally:
            pg.execute("select pg_advisory_unlock(%s)", [key])


def _try_advisory_lock(pg: Any, key: int) -> bool:
    """Return whether this session now holds the advisory lock."""
    row = pg.execute("select pg_try_advisory_lock(%s)", [key]).fetchone()
    return bool(row and row[0])


class CatalogUnreachable(RuntimeError):
    """The PostgreSQL catalog refused or did not answer the writer lock's connection."""


def lake_writer_lock(
    catalog: str, lake_root: Path, wait_s: float = 0.0
) -> AbstractContextManager[Any]:
    """Return the lake's writer lock: in PostgreSQL for a PostgreSQL catalog (one writer across
    hosts), else the lock file beside the SQLite catalog (one writer on this host)."""
    if catalog.startswith("postgres:"):
        return catalog_writer_lock(catalog, wait_s)
    return writer_lock(lake_root, wait_s)
