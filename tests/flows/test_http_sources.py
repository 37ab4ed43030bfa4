from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FEED = (ROOT / "examples" / "feeds" / "wire.rss").read_bytes()


class FlakyHandler(BaseHTTPRequestHandler):
    """Serves /flaky.rss after two 503s, and /down.rss never."""

    hits: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802
        count = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/flaky.rss" and count > 2:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(FEED)
            return
        self.send_response(503 if self.path == "/flaky.rss" else 500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_retries_save_a_flaky_feed_and_a_dead_one_fails_alone(run_ingest, lake_query) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        summary = run_ingest(
            {"name": "flaky", "kind": "http", "urls": [f"{base}/flaky.rss"]},
            {"name": "down", "kind": "http", "urls": [f"{base}/down.rss"]},
            {"name": "wires", "kind": "files", "path": str(ROOT / "examples" / "txt")},
        )
    finally:
        server.shutdown()
    assert FlakyHandler.hits["/flaky.rss"] == 3
    assert summary["status"] == "partial"
    assert summary["sources"]["flaky"]["articles_new"] == 3
    assert summary["sources"]["wires"]["articles_new"] == 5
    assert set(summary["errors"]) == {"down"} and "down.rss" in summary["errors"]["down"]
    (run,) = lake_query("select status, error from runs")
    assert run[0] == "partial" and "down" in run[1] and "500" in run[1]
    assert lake_query("select source, count(*) from articles group by all order by 1") == [
        ("flaky", 3),
        ("wires", 5),
    ]


def test_a_run_whose_every_source_fails_is_a_failed_flow_run(run_ingest, lake_query) -> None:
    from flows.ingest import SourceUnreadable

    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/down.rss"
    try:
        with pytest.raises(SourceUnreadable, match="every source failed"):
            run_ingest({"name": "down", "kind": "http", "urls": [url]})
    finally:
        server.shutdown()
    assert lake_query("select status from runs") == [("failed",)]
    assert lake_query("select count(*) from rejected where stage = 'read'") == [(1,)]
