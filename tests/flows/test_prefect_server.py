"""The temporary Prefect API of `newslake run`, and the work a run does while it starts."""

from __future__ import annotations

import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from flows import prefect_server
from flows.prefect_server import healthy, prefect_api
from tests.conftest import ROOT, free_port


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the handler's API)
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.unit
def test_health_is_an_answer_of_200_from_the_api() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert healthy(f"http://127.0.0.1:{port}/api")
        assert not healthy(f"http://127.0.0.1:{port}/elsewhere")
    finally:
        server.shutdown()
    assert not healthy(f"http://127.0.0.1:{free_port()}/api")  # nothing listens


@pytest.mark.unit
def test_work_while_starting_runs_after_the_import_and_before_the_server_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []

    class FakeServer:
        api_url = "http://127.0.0.1:9/api"

        def wait_ready(self) -> None:
            events.append("ready")

        def stop(self) -> None:
            events.append("stopped")

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect_server, "TemporaryServer", FakeServer)
    with prefect_api(lambda: events.append("imported"), lambda: events.append("warmed")):
        events.append("flow")
    assert events == ["imported", "warmed", "ready", "flow", "stopped"]


@pytest.mark.unit
def test_an_api_of_ones_own_gets_no_server_and_no_early_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    with prefect_api(lambda: events.append("imported"), lambda: events.append("warmed")):
        events.append("flow")
    assert events == ["imported", "flow"]


@pytest.mark.integration
@pytest.mark.parametrize("validate", [True, False])
def test_the_runs_warm_up_loads_gx_only_when_the_run_validates(validate: bool) -> None:
    probe = (
        "import sys; from flows.ingest import warm_up; import py3langid.langid as l; "
        f"warm_up({validate}); "
        "print('great_expectations' in sys.modules, l.IDENTIFIER is not None)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [str(validate), "True"]
