"""Sources: one small interface, one class per kind; every read streams RawRecords."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

import feedparser
import httpx

from tasks.records import CSV_ROW, FEED_ITEM, HTML, JSONL_ROW, TEXT, UNKNOWN, RawRecord
from tasks.sources.decode import DecodeError, decode_text, detect_encoding, is_binary

Checkpoint = dict[str, str]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# a mixed folder labels each record with the kind of reader that made it
KIND_OF_MEDIA = {TEXT: "files", CSV_ROW: "csv", JSONL_ROW: "jsonl", HTML: "html", FEED_ITEM: "feed"}
SNIFF_BYTES = 64 * 1024
USER_AGENT = "newslake/0.1 (+https://github.com/newslake)"
MAX_RETRY_AFTER = 30.0

COLUMN_CANDIDATES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("text", "body", "content", "article"),
    "published_at": ("published_at", "published", "date", "pubdate"),
    "url": ("url", "link"),
    "section": ("subject", "category", "section"),
    "author": ("author", "byline"),
}
# documentation that sits beside the data in a folder, never an article
SKIPPED_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "source"}
)
TEXT_SUFFIXES = (".txt",)
CSV_SUFFIXES = (".csv",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
FEED_SUFFIXES = (".rss", ".atom", ".xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>/]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<html[\s>]", re.IGNORECASE)
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)

csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


class Source(Protocol):
    """Anything that yields raw records and the state to keep after a read."""

    name: str
    kind: str

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]: ...

    def checkpoint(self) -> Checkpoint: ...


class _TooLong(Exception):
    """A physical line or row over the size cap; carries its head."""

    def __init__(self, head: str, reason: str, whole_row: bool) -> None:
        super().__init__(reason)
        self.head = head
        self.reason = reason
        self.whole_row = whole_row


class _LineFeed:
    """Capped lines from a text stream for csv.reader, remembering each row's raw lines."""

    def __init__(self, stream: TextIO, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.pending: deque[str] = deque()
        self.taken: list[str] = []
        self.taken_chars = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.pending:
            line = self.pending.popleft()
        else:
            line = self.stream.readline(self.limit + 1)
            if not line:
                raise StopIteration
            if len(line) > self.limit:
                self._skip_line(line)
                raise _TooLong(line[: self.limit], f"line over the cap of {self.limit}", False)
        self.taken.append(line)
        self.taken_chars += len(line)
        if self.taken_chars > self.limit:
            head = "".join(self.taken)[: self.limit]
            raise _TooLong(head, f"row over the cap of {self.limit} (unbalanced quote?)", True)
        return line

    def _skip_line(self, line: str) -> None:
        while line and not line.endswith(("\n", "\r")):
            line = self.stream.readline(self.limit)

    def start_row(self) -> None:
        self.taken = []
        self.taken_chars = 0

    def push_back(self, lines: Iterable[str]) -> None:
        self.pending.extendleft(reversed(list(lines)))


def _now() -> datetime:
    return datetime.now(UTC)


def _skipped(name: str) -> bool:
    return name.startswith(".") or Path(name).stem.lower() in SKIPPED_STEMS


def detect_columns(header: Iterable[str]) -> dict[str, str]:
    """Return {field: header} for the headers that name one of our fields."""
    by_name = {h.strip().lower(): h for h in header}
    found: dict[str, str] = {}
    for field_name, candidates in COLUMN_CANDIDATES.items():
        for candidate in candidates:
            if candidate in by_name:
                found[field_name] = by_name[candidate]
                break
    return found


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    """Return True when a content type or the first bytes say RSS/Atom/RDF."""
    if any(kind in content_type.lower() for kind in FEED_TYPES):
        return True
    head = data[:4096]
    match = _FEED_ROOT.search(head)
    if match is None:
        return False
    html = _HTML_ROOT.search(head)
    return html is None or html.start() > match.start()


def _iso(value: Any) -> str | None:
    try:
        return datetime(*value[:6]).replace(tzinfo=UTC).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def feed_item(entry: dict[str, Any], feed: Mapping[str, Any]) -> dict[str, Any]:
    """Return the JSON-ready dict of one feedparser entry."""
    return {
        "title": _str_or_none(entry.get("title")),
        "link": _str_or_none(entry.get("link")),
        "id": _str_or_none(entry.get("id")),
        "summary": _str_or_none(entry.get("summary")),
        "content": [c.get("value", "") for c in entry.get("content", []) if c.get("value")],
        "published": _str_or_none(entry.get("published")),
        "published_parsed": _iso(entry.get("published_parsed")),
        "updated": _str_or_none(dict.get(entry, "updated")),  # no fallback to published
        "updated_parsed": _iso(dict.get(entry, "updated_parsed")),
        "author": _str_or_none(entry.get("author")),
        "tags": [t["term"] for t in entry.get("tags", []) if t.get("term")],
        "feed": dict(feed),
    }


def parse_feed(
    data: bytes, headers: Mapping[str, str] | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Return a feed's items and its encoding; raise ValueError when it is not a feed."""
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=dict(headers or {}))
    except Exception as exc:  # feedparser on hostile bytes
        raise ValueError(f"{type(exc).__name__}: {exc}") from exc
    if not parsed.entries:
        if parsed.get("bozo") or not parsed.get("version"):
            problem = parsed.get("bozo_exception") or "no RSS/Atom/RDF elements"
            raise ValueError(str(problem))
        return [], parsed.get("encoding")
    channel = parsed.feed
    feed = {
        "title": _str_or_none(channel.get("title")),
        "link": _str_or_none(channel.get("link")),
        "language": _str_or_none(channel.get("language")),
    }
    return [feed_item(entry, feed) for entry in parsed.entries], parsed.get("encoding")


class _Reader:
    """Shared record making and per-kind file readers."""

    name: str
    kind: str
    max_bytes: int

    def _record(
        self,
        locator: str,
        payload: bytes,
        media_type: str,
        meta: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> RawRecord:
        return RawRecord(
            source=self.name,
            source_kind=KIND_OF_MEDIA.get(media_type, self.kind)
            if self.kind == "folder"
            else self.kind,
            locator=locator,
            payload=payload,
            media_type=media_type,
            fetched_at=_now(),
            meta=meta or {},
            error=error,
        )

    def _load(self, path: Path) -> tuple[bytes, str | None]:
        try:
            with path.open("rb") as fh:
                data = fh.read(self.max_bytes)
                if fh.read(1):
                    size = path.stat().st_size
                    return data, f"file too large: {size} bytes > cap {self.max_bytes}"
        except OSError as exc:
            return b"", f"unreadable file: {exc}"
        return data, None

    def _text_records(self, path: Path, folder: str) -> Iterator[RawRecord]:
        data, error = self._load(path)
        yield self._record(str(path), data, TEXT, {"folder": folder}, error)

    def _html_records(self, path: Path, folder: str) -> Iterator[RawRecord]:
        data, error = self._load(path)
        saved = _SAVED_FROM.search(data[:4096])
        meta = {"url": saved.group(1).decode("ascii", "replace")} if saved else {}
        yield self._record(str(path), data, HTML, meta, error)

    def _feed_records(self, path: Path, folder: str) -> Iterator[RawRecord]:
        data, error = self._load(path)
        if error:
            yield self._record(str(path), data, FEED_ITEM, error=error)
            return
        yield from self._feed_items(data, str(path))

    def _feed_items(
        self,
        data: bytes,
        locator: str,
        headers: Mapping[str, str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Iterator[RawRecord]:
        try:
            items, encoding = parse_feed(data, headers)
        except ValueError as exc:
            yield self._record(locator, data, FEED_ITEM, meta, f"not a feed: {exc}")
            return
        item_meta = (meta or {}) | ({"encoding": encoding} if encoding else {})
        for n, item in enumerate(items, 1):
            payload = json.dumps(item, ensure_ascii=False).encode()
            yield self._record(f"{locator}#item={n}", payload, FEED_ITEM, dict(item_meta))

    def _jsonl_records(self, path: Path, folder: str) -> Iterator[RawRecord]:
        try:
            with path.open("rb") as fh:
                yield from self._jsonl_lines(path, fh)
        except OSError as exc:
            yield self._record(str(path), b"", JSONL_ROW, error=f"unreadable file: {exc}")

    def _jsonl_lines(self, path: Path, fh: BinaryIO) -> Iterator[RawRecord]:
        number = 0
        while line := fh.readline(self.max_bytes + 1):
            number += 1
            locator = f"{path}#line={number}"
            if len(line) > self.max_bytes:
                rest = line
                while rest and not rest.endswith(b"\n"):
                    rest = fh.readline(self.max_bytes)
                reason = f"line too large: more than {self.max_bytes} bytes"
                yield self._record(locator, line[: self.max_bytes], JSONL_ROW, error=reason)
                continue
            payload = line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line
            payload = payload.rstrip(b"\r\n")
            if payload.strip():
                yield self._record(locator, payload, JSONL_ROW, error=_json_object_error(payload))

    def _csv_records(
        self, path: Path, columns: Mapping[str, str] | None, encoding: str | None = None
    ) -> Iterator[RawRecord]:
        try:
            fh = path.open("rb")
            encoding = encoding or detect_encoding(fh.read(SNIFF_BYTES))
            fh.seek(0)
        except OSError as exc:
            yield self._record(str(path), b"", CSV_ROW, error=f"unreadable file: {exc}")
            return
        with fh:
            text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
            try:
                yield from self._csv_rows(path, _LineFeed(text, self.max_bytes), columns, encoding)
            except OSError as exc:
                yield self._record(str(path), b"", CSV_ROW, error=f"read failed: {exc}")

    def _csv_rows(
        self, path: Path, lines: _LineFeed, columns: Mapping[str, str] | None, encoding: str
    ) -> Iterator[RawRecord]:
        reader = csv.reader(lines)
        try:
            header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        except (csv.Error, _TooLong) as exc:
            yield self._record(str(path), b"", CSV_ROW, error=f"unreadable CSV header: {exc}")
            return
        if header is None:
            yield self._record(str(path), b"", CSV_ROW, error="empty CSV: no header row")
            return
        mapping = dict(columns) if columns is not None else detect_columns(header)
        meta = {"columns": mapping, "encoding": encoding}
        number = 0
        error: str | None
        while True:
            lines.start_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except _TooLong as exc:
                number += 1
                raw, error = exc.head, f"malformed CSV row: {exc.reason}"
                rest = lines.taken[1:] if exc.whole_row else lines.taken
            except csv.Error as exc:
                number += 1
                raw, error = "".join(lines.taken[:1]), f"malformed CSV row: {exc}"
                rest = lines.taken[1:]
            else:
                if not any(cell.strip() for cell in row):
                    continue
                number += 1
                raw, error, rest = _check_row(row, header, lines.taken)
                if error is None:
                    payload = json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False)
                    yield self._record(
                        f"{path}#row={number}", payload.encode(), CSV_ROW, dict(meta)
                    )
                    continue
            yield self._record(f"{path}#row={number}", raw.encode(), CSV_ROW, dict(meta), error)
            lines.push_back(rest)
            reader = csv.reader(lines)


def _check_row(
    row: list[str], header: list[str], taken: list[str]
) -> tuple[str, str | None, list[str]]:
    """Return (raw text, error or None, lines to read again) for one parsed CSV row."""
    raw = "".join(taken)
    spans_lines = len(taken) > 1
    if spans_lines and raw.count('"') % 2:
        reason = "malformed CSV row: unterminated quote swallows the lines after it"
        return taken[0], reason, taken[1:]
    if len(row) != len(header):
        reason = f"malformed CSV row: {len(row)} fields, header has {len(header)}"
        if spans_lines:
            return taken[0], f"{reason} (unbalanced quote?)", taken[1:]
        return raw, reason, []
    return raw, None, []


def _json_object_error(line: bytes) -> str | None:
    """Return why a JSONL line is not one JSON object, or None."""
    try:
        text, _ = decode_text(line)
        value = json.loads(text)
    except DecodeError as exc:
        return f"undecodable line: {exc}"
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(value, dict):
        return f"not a JSON object: {type(value).__name__}"
    return None


def walk_files(root: Path, suffixes: tuple[str, ...] | None) -> Iterator[tuple[Path, str]]:
    """Yield (file, its folder relative to root) in sorted path order; a file root yields itself."""
    if root.is_file():
        yield root, ""
        return
    yield from _walk(root, "", suffixes)


def _walk(
    folder: Path, relative: str, suffixes: tuple[str, ...] | None
) -> Iterator[tuple[Path, str]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        yield folder, relative  # reading it then fails and becomes an error record
        return
    for entry in entries:
        if _skipped(entry.name):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, f"{relative}/{entry.name}" if relative else entry.name, suffixes)
        elif entry.is_file() and (suffixes is None or path.suffix.lower() in suffixes):
            yield path, relative


def file_stamp(path: Path) -> str | None:
    """Return a file's size and modification time as "size:mtime_ns", None if unreadable."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def file_hash(path: Path) -> str:
    """Return a short SHA-256 of a file's bytes, read in chunks ("" when unreadable)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()[:16]


def unchanged(path: Path, stamp: str, previous: str | None) -> bool:
    """Return whether a file matches its state from an earlier read (same stamp, or same bytes)."""
    if previous is None:
        return False
    if previous.rsplit(":", 1)[0] == stamp:
        return True
    return (
        stamp.split(":")[0] == previous.split(":")[0]
        and file_hash(path) == previous.rsplit(":", 1)[1]
    )


class _FileSource(_Reader):
    """A file or folder of files of one kind."""

    kind = "files"
    suffixes: tuple[str, ...] | None = None

    def __init__(
        self, name: str, path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._read: Checkpoint = {}

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]:
        """Yield the records of every file not read before (by size, mtime, hash), in path order."""
        if not self.path.exists():
            yield self._record(str(self.path), b"", UNKNOWN, error="source path not found")
            return
        since = since or {}
        for path, folder in walk_files(self.path, self.suffixes):
            key, stamp = f"file {path}", file_stamp(path)
            if stamp is not None and unchanged(path, stamp, since.get(key)):
                continue
            yield from self._read_file(path, folder)
            if stamp is not None:
                self._read[key] = f"{stamp}:{file_hash(path)}"

    def checkpoint(self) -> Checkpoint:
        """Return the files read so far: path -> size:mtime:hash."""
        return dict(self._read)

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {str(self.path)!r})"


class TextFilesSource(_FileSource):
    """Plain-text stories, one per `*.txt` file."""

    kind = "files"
    suffixes = TEXT_SUFFIXES

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        return self._text_records(path, folder)


class CsvSource(_FileSource):
    """One record per CSV data row, streamed."""

    kind = "csv"
    suffixes = CSV_SUFFIXES

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        columns: Mapping[str, str] | None = None,
        *,
        encoding: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(name, path, max_bytes=max_bytes)
        self.columns = dict(columns) if columns is not None else None
        self.encoding = encoding

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        return self._csv_records(path, self.columns, self.encoding)


class JsonlSource(_FileSource):
    """One record per non-blank JSONL line, streamed."""

    kind = "jsonl"
    suffixes = JSONL_SUFFIXES

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        return self._jsonl_records(path, folder)


class HtmlFilesSource(_FileSource):
    """Saved HTML pages, one per `*.html`/`*.htm` file."""

    kind = "html"
    suffixes = HTML_SUFFIXES

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        return self._html_records(path, folder)


class FeedSource(_FileSource):
    """One record per RSS/Atom item, from a feed file or a folder of them."""

    kind = "feed"
    suffixes = FEED_SUFFIXES

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        return self._feed_records(path, folder)


class FolderSource(_FileSource):
    """A mixed folder: each file goes to the reader its extension names; others are sniffed."""

    kind = "folder"
    suffixes = None

    def _read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        suffix = path.suffix.lower()
        readers: list[tuple[tuple[str, ...], Callable[[Path, str], Iterator[RawRecord]]]] = [
            (TEXT_SUFFIXES, self._text_records),
            (CSV_SUFFIXES, self._csv_file),
            (JSONL_SUFFIXES, self._jsonl_records),
            (HTML_SUFFIXES, self._html_records),
            (FEED_SUFFIXES, self._feed_records),
        ]
        for suffixes, reader in readers:
            if suffix in suffixes:
                return reader(path, folder)
        return self._sniffed_records(path, folder)

    def _csv_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        return self._csv_records(path, None)

    def _sniffed_records(self, path: Path, folder: str) -> Iterator[RawRecord]:
        data, error = self._load(path)
        if error is None and is_binary(data):
            yield self._record(str(path), data, UNKNOWN, {"folder": folder}, "binary file")
            return
        yield self._record(str(path), data, TEXT, {"folder": folder}, error)


class HttpSource(_Reader):
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
                yield self._record(url, b"", UNKNOWN, error=f"fetch failed: {url}: {exc}")
                return
            status = response.status_code
            if status == 304:
                return
            if status == 429 or status >= 500:
                problem, delay = f"HTTP {status} {response.reason_phrase}", _retry_after(response)
                continue
            if status >= 300:
                error = f"fetch failed: {url}: HTTP {status} {response.reason_phrase}"
                yield self._record(url, b"", UNKNOWN, {"status": status}, error)
                return
            yield from self._response_records(url, response, body, truncated)
            return
        error = f"fetch failed after {self.attempts} attempts: {url}: {problem}"
        yield self._record(url, b"", UNKNOWN, error=error)

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
            yield self._record(url, body, HTML, meta, error)
        elif looks_like_feed(body, content_type):
            headers = {"content-type": content_type, "content-location": str(response.url)}
            yield from self._feed_items(body, url, headers, {"url": str(response.url)})
        else:
            yield self._record(url, body, HTML, meta)


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    return min(float(value), MAX_RETRY_AFTER) if value.strip().isdigit() else 0.0


def source_from_path(
    path_or_url: str, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Source:
    """Return the source for a URL, a folder or a file, chosen by its extension."""
    if re.match(r"https?://", path_or_url, re.IGNORECASE):
        return HttpSource(name or _url_name(path_or_url), [path_or_url], max_bytes=max_bytes)
    path = Path(path_or_url)
    label = name or path.stem or path.resolve().name
    if path.is_dir():
        return FolderSource(label, path, max_bytes=max_bytes)
    if not path.is_file():
        raise FileNotFoundError(f"no such file or folder: {path_or_url}")
    suffix = path.suffix.lower()
    kinds: dict[tuple[str, ...], type[_FileSource]] = {
        CSV_SUFFIXES: CsvSource,
        JSONL_SUFFIXES: JsonlSource,
        HTML_SUFFIXES: HtmlFilesSource,
        FEED_SUFFIXES: FeedSource,
        TEXT_SUFFIXES: TextFilesSource,
    }
    for suffixes, cls in kinds.items():
        if suffix in suffixes:
            return cls(label, path, max_bytes=max_bytes)
    return FolderSource(label, path, max_bytes=max_bytes)


def _url_name(url: str) -> str:
    host = httpx.URL(url).host
    return host or "http"


SOURCE_KINDS: dict[str, type[_FileSource]] = {
    "files": TextFilesSource,
    "text": TextFilesSource,
    "jsonl": JsonlSource,
    "html": HtmlFilesSource,
    "feed": FeedSource,
    "rss": FeedSource,
    "folder": FolderSource,
}


def source_from_config(spec: Mapping[str, Any]) -> Source:
    """Return the source a config entry describes ({"name", "kind", "path"/"urls", ...})."""
    kind = spec.get("kind")
    max_bytes = int(spec.get("max_bytes") or DEFAULT_MAX_BYTES)
    location = spec.get("path") or next(iter(spec.get("urls") or []), None)
    name = spec.get("name")
    if kind is None:
        if not location:
            raise ValueError("source config names neither a kind nor a path/urls")
        return source_from_path(str(location), name, max_bytes=max_bytes)
    if kind == "http":
        urls = list(spec.get("urls") or ([spec["url"]] if spec.get("url") else []))
        if not urls:
            raise ValueError(f"http source {name!r} has no urls")
        options = {k: spec[k] for k in ("timeout", "attempts", "backoff") if k in spec}
        return HttpSource(name or _url_name(urls[0]), urls, **options, max_bytes=max_bytes)
    if kind != "csv" and kind not in SOURCE_KINDS:
        known = ", ".join(sorted({"csv", "http", *SOURCE_KINDS}))
        raise ValueError(f"unknown source kind {kind!r} (known: {known})")
    if not spec.get("path"):
        raise ValueError(f"{kind} source {name!r} has no path")
    path = Path(spec["path"])
    label = name or path.stem
    if kind == "csv":
        encoding = spec.get("encoding")
        return CsvSource(label, path, spec.get("columns"), encoding=encoding, max_bytes=max_bytes)
    return SOURCE_KINDS[kind](label, path, max_bytes=max_bytes)
