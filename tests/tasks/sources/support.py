"""Shared by the source tests: the committed fixtures and small file helpers."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.records import RawRecord

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write text to path in the encoding; return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def rows(records: list[RawRecord]) -> list[dict[str, str]]:
    """Return the decoded JSON rows of the records that carry no error."""
    return [json.loads(r.payload) for r in records if r.error is None]
