"""Turn a parsed document into an `articles` row: ids, dateline, agency, dates, language."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import py3langid

from tasks.documents.dateline import Dateline, parse_dateline
from tasks.ids import stable_id
from tasks.records import ParsedDoc, Rejection

_SPACE = re.compile(r"\s+")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# scripts written without spaces count one word per character
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9\"”'’)])[.!?](?=\s+[A-Z“\"])")
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid)$", re.I)
TITLE_MAX = 160
# lone surrogates (from JSON "\ud800" escapes) cannot be written as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class NormaliseContext:
    """Run-level values stamped on every article."""

    run_id: str
    ingested_at: datetime


def canonical_url(url: str | None) -> str | None:
    """Return the URL without fragment, tracking parameters, default port or trailing slash."""
    # not courlan.normalize_url: it keeps "http", "www." and a trailing slash, so article ids of
    # "http://www.example.com/a/" would change (https://example.com/a here)
    if not url or not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMS.match(k))
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, query, ""))


def clean_text(text: str) -> str:
    """Return text without NUL characters and with lone surrogates as U+FFFD, safe to store."""
    # PostgreSQL text cannot hold NUL, and Arrow cannot encode a surrogate: either one in a
    # committed row fails every later publish or the whole batch
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def clean_value(value: Any) -> Any:
    """Return a JSON-like value with every string in it (keys too) passed through clean_text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def clean_doc(doc: ParsedDoc) -> ParsedDoc:
    """Return the document with clean_text applied to every text field and to its extra."""
    changes: dict[str, Any] = {"extra": clean_value(doc.extra)}
    for name in ("text", "title", "url", "author", "section", "language", "encoding"):
        value = getattr(doc, name)
        if isinstance(value, str):
            changes[name] = clean_text(value)
    return replace(doc, **changes)


def normalise_text(text: str) -> str:
    """Return text casefolded with whitespace collapsed, for hashing and comparison."""
    return _SPACE.sub(" ", text).strip().casefold()


def _sha(*parts: str) -> str:
    # article ids and content hashes end with a separator: lakes already hold ids built so
    return stable_id(*parts, "")


def make_article_id(url: str | None, source: str, title: str, body: str) -> str:
    """Return the article id: a hash of the canonical URL, else of source, title and body."""
    canonical = canonical_url(url)
    if canonical:
        return _sha("url", canonical)
    return _sha("text", normalise_text(source), normalise_text(title), normalise_text(body))


def content_hash(body: str) -> str:
    """Return a hash of the body's words, blind to case and spacing."""
    return _sha(normalise_text(body))


def detect_language(text: str, hint: str | None = None) -> str | None:
    """Return the ISO 639-1 code of the text's language (the hint for very short texts)."""
    fallback = hint.split("-")[0].split("_")[0].lower()[:2] or None if hint else None
    sample = text[:2000]
    if len(sample.split()) < 8 or not sample.strip():
        return fallback
    language, _ = py3langid.classify(sample)
    # the classifier knows a few languages without a two-letter code (e.g. "pcm")
    return str(language) if len(language) == 2 else fallback


def load_language_model() -> None:
    """Load the language classifier's model now (about a second) rather than on the first story."""
    py3langid.classify("the model loads on the first text it is asked to classify")


def count_words(text: str) -> int:
    """Return the number of words, counting each CJK character as one."""
    return sum(1 for _ in _WORD.finditer(text))


def derive_title(body: str) -> str:
    """Return the lede's first sentence, shortened, for stories that came without a title."""
    first_line = body.strip().split("\n", 1)[0]
    match = _SENTENCE_END.search(first_line)
    sentence = first_line[: match.start() + 1] if match else first_line
    if len(sentence) <= TITLE_MAX:
        return sentence.strip()
    return sentence[:TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def resolve_published(
    doc: ParsedDoc, dateline: Dateline
) -> tuple[datetime | None, str, str | None]:
    """Return published_at, its source and precision, completing a year with the dateline date."""
    if doc.published_at is not None and doc.published_at_precision == "year" and dateline.month_day:
        month, day = dateline.month_day
        try:
            stamp = datetime(doc.published_at.year, month, day, tzinfo=UTC)
        except ValueError:
            return doc.published_at, doc.published_at_source, doc.published_at_precision
        return stamp, "dateline", "day"
    if doc.published_at is None:
        return None, "none", None
    return doc.published_at.astimezone(UTC), doc.published_at_source, doc.published_at_precision


def local_calendar(
    published_at: datetime | None, offset_minutes: int | None
) -> tuple[date | None, int | None]:
    """Return the publication's local calendar date and the UTC offset it was read with.

    Without an offset the local date is the UTC date (and the offset stays None)."""
    if published_at is None:
        return None, None
    if offset_minutes is None:
        return published_at.astimezone(UTC).date(), None
    return (published_at.astimezone(UTC) + timedelta(minutes=offset_minutes)).date(), offset_minutes


def normalise_doc(doc: ParsedDoc, context: NormaliseContext) -> dict[str, Any] | Rejection:
    """Return the `articles` row for a parsed document, or a Rejection saying why not."""
    doc = clean_doc(doc)
    text = doc.text.strip()
    dateline = parse_dateline(text)
    body = text[dateline.body_start :].strip()
    if not body:
        return Rejection(doc.raw, "empty body after the dateline", stage="normalise")
    title = (doc.title or "").strip() or derive_title(body)
    source = clean_text(doc.raw.source)
    extra = dict(doc.extra)
    if dateline.preamble:
        extra["preamble"] = dateline.preamble
    if doc.encoding:
        extra.setdefault("encoding", doc.encoding)
    published_at, published_source, precision = resolve_published(doc, dateline)
    local_date, offset = local_calendar(published_at, doc.published_utc_offset_minutes)
    return {
        "article_id": make_article_id(doc.url, source, title, body),
        "raw_id": doc.raw.raw_id,
        "source": source,
        "source_kind": clean_text(doc.raw.source_kind),
        "url": doc.url,
        "title": title,
        "body": body,
        "author": doc.author or dateline.author,
        "section": doc.section,
        "dateline_raw": dateline.raw,
        "dateline_places": [{"name": p.name, "region": p.region} for p in dateline.places],
        "agency": dateline.agency,
        "published_at": published_at,
        "published_at_source": published_source,
        "published_at_precision": precision,
        "published_local_date": local_date,
        "published_utc_offset_minutes": offset,
        "language": detect_language(body, doc.language),
        "word_count": count_words(body),
        "content_hash": content_hash(body),
        "duplicate_of": None,
        "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else None,
        "ingested_at": context.ingested_at,
        "run_id": context.run_id,
    }
