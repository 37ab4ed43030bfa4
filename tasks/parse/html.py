"""HTML pages: trafilatura's article text and metadata, one htmldate pass for the date."""

from __future__ import annotations

import re
import warnings
from datetime import datetime
from typing import Any

import htmldate
import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from tasks.parse.dates import as_utc, parse_date_value, read_date_value
from tasks.parse.fields import language_code
from tasks.records import ParsedDoc, RawRecord, Rejection
from tasks.sources.decode import DecodeError, decode_text

MIN_PAGE_TEXT = 150

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
_TIME_NAMES = r"(?:article:published_time|datePublished|pubdate|publishdate|dc\.date\.issued)"
_META_TIME = re.compile(
    rf"""<meta[^>]*?(?:property|name|itemprop)\s*=\s*["']{_TIME_NAMES}["'][^>]*?"""
    r"""content\s*=\s*["']([^"']+)["']"""
    rf"""|<meta[^>]*?content\s*=\s*["']([^"']+)["'][^>]*?"""
    rf"""(?:property|name|itemprop)\s*=\s*["']{_TIME_NAMES}["']"""
    r"""|"datePublished"\s*:\s*"([^"]+)\"""",
    re.IGNORECASE,
)
_TIME_OF_DAY = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|[^\d]|$)")
_MANY_BREAKS = re.compile(r"\n+")
_HTMLDATE_OPTIONS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "deferred_url_extractor": True,
}


def _declared_charset(rec: RawRecord) -> str | None:
    charset = rec.meta.get("charset")
    if isinstance(charset, str) and charset:
        return charset
    match = _META_CHARSET.search(rec.payload[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _page_date(tree: HtmlElement, page: str, url: str | None) -> tuple[datetime, str, str] | None:
    """Return (published_at, source, precision) from the page's markup, else from its URL."""
    # trafilatura dates the page too, but with the URL in view, which would hide whether the
    # markup itself holds a date ("html_meta") or only the URL does ("url")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = htmldate.find_date(tree, url="", **_HTMLDATE_OPTIONS)
    day = parse_date_value(found)
    if day is not None:
        stamp = _time_of_day(page, day[0])
        if stamp is not None:
            return stamp, "html_meta", "second"
        return day[0], "html_meta", "day"
    in_url = _URL_DATE.search(url or "")
    if in_url:
        year, month, day_of_month = (int(g) for g in in_url.groups())
        dated = parse_date_value(f"{year:04d}-{month:02d}-{day_of_month:02d}")
        return (dated[0], "url", "day") if dated else None
    return None


def _time_of_day(page: str, day: datetime) -> datetime | None:
    """Return the UTC time of a published-time meta tag on that day (in its own zone), or None."""
    # kept beside htmldate: asked for a time (outputformat "%Y-%m-%dT%H:%M:%S%z") it returns
    # midnight on 7 of the 40 corpus pages whose meta tags carry one (bloomberg, pewresearch, ...)
    for match in _META_TIME.finditer(page[:200_000]):
        value = next(g for g in match.groups() if g).strip()
        if not _TIME_OF_DAY.match(value):
            continue
        found = read_date_value(value)
        if found is not None and found[1] == "second" and found[0].date() == day.date():
            return as_utc(found[0])
    return None


def _drop_title_line(text: str, title: str | None) -> str:
    """Return extracted text without a leading headline line, one blank line between paragraphs."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        text = rest.strip()
    return _MANY_BREAKS.sub("\n\n", text)


def _extract(tree: HtmlElement, url: str | None) -> Document | None:
    """Return trafilatura's article and metadata for a parsed page (it works on a copy)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params=_HTMLDATE_OPTIONS,
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
    doc = _extract(tree, meta_url) if tree is not None else None
    text = (doc.text or "").strip() if doc is not None else ""
    if doc is None or tree is None or not text:
        return Rejection(rec, "no article text found")
    title = (doc.title or "").strip() or None
    text = _drop_title_line(text, title)
    if len(text) < MIN_PAGE_TEXT:  # "JavaScript is disabled", "Forbidden", cookie walls
        return Rejection(rec, f"no article text found ({len(text)} characters extracted)")
    url = doc.url or meta_url
    dated = _page_date(tree, page, url)
    lang = doc.language or (m.group(1) if (m := _HTML_LANG.search(page[:20_000])) else None)
    return ParsedDoc(
        raw=rec,
        text=text,
        title=title,
        url=url,
        author=(doc.author or "").strip() or None,
        published_at=dated[0] if dated else None,
        published_at_source=dated[1] if dated else "none",
        published_at_precision=dated[2] if dated else None,
        language=language_code(lang),
        encoding=encoding,
        extra=_page_extra(doc),
    )
