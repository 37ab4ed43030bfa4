"""Pages and feeds fetched over HTTP: retries, conditional GETs and a size cap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from tasks.records import HTML, UNKNOWN, RawRecord
from tasks.sources.base import DEFAULT_MAX_BYTES, Checkpoint, Reader
from tasks.sources.feeds import feed_records, looks_like_feed

USER_AGENT = "newslake/0.1 (+https://github.com/newslake)"
MAX_RETRY_AFTER = 30.0


def url_name(url: str) -> str:
    """Return the name a source read from a URL gets: its host."""
    host = httpx.URL(url).host
    return host or "http"


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    return min(float(value), MAX_RETRY_AFTER) if value.strip().isdigit() else 0.0


class HttpSource(Reader):
    """Pages and feeds fetched over HTTP, with retries and conditional GETs."""

    kind = "http"

    def __init__(
        self,
        name: str,
        urls: list[str],
        timeout: float = 10,
        attempts: int = 3,
        backoff: float = 0.5,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.urls = list(urls)
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.transport = transport
        self._state: Checkpoint = {}

    def __repr__(self) -> str:
        return f"HttpSource({self.name!r}, {self.urls!r})"

    def checkpoint(self) -> Checkpoint:
        """Return the ETag / Last-Modified validators seen so far, keyed by URL."""
        return dict(self._state)

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]:
        """Yield the records of every URL; 304s yield nothing, failures one error record."""
        self._state = dict(since or {})
        client = httpx.Client(
            timeout=self.timeout,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
            transport=self.transport,
        )
        with client:
            for url in self.urls:
                yield from self._fetch(client, url)

    def _validators(self, url: str) -> dict[str, str]:
        headers = {}
        if etag := self._state.get(f"etag {url}"):
            headers["If-None-Match"] = etag
        if modified := self._state.get(f"last_modified {url}"):
            headers["If-Modified-Since"] = modified
        return headers

    def _fetch(self, client: httpx.Client, url: str) -> Iterator[RawRecord]:
        problem = "no attempt made"
        delay = 0.0
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(max(self.backoff * 2 ** (attempt - 1), delay))
            try:
                response, body, truncated = self._get(client, url)
            except httpx.TransportError as exc:
                problem, delay = f"{type(exc).__name__}: {exc or 'no detail'}", 0.0
                continue
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                yield self.record(url, b"", UNKNOWN, error=f"fetch failed: {url}: {exc}")
                return
            status = response.status_code
            if status == 304:
                return
            if status == 429 or status >= 500:
                problem, delay = f"HTTP {status} {response.reason_phrase}", _retry_after(response)
                continue
            if status >= 300:
                error = f"fetch failed: {url}: HTTP {status} {response.reason_phrase}"
                yield self.record(url, b"", UNKNOWN, {"status": status}, error)
                return
            yield from self._response_records(url, response, body, truncated)
            return
        error = f"fetch failed after {self.attempts} attempts: {url}: {problem}"
        yield self.record(url, b"", UNKNOWN, error=error)

    def _get(self, client: httpx.Client, url: str) -> tuple[httpx.Response, bytes, bool]:
        with client.stream("GET", url, headers=self._validators(url)) as response:
            if not 200 <= response.status_code < 300:
                return response, b"", False
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    break
            body = b"".join(chunks)
            return response, body[: self.max_bytes], size > self.max_bytes

    def _response_records(
        self, url: str, response: httpx.Response, body: bytes, truncated: bool
    ) -> Iterator[RawRecord]:
        for key, header in ((f"etag {url}", "etag"), (f"last_modified {url}", "last-modified")):
            if value := response.headers.get(header):
                self._state[key] = value
            else:
                self._state.pop(key, None)
        content_type = response.headers.get("content-type", "")
        meta: dict[str, Any] = {"url": str(response.url), "content_type": content_type}
        if response.charset_encoding:
            meta["charset"] = response.charset_encoding
        if truncated:
            error = f"response too large: more than {self.max_bytes} bytes from {url}"
            yield self.record(url, body, HTML, meta, error)
        elif looks_like_feed(body, content_type):
            headers = {"content-type": content_type, "content-location": str(response.url)}
            yield from feed_records(self, body, url, headers, {"url": str(response.url)})
        else:
            yield self.record(url, body, HTML, meta)
