"""Concurrent feed fetching: --feeds RSS feeds behind a local server answering in --latency s.

The feeds are spread over --hosts loopback addresses (127.0.1.1, 127.0.1.2, ...: one threaded
HTTP server on each, as a newsroom's feeds live on many hosts), each answering every request after
sleeping --latency seconds. One `HttpSource` over all the URLs is read to the end twice, in the same
run: one URL at a time (`concurrency=1`, what the source did before the pool) and with the default
pool settings. Prints both times, their ratio (target <= 1/8), the most requests the servers saw
open at once on one host and in all, and checks both reads gave the same records in the same order.
Usage: python bench/feeds.py [--feeds N] [--hosts N] [--latency S]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.sources import HttpSource  # noqa: E402

TARGET_RATIO = 1 / 8


class OpenRequests:
    """Counts the requests open now and at most, per host and in all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = Counter[str]()
        self.peak = Counter[str]()

    def enter(self, host: str) -> None:
        with self.lock:
            self.now.update([host, "all"])
            for key in (host, "all"):
                self.peak[key] = max(self.peak[key], self.now[key])

    def leave(self, host: str) -> None:
        with self.lock:
            self.now.subtract([host, "all"])

    def reset(self) -> None:
        with self.lock:
            self.peak.clear()


def feed_bytes(host: str, path: str) -> bytes:
    """Return a small RSS feed of three fictional items, its own for each host and path."""
    items = "".join(
        f"<item><title>Bulletin {n} of {path}</title><link>http://{host}{path}/{n}</link>"
        f"<description>Council notice {n}: the {path.strip('/')} depot on {host} opens at "
        f"{6 + n} tomorrow, the harbour office said.</description></item>"
        for n in (1, 2, 3)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}{path}</title>'
        f"<link>http://{host}/</link>{items}</channel></rss>"
    ).encode()


def handler_class(latency: float, counts: OpenRequests) -> type[BaseHTTPRequestHandler]:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            host = self.server.server_address[0]
            counts.enter(str(host))
            try:
                time.sleep(latency)
                body = feed_bytes(str(host), self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                counts.leave(str(host))

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Slow


@contextmanager
def servers(hosts: int, latency: float, counts: OpenRequests) -> Iterator[list[str]]:
    """Serve on `hosts` loopback addresses; yield their base URLs."""
    handler = handler_class(latency, counts)
    with ExitStack() as stack:
        bases = []
        for n in range(hosts):
            server = ThreadingHTTPServer((f"127.0.1.{n + 1}", 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.server_close)
            stack.callback(server.shutdown)
            bases.append(f"http://127.0.1.{n + 1}:{server.server_address[1]}")
        yield bases


def timed_read(source: HttpSource) -> tuple[float, list[str]]:
    """Read the source to its end; return the seconds and the records' locators."""
    start = time.perf_counter()
    records = list(source.read())
    seconds = time.perf_counter() - start
    failed = [r.error for r in records if r.error]
    if failed:
        sys.exit(f"{len(failed)} fetches failed, e.g. {failed[0]}")
    return seconds, [r.locator for r in records]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    counts = OpenRequests()
    with servers(args.hosts, args.latency, counts) as bases:
        urls = [f"{bases[n % len(bases)]}/feed/{n}" for n in range(args.feeds)]
        sequential_s, order = timed_read(HttpSource("bench", urls, concurrency=1))
        counts.reset()
        pooled = HttpSource("bench", urls)
        pooled_s, pooled_order = timed_read(pooled)
    host_peak = max(v for k, v in counts.peak.items() if k != "all")
    print(
        f"{args.feeds} feeds on {args.hosts} hosts, {args.latency * 1000:.0f} ms each: "
        f"one at a time {sequential_s:.2f} s, pooled {pooled_s:.2f} s "
        f"(concurrency {pooled.concurrency}, host_concurrency {pooled.host_concurrency}, "
        f"host_delay {pooled.host_delay:g} s)"
    )
    print(
        f"ratio pooled / one at a time: {pooled_s / sequential_s:.3f} "
        f"(target <= {TARGET_RATIO:.3f}); most open at once: {host_peak} on one host "
        f"(limit {pooled.host_concurrency}), {counts.peak['all']} in all; "
        f"same records in the same order: {'yes' if pooled_order == order else 'NO'}"
    )


if __name__ == "__main__":
    main()
