"""Tests for tasks/sources/http_pool.py and the pooled HttpSource: limits, order, errors, ETags."""

from __future__ import annotations

import math
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler

import pytest

from tasks.records import FEED_ITEM, HTML
from tasks.sources import HttpSource, source_from_config
from tasks.sources.http_pool import HostGate, map_in_order
from tests.conftest import free_port
from tests.tasks.sources.test_http import FEED_BYTES, PAGE_BYTES, Route, send, serve

pytestmark = pytest.mark.unit


def host_of(handler: BaseHTTPRequestHandler) -> str:
    """Return the host name the client asked for (127.0.0.1 or localhost: one server, two hosts)."""
    return handler.headers.get("Host", "").rsplit(":", 1)[0]


def test_host_gate_limits_a_host_and_spaces_its_fetches() -> None:
    now = [0.0]
    gate = HostGate(per_host=2, delay=0.5, clock=lambda: now[0])
    assert gate.take("a") == 0
    assert gate.take("a") == 0.5  # a slot is free, but the last fetch started just now
    assert gate.take("b") == 0  # another host is not held back
    now[0] = 0.5
    assert gate.take("a") == 0
    now[0] = 2.0
    assert gate.take("a") == math.inf  # two open: wait for a release
    gate.release("a")
    assert gate.take("a") == 0


def test_map_in_order_keeps_input_order_within_a_window() -> None:
    started: list[int] = []
    lock = threading.Lock()
    first_may_finish = threading.Event()

    def work(item: int) -> int:
        with lock:
            started.append(item)
        if item == 0:
            first_may_finish.wait(5)  # the first item finishes only after the last has started
        if item == 5:
            first_may_finish.set()
        return item * 10

    results = map_in_order(work, range(12), workers=6, window=6)
    assert next(results) == 0
    assert len(started) <= 7  # six at once, one more once the first is handed over
    assert list(results) == [n * 10 for n in range(1, 12)]
    assert sorted(started) == list(range(12))


def test_map_in_order_stops_when_the_caller_does() -> None:
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        return item

    results = map_in_order(work, range(100), workers=2, window=4)
    assert [next(results), next(results)] == [0, 1]
    results.close()
    assert len(started) <= 2 + 4  # the window, and one more for each result handed over


def test_http_pool_holds_the_host_and_global_limits() -> None:
    open_now = Counter[str]()
    peaks = Counter[str]()
    changed = threading.Condition()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        host = host_of(handler)
        with changed:
            open_now.update([host, "all"])
            for key in (host, "all"):
                peaks[key] = max(peaks[key], open_now[key])
            changed.notify_all()
            changed.wait_for(lambda: open_now["all"] >= 3, timeout=0.5)  # let them pile up
            open_now.subtract([host, "all"])  # before answering: the client is still waiting
        send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    with serve({f"/page/{n}": slow for n in range(12)}) as base:
        other = base.replace("127.0.0.1", "localhost")
        # a run of one host first: a pool that ignored the host limit would open three there
        urls = [f"{base}/page/{n}" for n in range(4)] + [f"{other}/page/{n}" for n in range(4)]
        urls += [f"{host}/page/{n}" for n in range(4, 6) for host in (base, other)]
        source = HttpSource("s", urls, concurrency=3, host_concurrency=2, host_delay=0)
        records = list(source.read())
    assert [r.locator for r in records] == urls
    assert not any(r.error for r in records)
    assert peaks["all"] == 3
    assert max(peaks["127.0.0.1"], peaks["localhost"]) == 2


def test_http_pool_yields_in_url_order_when_earlier_urls_answer_later() -> None:
    answered: list[str] = []
    last_answered = threading.Event()

    def page(n: int, last: bool) -> Route:
        def route(handler: BaseHTTPRequestHandler) -> None:
            if n == 0:
                last_answered.wait(5)  # the first URL answers after the last one
            send(handler, 200, f"<html><p>page {n}</p></html>".encode(), Content_Type="text/html")
            answered.append(handler.path)
            if last:
                last_answered.set()

        return route

    def feed(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, FEED_BYTES, Content_Type="application/rss+xml")

    routes = {f"/page/{n}": page(n, n == 4) for n in range(5)} | {"/feed": feed}
    with serve(routes) as base:
        paths = ["/page/0", "/page/1", "/feed", "/page/2", "/page/3", "/page/4"]
        urls = [base + path for path in paths]
        records = list(HttpSource("s", urls, concurrency=8, host_concurrency=8).read())
    assert answered.index("/page/4") < answered.index("/page/0")
    feed_locators = [f"{base}/feed#item={n}" for n in (1, 2, 3)]
    assert [r.locator for r in records] == urls[:2] + feed_locators + urls[3:]
    assert [r.payload for r in records if r.media_type == HTML] == [
        f"<html><p>page {n}</p></html>".encode() for n in range(5)
    ]
    assert {r.media_type for r in records[2:5]} == {FEED_ITEM}


def test_http_pool_failures_become_error_records_and_the_rest_succeed() -> None:
    calls = Counter[str]()

    def page(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    def down(handler: BaseHTTPRequestHandler) -> None:
        calls["down"] += 1
        send(handler, 500, b"broken")

    def gone(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 404, b"no")

    def hang(handler: BaseHTTPRequestHandler) -> None:
        threading.Event().wait(1)  # past the timeout: the client has given up
        send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    routes = {"/a": page, "/b": page, "/c": page, "/down": down, "/gone": gone, "/hang": hang}
    with serve(routes) as base:
        other = base.replace("127.0.0.1", "localhost")
        refused = f"http://127.0.0.1:{free_port()}/feed"
        urls = [f"{other}/hang", f"{base}/a", f"{base}/down", refused, f"{base}/b"]
        urls += [f"{base}/gone", f"{base}/c"]
        source = HttpSource("s", urls, timeout=0.3, attempts=2, backoff=0.01)
        records = list(source.read())
    assert [r.locator for r in records] == urls
    errors = [r.error for r in records]
    assert (errors[0] or "").startswith(f"fetch failed after 2 attempts: {urls[0]}: ReadTimeout")
    assert errors[2] == f"fetch failed after 2 attempts: {urls[2]}: HTTP 500 Internal Server Error"
    assert (errors[3] or "").startswith(f"fetch failed after 2 attempts: {refused}: ConnectError")
    assert errors[5] == f"fetch failed: {urls[5]}: HTTP 404 Not Found"
    assert records[5].meta == {"status": 404}
    assert [errors[n] for n in (1, 4, 6)] == [None, None, None]
    assert {records[n].payload for n in (1, 4, 6)} == {PAGE_BYTES}
    assert calls["down"] == 2


def test_http_pool_conditional_gets_and_checkpoint_in_url_order() -> None:
    asked: dict[str, str | None] = {}
    version = {f"/feed/{n}": f'"v{n}"' for n in range(6)}

    def feed(handler: BaseHTTPRequestHandler) -> None:
        sent = handler.headers.get("If-None-Match")
        asked[handler.path] = sent
        if sent == version[handler.path]:
            send(handler, 304)
        else:
            send(handler, 200, FEED_BYTES, Content_Type="application/rss+xml",
                 ETag=version[handler.path])  # fmt: skip

    with serve({path: feed for path in version}) as base:
        urls = [base + path for path in version]
        source = HttpSource("wire", urls, concurrency=4, host_delay=0.01, backoff=0.01)
        partial = source.read()
        next(partial)  # every URL may be fetched by now; only the first one is handed over
        assert source.checkpoint() == {f"etag {urls[0]}": '"v0"'}
        partial.close()
        first = list(source.read())
        state = source.checkpoint()
        again = list(source.read(state))
        assert asked == version
        version["/feed/3"] = '"v3b"'  # one feed changes
        changed = list(source.read(state))
    assert [r.locator for r in first] == [f"{url}#item={n}" for url in urls for n in (1, 2, 3)]
    assert state == {f"etag {url}": f'"v{n}"' for n, url in enumerate(urls)}
    assert again == []
    assert [r.locator for r in changed] == [f"{urls[3]}#item={n}" for n in (1, 2, 3)]
    assert source.checkpoint() == state | {f"etag {urls[3]}": '"v3b"'}


def test_http_pool_settings_from_config() -> None:
    spec = {"kind": "http", "urls": ["https://example.com/feed"], "concurrency": 2}
    source = source_from_config(spec | {"host_concurrency": 1, "host_delay": 0.5})
    assert isinstance(source, HttpSource)
    assert (source.concurrency, source.host_concurrency, source.host_delay) == (2, 1, 0.5)
    default = source_from_config({"kind": "http", "urls": ["https://example.com/feed"]})
    assert isinstance(default, HttpSource)
    assert (default.concurrency, default.host_concurrency, default.host_delay) == (16, 4, 0.1)
