"""RSS/Atom/RDF feeds: telling a feed from a page, and one record per feed item."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

from tasks.records import FEED_ITEM, RawRecord
from tasks.sources.base import Reader
from tasks.sources.decode import is_binary, repair_utf8
from tasks.sources.files import FileSource

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>/]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<html[\s>]", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


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


def _says_utf8(data: bytes, headers: Mapping[str, str]) -> bool:
    """Return whether a feed declares UTF-8, or no encoding at all (which means UTF-8 in XML)."""
    declared = _XML_ENCODING.search(data[:512])
    charset = _CHARSET.search(headers.get("content-type", ""))
    names = [declared.group(1).decode("ascii")] if declared else []
    names += [charset.group(1)] if charset else []
    return all(name.strip().lower().replace("_", "-") in {"utf-8", "utf8"} for name in names)


def parse_feed(
    data: bytes, headers: Mapping[str, str] | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Return a feed's items and its encoding; raise ValueError when it is not a feed."""
    headers = dict(headers or {})
    if _says_utf8(data, headers):
        data = repair_utf8(data)  # UTF-8 items beside cp1252 ones: feedparser would pick one
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
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


def feed_records(
    reader: Reader,
    data: bytes,
    locator: str,
    headers: Mapping[str, str] | None = None,
    meta: dict[str, Any] | None = None,
) -> Iterator[RawRecord]:
    """Yield one record per item of a feed's bytes, or one error record when it is no feed."""
    try:
        items, encoding = parse_feed(data, headers)
    except ValueError as exc:
        yield reader.record(locator, data, FEED_ITEM, meta, f"not a feed: {exc}")
        return
    item_meta = (meta or {}) | ({"encoding": encoding} if encoding else {})
    for n, item in enumerate(items, 1):
        payload = json.dumps(item, ensure_ascii=False).encode()
        yield reader.record(f"{locator}#item={n}", payload, FEED_ITEM, dict(item_meta))


class FeedSource(FileSource):
    """One record per RSS/Atom item, from a feed file or a folder of them."""

    kind = "feed"

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield the records of the items in one feed file."""
        data, error = self.load(path)
        if error is None and is_binary(data):
            error = "binary file"
        if error:
            yield self.record(str(path), data, FEED_ITEM, error=error)
            return
        yield from feed_records(self, data, str(path))
