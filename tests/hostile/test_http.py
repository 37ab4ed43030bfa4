"""Hostile servers: a slow drip, endless redirects and redirects out of bounds, on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tasks.sources import HttpSource
from tasks.sources.http import redirect_problem

pytestmark = pytest.mark.integration

PAGE = b"<html><body><article><p>" + b"The quay grew by forty metres. " * 20 + b"</p></article>"
Route = Callable[[BaseHTTPRequestHandler, threading.Event], None]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hangs up on the drips: broken pipes


@contextmanager
def serve(routes: dict[str, Route], host: str = "127.0.0.1") -> Iterator[str]:
    """Run a threaded HTTP server on 127.0.0.1; yield its base URL (under `host`)."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            route(self, stop)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        stop.set()  # the drip handlers end
        server.shutdown()
        server.server_close()
        thread.join(5)


def drip(handler: BaseHTTPRequestHandler, stop: threading.Event, head: bool) -> None:
    """Send a byte every 0.2 s (each read is quick; the whole never ends), in headers or body."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    if not head:
        handler.wfile.write(b"Content-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
    while not stop.wait(0.2):
        handler.wfile.write(b"X-Drip: 1\r\n" if head else b"x")
        handler.wfile.flush()


@pytest.mark.perf
def test_a_slow_drip_is_cut_at_the_deadline() -> None:
    routes: dict[str, Route] = {
        "/head": lambda h, stop: drip(h, stop, head=True),
        "/body": lambda h, stop: drip(h, stop, head=False),
    }
    with serve(routes) as base:
        urls = [f"{base}/head", f"{base}/body"]
        started = time.monotonic()
        records = list(HttpSource("drip", urls, timeout=1, deadline=1.5, backoff=0.01).read())
        elapsed = time.monotonic() - started
    assert [r.locator for r in records] == urls
    for record in records:
        assert (record.error or "").startswith(f"fetch failed: {record.locator}: no response")
        assert "within the 1.5 s deadline" in (record.error or "")
    assert elapsed < 10  # two URLs at 1.5 s each; before the deadline, both dripped forever


def redirect(to: str) -> Route:
    def route(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def page(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(PAGE)))
    handler.end_headers()
    handler.wfile.write(PAGE)


def test_redirects_are_limited_and_other_hosts_recorded() -> None:
    hops: dict[str, Route] = {f"/hop{n}": redirect(f"/hop{n + 1}") for n in range(10)}
    with serve({"/page": page}, host="localhost") as other, serve(hops | {"/hop10": page}) as base:
        routes = {"/moved": redirect(f"{other}/page"), "/five": redirect(f"{base}/hop6")}
        with serve(routes) as entry:
            urls = [f"{entry}/moved", f"{entry}/five", f"{base}/hop0", f"{base}/hop9"]
            moved, five, ten, one = HttpSource("site", urls, backoff=0.01).read()
    assert moved.error is None  # another host (localhost for 127.0.0.1): followed, and recorded
    assert moved.payload == PAGE
    assert moved.locator == urls[0]
    assert (moved.meta["url"], moved.meta["redirects"]) == (f"{other}/page", [f"{other}/page"])
    assert five.error is None and len(five.meta["redirects"]) == 5
    assert ten.error == f"fetch failed: {urls[2]}: more than 5 redirects"
    assert one.meta["redirects"] == [f"{base}/hop10"]


def test_redirects_out_of_bounds_are_refused() -> None:
    def problem(origin: str, target: str) -> str | None:
        return redirect_problem(httpx.URL(origin), httpx.URL(target))

    assert problem("https://news.example/feed", "https://cdn.example/feed.xml") is None
    assert problem("http://news.example/feed", "https://news.example/feed") is None
    assert problem("http://127.0.0.1:8000/a", "http://localhost:8000/b") is None
    assert "https to plain http" in (problem("https://news.example/", "http://news.example/") or "")
    for internal in ("http://169.254.169.254/latest", "http://10.0.0.7/", "http://localhost/"):
        assert "internal address" in (problem("http://news.example/", internal) or "")
    assert "ftp" in (problem("https://news.example/", "ftp://news.example/feed") or "")
