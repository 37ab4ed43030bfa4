"""A throwaway local PostgreSQL for tests: `postgres_cluster()` and the `postgres_url` fixture.

Use it from a test module with `from tests.pg import postgres_url  # noqa: F401`, or call
`postgres_cluster()` directly. The server listens on 127.0.0.1 only, on a free port, with its unix
socket in the cluster's temp dir and trust auth; everything is removed at the end. Under root
(CI containers) the server binaries run as the `postgres` OS user, since initdb refuses root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

DATABASE = "newslake_test"
SUPERUSER = "postgres"
# a throwaway cluster needs no durability
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@dataclass(frozen=True)
class Cluster:
    """A running throwaway server: its URL, port, socket dir and binaries."""

    url: str
    host: str
    port: int
    database: str
    user: str
    socket_dir: Path
    bindir: Path

    def conninfo(self, user: str | None = None, database: str | None = None) -> str:
        """Return a libpq key=value string for `user` (default: the superuser)."""
        return (
            f"host={self.host} port={self.port} dbname={database or self.database} "
            f"user={user or self.user}"
        )


def find_bindir() -> Path | None:
    """Return the folder holding initdb/pg_ctl: `pg_config --bindir`, else the newest Debian one."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(debian)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Return the OS user to run the server as: `postgres` under root, else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise RuntimeError(
            "running as root and there is no `postgres` OS user to run initdb/pg_ctl as"
        ) from None


def _run(user: pwd.struct_passwd | None, args: list[str], cwd: Path, timeout: float = 60) -> None:
    def drop_root() -> None:
        if user is not None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    env = {**os.environ, "LC_ALL": "C"}
    if user is not None:
        env.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        preexec_fn=drop_root,  # noqa: PLW1509 - runs before exec, no threads touched
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[-2000:]}"
        )


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def postgres_cluster(database: str = DATABASE) -> Iterator[Cluster]:
    """Run initdb + pg_ctl start in a temp dir, create `database`, yield the cluster; remove it."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError(
            "no PostgreSQL server binaries (initdb, pg_ctl) found via pg_config or "
            "/usr/lib/postgresql/*/bin; install the `postgresql` package"
        )
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="newslake-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if user is not None:
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    started = False
    try:
        _run(
            user,
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            root,
        )
        port = 0
        for attempt in range(3):
            port = free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-p {port}",
                    f"-k {sockets}",
                    *(f"-c {s}" for s in FAST_SETTINGS),
                ]
            )
            try:
                _run(
                    user,
                    [
                        str(bindir / "pg_ctl"),
                        "start",
                        "-D",
                        str(data),
                        "-l",
                        str(log),
                        "-w",
                        "-t",
                        "30",
                        "-o",
                        options,
                    ],
                    root,
                )
                started = True
                break
            except RuntimeError:
                if attempt == 2:
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(
                        f"PostgreSQL did not start on port {port}:\n{tail}"
                    ) from None
                time.sleep(0.2)
        cluster = Cluster(
            url=f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}",
            host="127.0.0.1",
            port=port,
            database=database,
            user=SUPERUSER,
            socket_dir=sockets,
            bindir=bindir,
        )
        _create_database(cluster)
        yield cluster
    finally:
        if started:
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                stop = [str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate"]
                _run(user, stop, root)
        shutil.rmtree(root, ignore_errors=True)


def _create_database(cluster: Cluster) -> None:
    import psycopg

    with psycopg.connect(cluster.conninfo(database="postgres"), autocommit=True) as con:
        con.execute(f'create database "{cluster.database}"')


@pytest.fixture(scope="session")
def postgres_cluster_fixture() -> Iterator[Cluster]:
    """A throwaway PostgreSQL for the session (skipped without server binaries, failed in CI)."""
    if find_bindir() is None:
        _unavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; install the `postgresql` "
            "package to run these tests"
        )
    try:
        with postgres_cluster() as cluster:
            yield cluster
    except RuntimeError as error:
        if "no `postgres` OS user" in str(error):
            _unavailable(str(error))
        raise


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster_fixture: Cluster) -> str:
    """The postgresql:// URL of a throwaway database, as its superuser (trust auth)."""
    return postgres_cluster_fixture.url
