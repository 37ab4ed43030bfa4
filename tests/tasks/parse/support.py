"""Shared by the parser tests: the committed fixtures and records made as a source would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tasks.parse import parse_record
from tasks.records import TEXT, ParsedDoc, RawRecord, Rejection

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"


def record(payload: bytes, media_type: str = TEXT, **meta: object) -> RawRecord:
    """Return a raw record as a source would make it."""
    return RawRecord("test", "files", "mem", payload, media_type, datetime.now(UTC), dict(meta))


def parsed(rec: RawRecord) -> ParsedDoc:
    """Return the ParsedDoc of a record, failing the test on a Rejection."""
    result = parse_record(rec)
    assert isinstance(result, ParsedDoc), result
    return result


def rejected(rec: RawRecord) -> Rejection:
    """Return the Rejection of a record, failing the test on a ParsedDoc."""
    result = parse_record(rec)
    assert isinstance(result, Rejection), result
    return result
