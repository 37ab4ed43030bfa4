"""Pages and feeds fetched over HTTP: retries, conditional GETs, a deadline and a size cap.

Redirects: at most `max_redirects` hops are followed, to the same host or another one (feeds
move to CDNs, http becomes https, `www.` comes and goes). The record keeps the configured URL as
its locator and the final URL in `meta["url"]`, with every hop in `meta["redirects"]`. No
credentials or cookies are sent anywhere. A redirect is refused, as a fetch error, when it
leaves https for http, or leaves a public address for a loopback, private or link-local one
(written as an IP address or "localhost"), so a feed cannot point the fetcher into the network
it runs in.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import httpx

from tasks.records import HTML, UNKNOWN, RawRecord
from tasks.sources.base import DEFAULT_MAX_BYTES, Checkpoint, Reader
from tasks.sources.deadline import Deadline, DeadlineTransport, ssl_context
from tasks.sources.feeds import feed_records, looks_like_feed

USER_AGENT = "newslake/0.1 (+https://github.com/newslake)"
MAX_RETRY_AFTER = 30.0
DEFAULT_DEADLINE = 60.0
DEFAULT_MAX_REDIRECTS = 5


class FetchRefused(httpx.HTTPError):
    """A fetch stopped by policy: too many redirects, or a redirect that is not followed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def url_name(url: str) -> str:
    """Return the name a source read from a URL gets: its host."""
    host = httpx.URL(url).host
    return host or "http"


def _is_internal(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: not resolved here
    return address.is_loopback or address.is_private or address.is_link_local


def redirect_problem(origin: httpx.URL, target: httpx.URL) -> str | None:
    """Return why a redirect from `origin` to `target` is not followed, or None."""
    if target.scheme not in ("http", "https"):
        return f"redirect to a {target.scheme or 'relative'} URL: {target}"
    if origin.scheme == "https" and target.scheme == "http":
        return f"redirect from https to plain http: {target}"
    if _is_internal(target.host) and not _is_internal(origin.host):
        return f"redirect from a public host to an internal address: {target}"
    return None


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
        deadline: float = DEFAULT_DEADLINE,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.urls = list(urls)
        self.timeout = timeout  # per connect, read or write
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.deadline = deadline  # per URL: every attempt, redirect and wait together
        self.max_redirects = max(0, max_redirects)
        self.max_bytes = max_bytes
        self.transport = transport
        self._state: Checkpoint = {}
        self._deadline = Deadline()

    def __repr__(self) -> str:
        return f"HttpSource({self.name!r}, {self.urls!r})"

    def checkpoint(self) -> Checkpoint:
        """Return the ETag / Last-Modified validators seen so far, keyed by URL."""
        return dict(self._state)

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]:
        """Yield the records of every URL; 304s yield nothing, failures one error record."""
        self._state = dict(since or {})
        mounts = None if self.transport else {"all://": DeadlineTransport(self._deadline)}
        client = httpx.Client(
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT},
            verify=ssl_context(),
            transport=self.transport,
            mounts=mounts,
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
        self._deadline.start(self.deadline)
        for attempt in range(self.attempts):
            if attempt:
                wait = max(self.backoff * 2 ** (attempt - 1), delay)
                if wait >= self._deadline.left():
                    break
                time.sleep(wait)
            try:
                response, body, truncated, hops = self._get(client, url)
            except httpx.TransportError as exc:
                problem, delay = f"{type(exc).__name__}: {exc or 'no detail'}", 0.0
                if self._deadline.passed():
                    break
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
            yield from self._response_records(url, response, body, truncated, hops)
            return
        else:  # every attempt made and failed
            error = f"fetch failed after {self.attempts} attempts: {url}: {problem}"
            yield self.record(url, b"", UNKNOWN, error=error)
            return
        # out of time: the deadline passed, or would before the next attempt
        error = f"fetch failed: {url}: no response within the {self.deadline:g} s deadline"
        yield self.record(url, b"", UNKNOWN, error=f"{error} (last: {problem})")

    def _get(self, client: httpx.Client, url: str) -> tuple[httpx.Response, bytes, bool, list[str]]:
        """Return the final response, its body up to the cap, whether it was cut, the hops."""
        request = client.build_request("GET", url, headers=self._validators(url))
        hops: list[str] = []
        response = client.send(request, stream=True, follow_redirects=False)
        while response.next_request is not None:
            target = response.next_request
            response.close()
            if len(hops) == self.max_redirects:
                raise FetchRefused(f"more than {self.max_redirects} redirects")
            if problem := redirect_problem(request.url, target.url):
                raise FetchRefused(problem)
            hops.append(str(target.url))
            request = target
            response = client.send(request, stream=True, follow_redirects=False)
        try:
            if not 200 <= response.status_code < 300:
                return response, b"", False, hops
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                if self._deadline.passed():  # a proxied request bypasses DeadlineTransport
                    raise httpx.ReadTimeout("deadline passed", request=request)
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    break
            body = b"".join(chunks)
            return response, body[: self.max_bytes], size > self.max_bytes, hops
        finally:
            response.close()

    def _response_records(
        self, url: str, response: httpx.Response, body: bytes, truncated: bool, hops: list[str]
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
        if hops:
            meta["redirects"] = hops
        if truncated:
            error = f"response too large: more than {self.max_bytes} bytes from {url}"
            yield self.record(url, body, HTML, meta, error)
        elif looks_like_feed(body, content_type):
            headers = {"content-type": content_type, "content-location": str(response.url)}
            item_meta: dict[str, Any] = {"url": str(response.url)}
            if hops:
                item_meta["redirects"] = hops
            yield from feed_records(self, body, url, headers, item_meta)
        else:
            yield self.record(url, body, HTML, meta)
