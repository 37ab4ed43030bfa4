"""Parse raw records into documents: text files, CSV/JSONL rows, HTML pages and feed items."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import htmldate
import trafilatura
from dateutil import parser as dateutil_parser
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Document

from tasks.records import CSV_ROW, FEED_ITEM, HTML, JSONL_ROW, TEXT, ParsedDoc, RawRecord, Rejection
from tasks.sources.decode import DecodeError, decode_text, is_binary
from tasks.sources.readers import detect_columns

TITLE_MAX = 200
DATE_LANGUAGES = ("en", "pt", "es", "fr", "de", "it", "nl")
WIRE_DATELINE_MIN_LINE = 60
MIN_PAGE_TEXT = 150

_DASH = r"(?:--|[-–—])"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
# "WASHINGTON/MOSCOW (Reuters) - ", "TAMPA, Fla. (Reuters) - ", "(Reuters) - "
_AGENCY_DATELINE = re.compile(
    rf"^(?:[^\n()]{{0,120}}?\s)?\((?:[A-Z][\w.&'’-]*\s?){{1,4}}\)\s*{_DASH}\s"
)
# agency-less: "WASHINGTON - ", "SALVADOR, Feb 26 - "
_CAPS_DATELINE = re.compile(
    rf"^[A-Z][A-Z.'’-]+(?:[ /-][A-Z][A-Z.'’-]*)*(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?"
    rf"(?:,?\s+{_MONTH}\s+\d{{1,2}})?\s+{_DASH}\s"
)
_ENTITY = re.compile(r"&#(\d{1,7});|&#[xX]([0-9a-fA-F]{1,6});|&(lt|gt|amp|quot|apos|nbsp);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\xa0"}

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
     "table", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt", "hr"}
)  # fmt: skip
_DROPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})
_BREAKS = {tag: "\n\n" for tag in _BLOCK_TAGS} | {"br": "\n"}
_SPACES = re.compile(r"\s+")
_MARKUP_LEFT = re.compile(r"</?(?:p|div|br|a|img|span|strong|em)\b[^>]*>", re.IGNORECASE)
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_MANY_BREAKS = re.compile(r"\n+")

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
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|[^\d]|$)")
_HTMLDATE_OPTIONS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "deferred_url_extractor": True,
}

_TZINFOS = {
    name: timezone(timedelta(hours=hours))
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EST": -5, "EDT": -4,
        "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    }.items()
}  # fmt: skip
_DAY_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)

ROW_FIELDS_EXTRA: dict[str, tuple[str, ...]] = {"language": ("language", "lang")}


def parse_record(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document a raw record holds, or a Rejection saying why there is none."""
    if rec.error:
        return Rejection(rec, rec.error, stage="read")
    parser = _PARSERS.get(rec.media_type)
    if parser is None:
        return Rejection(rec, f"unsupported media type {rec.media_type!r}")
    try:
        return parser(rec)
    except Exception as exc:  # bad input must never stop a batch
        return Rejection(rec, f"parse failed: {type(exc).__name__}: {exc}")


def replace_entities(text: str) -> str:
    """Return text with numeric and the common named HTML entities (`&#233;`, `&lt;`) replaced."""

    def one(match: re.Match[str]) -> str:
        decimal, hexa, name = match.groups()
        if name:
            return _NAMED[name]
        code = int(decimal) if decimal else int(hexa, 16)
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            return match.group()
        return chr(code)

    return _ENTITY.sub(one, text) if "&" in text else text


def starts_with_dateline(line: str) -> bool:
    """Return True when a line opens with a wire dateline such as `WASHINGTON (Reuters) -`."""
    if _AGENCY_DATELINE.match(line):
        return True
    return len(line) >= WIRE_DATELINE_MIN_LINE and bool(_CAPS_DATELINE.match(line))


def split_title(text: str) -> tuple[str | None, str]:
    """Return (title, body): a short first line before a blank line is the title."""
    first, newline, rest = text.partition("\n")
    title = first.strip()
    if not newline or not title or len(title) >= TITLE_MAX or starts_with_dateline(title):
        return None, text
    second, _, _ = rest.partition("\n")
    body = rest.strip()
    if second.strip() or not body:
        return None, text
    return title, body


def parse_text(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document of a plain-text story: title line, blank line, body."""
    if is_binary(rec.payload):
        return Rejection(rec, "binary file")
    try:
        decoded, encoding = decode_text(rec.payload)
    except DecodeError as exc:
        return Rejection(rec, str(exc))
    text = replace_entities(decoded).strip()
    if not text:
        return Rejection(rec, "empty body")
    title, body = split_title(text)
    folder = rec.meta.get("folder")
    return ParsedDoc(
        raw=rec,
        text=body,
        title=title,
        section=folder if isinstance(folder, str) and folder else None,
        encoding=encoding,
    )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _from_number(value: float) -> tuple[datetime, str] | None:
    if 1000 <= value <= 9999 and value == int(value):
        return datetime(int(value), 1, 1, tzinfo=UTC), "year"
    seconds = value / 1000 if abs(value) > 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC), "second"
    except (OverflowError, OSError, ValueError):
        return None


def _dateutil_guess(text: str) -> tuple[datetime, str] | None:
    """Return a dateutil reading with its precision, found by parsing with two defaults."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=_TZINFOS)
            second = dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=_TZINFOS)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.year != second.year:
        return None
    if first.month != second.month:
        return first.replace(month=1, day=1, hour=0, minute=0, second=0), "year"
    if first.day != second.day:
        return first.replace(day=1, hour=0, minute=0, second=0), "month"
    if first.hour != second.hour:
        return first.replace(hour=0, minute=0, second=0), "day"
    return first, "second"


@lru_cache(maxsize=32)
def _date_data_parser(languages: tuple[str, ...] | None) -> Any:
    import dateparser  # slow to import; needed only for dates in other languages

    settings = {
        "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DAY_OF_MONTH": "first",
        "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    }
    return dateparser.DateDataParser(
        languages=list(languages) if languages else None, settings=settings
    )


def _dateparser_guess(text: str, languages: list[str] | None) -> tuple[datetime, str] | None:
    # a short list first: trying every locale costs ~50 ms a date
    tries = [tuple(languages)] if languages else [DATE_LANGUAGES, None]
    data = None
    for option in tries:
        try:
            data = _date_data_parser(option).get_date_data(text)
        except (ValueError, TypeError, OverflowError):
            data = None
        if data is not None and data.date_obj is not None:
            break
    if data is None or data.date_obj is None:
        return None
    period = data.period or "day"
    if period == "time":
        return data.date_obj, "second"
    return data.date_obj, period if period in {"day", "month", "year"} else "day"


def parse_date_value(value: Any, languages: list[str] | None = None) -> tuple[datetime, str] | None:
    """Return (UTC datetime, precision) for a date string or number, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _from_number(value)
    if not isinstance(value, str):
        return None
    text = value.strip()  # ISOT dates carry a trailing space
    if not text or len(text) > 100:
        return None
    try:
        found = _read_date(text, languages)
    except (ValueError, OverflowError):  # "2019-02-30", year 0
        return None
    if found is None:
        return None
    stamp, precision = found
    if precision in {"year", "month", "day"}:
        stamp = stamp.replace(hour=0, minute=0, second=0, microsecond=0)
        return stamp.replace(tzinfo=UTC), precision
    return _aware(stamp), precision


def _read_date(text: str, languages: list[str] | None) -> tuple[datetime, str] | None:
    if re.fullmatch(r"\d{4}", text):
        return datetime(int(text), 1, 1), "year"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return datetime.strptime(text, "%Y-%m"), "month"
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.strptime(text[:10], "%Y-%m-%d")  # an impossible day raises here
        if len(text) == 10:
            return day, "day"
        try:
            return datetime.fromisoformat(text), "second"
        except ValueError:
            return _dateutil_guess(text)
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt), "day"
        except ValueError:
            continue
    return _dateutil_guess(text) or _dateparser_guess(text, languages)


def _cell(value: Any) -> str | None:
    """Return a row value as stripped text, or None when empty."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n\n".join(str(v).strip() for v in value if str(v).strip()) or None
    return json.dumps(value, ensure_ascii=False)


def parse_row(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document of a CSV or JSONL row, mapping known columns and keeping the rest."""
    try:
        text, encoding = decode_text(rec.payload)
        row = json.loads(text)
    except (DecodeError, json.JSONDecodeError, RecursionError) as exc:
        return Rejection(rec, f"row is not valid JSON: {exc}")
    if not isinstance(row, dict):
        return Rejection(rec, f"row is not a JSON object: {type(row).__name__}")
    is_csv = rec.media_type == CSV_ROW
    columns = rec.meta.get("columns") if is_csv else None
    mapping: dict[str, str] = dict(columns) if isinstance(columns, Mapping) else {}
    if not mapping:
        mapping = detect_columns(row.keys())
    for field_name, candidates in ROW_FIELDS_EXTRA.items():
        key = next((k for k in row if k.strip().lower() in candidates), None)
        if key is not None and field_name not in mapping:
            mapping[field_name] = key
    values = {field_name: row.get(key) for field_name, key in mapping.items()}
    used = set(mapping.values())
    extra = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    body = _cell(values.get("body"))
    if not body:
        return Rejection(rec, "empty body")
    published = None
    precision = None
    raw_date = values.get("published_at")
    if raw_date not in (None, ""):
        found = parse_date_value(raw_date)
        if found is None:
            extra["published_raw"] = raw_date
        else:
            published, precision = found
    language = _cell(values.get("language"))
    return ParsedDoc(
        raw=rec,
        text=body,
        title=_cell(values.get("title")),
        url=_cell(values.get("url")),
        author=_cell(values.get("author")),
        published_at=published,
        published_at_source=("csv" if is_csv else "jsonl") if published else "none",
        published_at_precision=precision,
        section=_cell(values.get("section")),
        language=_language_code(language),
        encoding=str(rec.meta.get("encoding") or encoding) if is_csv else encoding,
        extra=extra,
    )


def _language_code(value: str | None) -> str | None:
    """Return the primary subtag of a language tag ("pt-BR" -> "pt"), or None."""
    if not value:
        return None
    code = re.split(r"[-_\s]", value.strip(), maxsplit=1)[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def html_to_text(markup: str) -> str:
    """Return the plain text of an HTML fragment, one blank line between paragraphs."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup:
        return _tidy(replace_entities(markup))
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy(_SPACES.sub(" ", re.sub(r"<[^>]*>", " ", markup)))
    parts: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            skipping += tag in _DROPPED_TAGS
            if not skipping:
                parts.append(_BREAKS.get(tag, ""))
                if tag and element.text:
                    parts.append(_SPACES.sub(" ", element.text))
            continue
        skipping -= tag in _DROPPED_TAGS
        if skipping:
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n\n")
        if element.tail and element is not root:
            parts.append(_SPACES.sub(" ", element.tail))
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    text = _INLINE_SPACE.sub(" ", text)
    text = _AROUND_NEWLINE.sub("\n", text)
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def _feed_date(item: Mapping[str, Any], languages: list[str] | None) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = item.get(key)
        if isinstance(value, str):
            try:
                return _aware(datetime.fromisoformat(value))
            except ValueError:
                pass
    for key in ("published", "updated"):
        found = parse_date_value(item.get(key), languages)
        if found is not None:
            return found[0]
    return None


def parse_feed_item(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document of one RSS/Atom item: title, link, text from content or summary."""
    item = json.loads(rec.payload)
    if not isinstance(item, dict):
        return Rejection(rec, "feed item is not a JSON object")
    title = _cell(item.get("title"))
    if title and "<" in title:
        title = html_to_text(title) or None
    content = [c for c in item.get("content") or [] if isinstance(c, str) and c.strip()]
    summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
    text = html_to_text(content[0] if content else summary or "")
    if _MARKUP_LEFT.search(text):  # HTML escaped twice in the description
        text = html_to_text(text)
    if not text:
        if not title:
            return Rejection(rec, "empty body")
        text = title
    feed: dict[str, Any] = item["feed"] if isinstance(item.get("feed"), dict) else {}
    language = _language_code(_cell(feed.get("language")))
    published = _feed_date(item, [language] if language else None)
    extra: dict[str, Any] = {}
    tags = [t for t in item.get("tags") or [] if isinstance(t, str)]
    if tags:
        extra["tags"] = tags
    for key, value in (("guid", item.get("id")), ("feed_title", feed.get("title"))):
        if value:
            extra[key] = value
    return ParsedDoc(
        raw=rec,
        text=text,
        title=title,
        url=_cell(item.get("link")),
        author=_cell(item.get("author")),
        published_at=published,
        published_at_source="feed" if published else "none",
        published_at_precision="second" if published else None,
        language=language,
        encoding=_cell(rec.meta.get("encoding")),
        extra=extra,
    )


def _declared_charset(rec: RawRecord) -> str | None:
    charset = rec.meta.get("charset")
    if isinstance(charset, str) and charset:
        return charset
    match = _META_CHARSET.search(rec.payload[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _page_date(page: str, url: str | None) -> tuple[datetime, str, str] | None:
    """Return (published_at, source, precision) from the page's markup, else from its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = htmldate.find_date(
            page, extensive_search=False, original_date=True, url="", deferred_url_extractor=True
        )
    if found:
        day = datetime.strptime(found, "%Y-%m-%d").replace(tzinfo=UTC)
        for match in _META_TIME.finditer(page[:200_000]):
            stamp = _full_timestamp(next(g for g in match.groups() if g))
            if stamp is not None and stamp.date() == day.date():
                return _aware(stamp), "html_meta", "second"
        return day, "html_meta", "day"
    in_url = _URL_DATE.search(url or "")
    if in_url:
        try:
            year, month, day_of_month = (int(g) for g in in_url.groups())
            return datetime(year, month, day_of_month, tzinfo=UTC), "url", "day"
        except ValueError:
            return None
    return None


def _full_timestamp(value: str) -> datetime | None:
    """Return a timestamp that carries a time of day (in its own zone), or None."""
    value = value.strip()
    if not re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _drop_title_line(text: str, title: str | None) -> str:
    """Return extracted text without a leading headline line, one blank line between paragraphs."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        text = rest.strip()
    return _MANY_BREAKS.sub("\n\n", text)


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(
            page,
            url=meta_url,
            with_metadata=True,
            include_comments=False,
            date_extraction_params=_HTMLDATE_OPTIONS,
        )
    text = (doc.text or "").strip() if isinstance(doc, Document) else ""
    if not isinstance(doc, Document) or not text:
        return Rejection(rec, "no article text found")
    title = (doc.title or "").strip() or None
    text = _drop_title_line(text, title)
    if len(text) < MIN_PAGE_TEXT:  # "JavaScript is disabled", "Forbidden", cookie walls
        return Rejection(rec, f"no article text found ({len(text)} characters extracted)")
    url = doc.url or meta_url
    dated = _page_date(page, url)
    lang = doc.language or (m.group(1) if (m := _HTML_LANG.search(page[:20_000])) else None)
    extra = {
        key: value
        for key, value in (
            ("sitename", doc.sitename),
            ("description", doc.description),
            ("categories", doc.categories),
            ("tags", doc.tags),
        )
        if value
    }
    return ParsedDoc(
        raw=rec,
        text=text,
        title=title,
        url=url,
        author=(doc.author or "").strip() or None,
        published_at=dated[0] if dated else None,
        published_at_source=dated[1] if dated else "none",
        published_at_precision=dated[2] if dated else None,
        language=_language_code(lang),
        encoding=encoding,
        extra=extra,
    )


_PARSERS: dict[str, Callable[[RawRecord], ParsedDoc | Rejection]] = {
    TEXT: parse_text,
    CSV_ROW: parse_row,
    JSONL_ROW: parse_row,
    HTML: parse_html,
    FEED_ITEM: parse_feed_item,
}
