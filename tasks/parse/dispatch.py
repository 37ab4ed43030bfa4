"""One entry point: a raw record goes to the parser of its media type."""

from __future__ import annotations

from collections.abc import Callable

from tasks.parse.feeds import parse_feed_item
from tasks.parse.html import parse_html
from tasks.parse.rows import parse_row
from tasks.parse.text import parse_text
from tasks.records import CSV_ROW, FEED_ITEM, HTML, JSONL_ROW, TEXT, ParsedDoc, RawRecord, Rejection

PARSERS: dict[str, Callable[[RawRecord], ParsedDoc | Rejection]] = {
    TEXT: parse_text,
    CSV_ROW: parse_row,
    JSONL_ROW: parse_row,
    HTML: parse_html,
    FEED_ITEM: parse_feed_item,
}


def parse_record(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document a raw record holds, or a Rejection saying why there is none."""
    if rec.error:
        return Rejection(rec, rec.error, stage="read")
    parser = PARSERS.get(rec.media_type)
    if parser is None:
        return Rejection(rec, f"unsupported media type {rec.media_type!r}")
    try:
        return parser(rec)
    except Exception as exc:  # bad input must never stop a batch
        return Rejection(rec, f"parse failed: {type(exc).__name__}: {exc}")
