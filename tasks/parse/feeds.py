"""RSS/Atom items: title, link, and text from the content or the summary."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tasks.parse.dates import parse_date_value, utc_offset_minutes
from tasks.parse.fields import cell_text, language_code
from tasks.parse.markup import html_to_text
from tasks.records import ParsedDoc, RawRecord, Rejection

_MARKUP_LEFT = re.compile(r"</?(?:p|div|br|a|img|span|strong|em)\b[^>]*>", re.IGNORECASE)
# the reader's ISO readings first, then the dates as the feed wrote them
_DATE_KEYS = ("published_parsed", "updated_parsed", "published", "updated")


def _feed_date(
    item: Mapping[str, Any], languages: list[str] | None
) -> tuple[datetime | None, int | None]:
    """Return an item's UTC time and the offset its feed wrote it with (None if none)."""
    for key in _DATE_KEYS:
        found = parse_date_value(item.get(key), languages)
        if found is not None:
            # the parsed readings are UTC: the offset is in the date as the feed wrote it
            written = item.get(key.removesuffix("_parsed"))
            return found[0], utc_offset_minutes(written, found[0])
    return None, None


def _item_text(item: Mapping[str, Any]) -> str:
    """Return the plain text of an item's first content, else of its summary."""
    content = [c for c in item.get("content") or [] if isinstance(c, str) and c.strip()]
    summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
    text = html_to_text(content[0] if content else summary or "")
    if _MARKUP_LEFT.search(text):  # HTML escaped twice in the description
        text = html_to_text(text)
    return text


def _item_extra(item: Mapping[str, Any], feed: Mapping[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    tags = [t for t in item.get("tags") or [] if isinstance(t, str)]
    if tags:
        extra["tags"] = tags
    for key, value in (("guid", item.get("id")), ("feed_title", feed.get("title"))):
        if value:
            extra[key] = value
    return extra


def parse_feed_item(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document of one RSS/Atom item: title, link, text from content or summary."""
    item = json.loads(rec.payload)
    if not isinstance(item, dict):
        return Rejection(rec, "feed item is not a JSON object")
    title = cell_text(item.get("title"))
    if title and "<" in title:
        title = html_to_text(title) or None
    text = _item_text(item)
    if not text:
        if not title:
            return Rejection(rec, "empty body")
        text = title
    feed: dict[str, Any] = item["feed"] if isinstance(item.get("feed"), dict) else {}
    language = language_code(cell_text(feed.get("language")))
    published, offset = _feed_date(item, [language] if language else None)
    return ParsedDoc(
        raw=rec,
        text=text,
        title=title,
        url=cell_text(item.get("link")),
        author=cell_text(item.get("author")),
        published_at=published,
        published_at_source="feed" if published else "none",
        published_at_precision="second" if published else None,
        published_utc_offset_minutes=offset,
        language=language,
        encoding=cell_text(rec.meta.get("encoding")),
        extra=_item_extra(item, feed),
    )
