"""Plain records passed between steps: what a source read, and what parsing made of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tasks.ids import bytes_id

# media types a source gives its records; the parser dispatches on them
TEXT = "text/plain"
HTML = "text/html"
CSV_ROW = "application/x-csv-row+json"
JSONL_ROW = "application/x-jsonl-row+json"
FEED_ITEM = "application/x-feed-item+json"
UNKNOWN = "application/octet-stream"


@dataclass(frozen=True)
class RawRecord:
    """One input record exactly as received, with where it came from."""

    source: str
    source_kind: str
    locator: str
    payload: bytes
    media_type: str
    fetched_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def raw_id(self) -> str:
        """Return a stable id from source, locator and payload."""
        # surrogatepass: a name that is not UTF-8 still gets an id (valid text encodes as before)
        source = self.source.encode("utf-8", "surrogatepass")
        return bytes_id(source, self.locator.encode("utf-8", "surrogatepass"), self.payload)


@dataclass
class ParsedDoc:
    """What a parser read out of one raw record, before normalisation."""

    raw: RawRecord
    text: str
    title: str | None = None
    url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    published_at_source: str = "none"
    published_at_precision: str | None = None
    # the UTC offset the source wrote with the time; None when it gave none (then the
    # local calendar date is taken to be the UTC one)
    published_utc_offset_minutes: int | None = None
    section: str | None = None
    language: str | None = None
    encoding: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """A raw record that could not become an article, and why."""

    raw: RawRecord
    reason: str
    stage: str = "parse"
