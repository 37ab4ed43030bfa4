"""HTML pages: trafilatura's article text and metadata; the date from one pass over the page."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from tasks.parse.fields import language_code
from tasks.parse.page_dates import page_date
from tasks.records import ParsedDoc, RawRecord, Rejection
from tasks.sources.decode import DecodeError, decode_text

MIN_PAGE_TEXT = 150

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
_MANY_BREAKS = re.compile(r"\n+")
# htmldate's settings for trafilatura's one date pass: extensive search on (its default), the
# URL consulted only when the markup holds no date; `date_options` adds the latest day
_HTMLDATE_OPTIONS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": True,
    "deferred_url_extractor": True,
}


def _declared_charset(rec: RawRecord) -> str | None:
    charset = rec.meta.get("charset")
    if isinstance(charset, str) and charset:
        return charset
    match = _META_CHARSET.search(rec.payload[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _drop_title_line(text: str, title: str | None) -> str:
    """Return extracted text without a leading headline line, one blank line between paragraphs."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        text = rest.strip()
    return _MANY_BREAKS.sub("\n\n", text)


def date_options(fetched_at: datetime | None) -> dict[str, Any]:
    """Return htmldate's settings for a page fetched at that time."""
    if fetched_at is None:
        return dict(_HTMLDATE_OPTIONS)
    # a page's day may run ahead of UTC (zones east of it): the bound is the next day
    latest = fetched_at.astimezone(UTC) + timedelta(days=1)
    return {**_HTMLDATE_OPTIONS, "max_date": latest.strftime("%Y-%m-%d")}


def extract_page(
    tree: HtmlElement, url: str | None, fetched_at: datetime | None
) -> Document | None:
    """Return trafilatura's article and metadata (with htmldate's day) for a parsed page."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params=date_options(fetched_at),
        )
    return doc if isinstance(doc, Document) else None


def _page_extra(doc: Document) -> dict[str, Any]:
    fields = (
        ("sitename", doc.sitename),
        ("description", doc.description),
        ("categories", doc.categories),
        ("tags", doc.tags),
    )
    return {key: value for key, value in fields if value}


def parse_html(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the article of an HTML page (trafilatura body and metadata, htmldate date)."""
    try:
        page, encoding = decode_text(rec.payload, _declared_charset(rec))
    except DecodeError as exc:
        return Rejection(rec, f"undecodable HTML: {exc}")
    page = page.replace("\x00", "")
    if not page.strip():
        return Rejection(rec, "empty page")
    meta_url = rec.meta.get("url") if isinstance(rec.meta.get("url"), str) else None
    tree = load_html(page)
    doc = extract_page(tree, meta_url, rec.fetched_at) if tree is not None else None
    text = (doc.text or "").strip() if doc is not None else ""
    if doc is None or tree is None or not text:
        return Rejection(rec, "no article text found")
    title = (doc.title or "").strip() or None
    text = _drop_title_line(text, title)
    if len(text) < MIN_PAGE_TEXT:  # "JavaScript is disabled", "Forbidden", cookie walls
        return Rejection(rec, f"no article text found ({len(text)} characters extracted)")
    url = doc.url or meta_url
    dated = page_date(tree, doc.date, url, rec.fetched_at)
    lang = doc.language or (m.group(1) if (m := _HTML_LANG.search(page[:20_000])) else None)
    return ParsedDoc(
        raw=rec,
        text=text,
        title=title,
        url=url,
        author=(doc.author or "").strip() or None,
        published_at=dated.published_at if dated else None,
        published_at_source=dated.source if dated else "none",
        published_at_precision=dated.precision if dated else None,
        published_utc_offset_minutes=dated.utc_offset_minutes if dated else None,
        language=language_code(lang),
        encoding=encoding,
        extra=_page_extra(doc),
    )
