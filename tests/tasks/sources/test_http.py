"""Tests for tasks/sources/http.py: fetches against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tasks.records import FEED_ITEM, HTML
from tasks.sources import HttpSource, source_from_config
from tests.tasks.sources.support import FIXTURES

pytestmark = pytest.mark.unit


Route = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out leave broken pipes behind


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Run a threaded HTTP server on 127.0.0.1 with the given routes; yield its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


FEED_BYTES = (FIXTURES / "feed.rss").read_bytes()


PAGE_BYTES = (FIXTURES / "page.html").read_bytes()


LAST_MODIFIED = "Mon, 04 Mar 2024 12:00:00 GMT"


def test_http_conditional_get() -> None:
    hits: list[dict[str, str | None]] = []

    def feed(handler: BaseHTTPRequestHandler) -> None:
        hits.append({k: handler.headers.get(k) for k in ("If-None-Match", "If-Modified-Since")})
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, 304)
        else:
            send(handler, 200, FEED_BYTES, Content_Type="application/rss+xml",
                 ETag='"v1"', Last_Modified=LAST_MODIFIED)  # fmt: skip

    with serve({"/feed.rss": feed}) as base:
        url = f"{base}/feed.rss"
        source = HttpSource("wire", [url], backoff=0.01)
        first = list(source.read())
        state = source.checkpoint()
        again = list(source.read(state))
    assert [r.locator for r in first] == [f"{url}#item={n}" for n in (1, 2, 3)]
    assert {r.media_type for r in first} == {FEED_ITEM}
    assert {r.source_kind for r in first} == {"http"}
    assert first[0].meta == {"url": url, "encoding": "utf-8"}
    assert state == {f"etag {url}": '"v1"', f"last_modified {url}": LAST_MODIFIED}
    assert again == []
    assert hits[1] == {"If-None-Match": '"v1"', "If-Modified-Since": LAST_MODIFIED}
    assert source.checkpoint() == state


def test_http_retries_503_then_succeeds() -> None:
    calls = Counter[str]()

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        calls["flaky"] += 1
        if calls["flaky"] <= 2:
            send(handler, 503, b"busy")
        else:
            send(handler, 200, FEED_BYTES, Content_Type="application/octet-stream")

    with serve({"/flaky": flaky}) as base:
        records = list(HttpSource("wire", [f"{base}/flaky"], attempts=3, backoff=0.01).read())
    assert calls["flaky"] == 3
    assert len(records) == 3
    assert not any(r.error for r in records)
    assert {r.media_type for r in records} == {FEED_ITEM}  # sniffed: served as octet-stream


def test_http_failures_become_error_records() -> None:
    calls = Counter[str]()

    def down(handler: BaseHTTPRequestHandler) -> None:
        calls["down"] += 1
        send(handler, 500, b"broken")

    def gone(handler: BaseHTTPRequestHandler) -> None:
        calls["gone"] += 1
        send(handler, 404, b"no")

    def page(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, PAGE_BYTES, Content_Type="text/html; charset=utf-8")

    with serve({"/down": down, "/gone": gone, "/page": page}) as base:
        urls = [f"{base}/down", f"{base}/gone", f"{base}/page"]
        records = list(HttpSource("site", urls, attempts=3, backoff=0.01).read())
    assert calls == {"down": 3, "gone": 1}
    down_record, gone_record, page_record = records
    expected = f"fetch failed after 3 attempts: {urls[0]}: HTTP 500 Internal Server Error"
    assert down_record.error == expected
    assert gone_record.error == f"fetch failed: {urls[1]}: HTTP 404 Not Found"
    assert page_record.error is None
    assert page_record.media_type == HTML
    assert page_record.payload == PAGE_BYTES
    assert page_record.meta["url"] == urls[2]
    assert page_record.meta["charset"] == "utf-8"


def test_http_timeout_and_refused_connection() -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.6)
        send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    with serve({"/slow": slow}) as base:
        url = f"{base}/slow"
        records = list(HttpSource("s", [url], timeout=0.15, attempts=2, backoff=0.01).read())
    assert len(records) == 1
    assert (records[0].error or "").startswith(f"fetch failed after 2 attempts: {url}: ReadTimeout")
    refused = list(HttpSource("r", [base + "/x"], timeout=0.5, attempts=2, backoff=0.01).read())
    assert "ConnectError" in (refused[0].error or "")


def test_http_follows_redirects_and_caps_size() -> None:
    def moved(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 302, Location="/page")

    def page(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    with serve({"/moved": moved, "/page": page}) as base:
        (record,) = HttpSource("s", [f"{base}/moved"]).read()
        (capped,) = HttpSource("s", [f"{base}/page"], max_bytes=100).read()
    assert record.meta["url"] == f"{base}/page"
    assert record.locator == f"{base}/moved"
    assert (capped.error or "").startswith("response too large")
    assert len(capped.payload) == 100


def test_http_deadline_and_redirect_limit_from_config() -> None:
    spec = {"kind": "http", "urls": ["https://example.com/feed"], "deadline": 5, "max_redirects": 0}
    source = source_from_config(spec)
    assert isinstance(source, HttpSource)
    assert (source.deadline, source.max_redirects) == (5, 0)
    default = source_from_config({"kind": "http", "urls": ["https://example.com/feed"]})
    assert isinstance(default, HttpSource)
    assert (default.deadline, default.max_redirects) == (60, 5)
