"""Local Prefect servers: the temporary API of one `newslake run`, and the one `serve` starts.

A flow called with no `PREFECT_API_URL` makes Prefect start an ephemeral server itself, and to do
so the calling process first imports Prefect's whole server (about 6 s) before the server process
imports it again. `newslake run` starts that same server process itself instead, before it
imports anything of its own, so that both imports run at once and the CLI never imports the
server: about half of a short run's start-up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

STARTUP_TIMEOUT_S = 120


class PrefectServerError(RuntimeError):
    """A local Prefect server could not be started."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prefect_dir() -> str:
    spec = find_spec("prefect")  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        raise PrefectServerError("the prefect package is not installed")
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


class TemporaryServer:
    """A Prefect API server without UI for one run, as Prefect's own ephemeral server runs it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = self._launch()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> subprocess.Popen[bytes]:
        command = [
            sys.executable, "-m", "uvicorn", "--app-dir", _prefect_dir(),
            "--factory", "prefect.server.api.server:create_app",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "error", "--lifespan", "on",
        ]  # fmt: skip
        env = os.environ | {
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        return subprocess.Popen(command, env=env, start_new_session=True)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Wait until the server answers; start it again on another port if that one was taken."""
        deadline = time.monotonic() + timeout
        relaunched = False
        while time.monotonic() < deadline:
            if healthy(self.api_url):
                return
            if self.process.poll() is not None:
                if relaunched:
                    break
                self.port, relaunched = free_port(), True
                self.process = self._launch()
            time.sleep(0.1)
        self.stop()
        raise PrefectServerError(
            f"the temporary Prefect server did not start within {timeout:.0f} s"
        )

    def stop(self) -> None:
        stop_server(self.process)


@contextlib.contextmanager
def prefect_api(
    load_flow: Callable[[], T], while_starting: Callable[[], object] | None = None
) -> Iterator[T]:
    """Yield the flow `load_flow` imports, with a Prefect API to run it on.

    The API is the one PREFECT_API_URL names, else a TemporaryServer that starts before the flow
    is imported and stops when the block ends. `while_starting` runs once the flow is imported if
    that server is not answering yet: work the run needs anyway, done while this process would
    otherwise wait.
    """
    if os.environ.get("PREFECT_API_URL"):
        yield load_flow()
        return
    server = TemporaryServer()
    try:
        flow = load_flow()
        if while_starting is not None and not healthy(server.api_url):
            while_starting()
        server.wait_ready()
        # Prefect read its settings when it was imported: the API goes in through its own
        # override, and in the environment for the processes this one starts
        from prefect.settings import PREFECT_API_URL, temporary_settings

        os.environ["PREFECT_API_URL"] = server.api_url
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield flow
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()


def healthy(api_url: str) -> bool:
    """Whether a Prefect API answers its health check."""
    # urllib, not httpx: an httpx client builds an SSL context each time (~20 ms of CPU a poll,
    # taken from the server that is starting)
    import urllib.error
    import urllib.request

    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server
    try:
        with direct.open(f"{api_url}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_prefect_server(port: int) -> subprocess.Popen[bytes]:
    """Start a local Prefect server with its UI on 127.0.0.1:port and wait until it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if healthy(f"http://127.0.0.1:{port}/api"):
            return server
        if server.poll() is not None:
            break
        time.sleep(0.5)
    stop_server(server)
    raise PrefectServerError(f"the local Prefect server did not start on port {port}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop a local Prefect server and what it started (its own process group: uvicorn)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
