"""Plain-text stories: a title line, a blank line, then the body."""

from __future__ import annotations

import re

from tasks.lexicon import month_pattern
from tasks.parse.markup import replace_entities
from tasks.records import ParsedDoc, RawRecord, Rejection
from tasks.sources.decode import DecodeError, decode_text, is_binary

TITLE_MAX = 200
WIRE_DATELINE_MIN_LINE = 60

_DASH = r"(?:--|[-–—])"
# "WASHINGTON/MOSCOW (Reuters) - ", "TAMPA, Fla. (Reuters) - ", "(Reuters) - "
_AGENCY_DATELINE = re.compile(
    rf"^(?:[^\n()]{{0,120}}?\s)?\((?:[A-Z][\w.&'’-]*\s?){{1,4}}\)\s*{_DASH}\s"
)
# agency-less: "WASHINGTON - ", "SALVADOR, Feb 26 - "
_CAPS_DATELINE = re.compile(
    rf"^[A-Z][A-Z.'’-]+(?:[ /-][A-Z][A-Z.'’-]*)*(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?"
    rf"(?:,?\s+(?:{month_pattern(title=True)})\.?\s+\d{{1,2}})?\s+{_DASH}\s"
)


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
