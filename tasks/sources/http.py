"""Pages and feeds fetched over HTTP: retries, conditional GETs, a deadline and a size cap.

Redirects: at most `max_redirects` hops are followed, to the same host or another one (feeds
move to CDNs, http becomes https, `www.` comes and goes). The record keeps the configured URL as
its locator and the final URL in `meta["url"]`, with every hop in `meta["redirects"]`. No
credentials or cookies are sent anywhere. A redirect is refused, as a fetch error, when it
leaves https for http, or leaves a public address for a loopback, private or link-local one
(written as an IP address or "localhost"), so a feed cannot point the fetcher into the network
it runs in.

URLs are fetched on a pool of `concurrency` threads, at most `host_concurrency` of them to one
host (the configured URL's) and each fetch to a host starting `host_delay` seconds after the one
before; records still come out in the order of the URLs, and the validators of a URL enter the
checkpoint when its records are handed over.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from tasks.records import HTML, UNKNOWN, RawRecord
from tasks.sources.base import DEFAULT_MAX_BYTES, Checkpoint, Reader
from tasks.sources.deadline import Deadline, DeadlineTransport, ssl_context
from tasks.sources.feeds import feed_records, looks_like_feed
from tasks.sources.http_pool import HostGate, map_in_order

USER_AGENT = "newslake/0.1 (+https://github.com/newslake)"
MAX_RETRY_AFTER = 30.0
DEFAULT_DEADLINE = 60.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_CONCURRENCY = 16
DEFAULT_HOST_CONCURRENCY = 4
DEFAULT_HOST_DELAY = 0.1
WINDOW_PER_WORKER = 2  # how far past the URL being handed over the pool may run
VALIDATORS = {"etag": "etag", "last_modified": "last-modified"}  # checkpoint name: header


class FetchRefused(httpx.HTTPError):
    """A fetch stopped by policy: too many redirects, or a redirect that is not followed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def url_name(url: str) -> str:
    """Return the name a source read from a URL gets: its host."""
    host = httpx.URL(url).host
    return host or "http"


def url_host(url: str) -> str:
    """Return the host the pool limits a URL under ("" for one too broken to parse)."""
    try:
        return httpx.URL(url).host.lower()
    except httpx.InvalidURL:
        return ""  # the fetch records why


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


@dataclass
class Fetched:
    """What one URL gave: its records, and its new validators (None: keep the old ones)."""

    records: list[RawRecord] = field(default_factory=list)
    validators: dict[str, str | None] | None = None


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
        concurrency: int = DEFAULT_CONCURRENCY,
        host_concurrency: int = DEFAULT_HOST_CONCURRENCY,
        host_delay: float = DEFAULT_HOST_DELAY,
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
        self.concurrency = max(1, concurrency)  # URLs fetched at once
        self.host_concurrency = max(1, host_concurrency)  # of them to one host
        self.host_delay = max(0.0, host_delay)  # seconds between fetches starting on one host
        self.transport = transport
        self._since: Checkpoint = {}
        self._state: Checkpoint = {}
        self._deadline = Deadline()  # one per thread

    def __repr__(self) -> str:
        return f"HttpSource({self.name!r}, {self.urls!r})"

    def checkpoint(self) -> Checkpoint:
        """Return the ETag / Last-Modified validators seen so far, keyed by URL."""
        return dict(self._state)

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]:
        """Yield every URL's records in URL order; 304s yield nothing, failures one error record."""
        self._since = dict(since or {})  # what the threads read; only this thread writes _state
        self._state = dict(self._since)
        gate = HostGate(self.host_concurrency, self.host_delay)
        window = self.concurrency * WINDOW_PER_WORKER
        with self._client() as client:
            fetch = partial(self._fetch, client)
            fetched_all = map_in_order(
                fetch, self.urls, self.concurrency, window, key=url_host, gate=gate
            )
            for url, fetched in zip(self.urls, fetched_all, strict=True):
                if fetched.validators is not None:
                    self._keep_validators(url, fetched.validators)
                yield from fetched.records

    def _client(self) -> httpx.Client:
        mounts = None
        if self.transport is None:
            transport = DeadlineTransport(self._deadline, max_connections=self.concurrency)
            mounts = {"all://": transport}
        return httpx.Client(
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT},
            verify=ssl_context(),
            transport=self.transport,
            mounts=mounts,
        )

    def _keep_validators(self, url: str, validators: dict[str, str | None]) -> None:
        for name, value in validators.items():
            if value:
                self._state[f"{name} {url}"] = value
            else:
                self._state.pop(f"{name} {url}", None)

    def _validators(self, url: str) -> dict[str, str]:
        headers = {}
        if etag := self._since.get(f"etag {url}"):
            headers["If-None-Match"] = etag
        if modified := self._since.get(f"last_modified {url}"):
            headers["If-Modified-Since"] = modified
        return headers

    def _failed(self, url: str, error: str, meta: dict[str, Any] | None = None) -> Fetched:
        return Fetched([self.record(url, b"", UNKNOWN, meta, error)])

    def _fetch(self, client: httpx.Client, url: str) -> Fetched:
        """Return what one URL gave, after its retries, within its deadline."""
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
                return self._failed(url, f"fetch failed: {url}: {exc}")
            status = response.status_code
            if status == 304:
                return Fetched()
            if status == 429 or status >= 500:
                problem, delay = f"HTTP {status} {response.reason_phrase}", _retry_after(response)
                continue
            if status >= 300:
                error = f"fetch failed: {url}: HTTP {status} {response.reason_phrase}"
                return self._failed(url, error, {"status": status})
            records = list(self._response_records(url, response, body, truncated, hops))
            validators = {name: response.headers.get(h) for name, h in VALIDATORS.items()}
            return Fetched(records, validators)
        else:  # every attempt made and failed
            error = f"fetch failed after {self.attempts} attempts: {url}: {problem}"
            return self._failed(url, error)
        # out of time: the deadline passed, or would before the next attempt
        error = f"fetch failed: {url}: no response within the {self.deadline:g} s deadline"
        return self._failed(url, f"{error} (last: {problem})")

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
