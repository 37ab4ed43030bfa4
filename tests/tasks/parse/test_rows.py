"""Tests for tasks/parse/rows.py: CSV and JSONL rows over the ISOT sample and fixtures."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.parse import parse_record
from tasks.records import ParsedDoc, Rejection
from tasks.sources import CsvSource, FolderSource
from tests.tasks.parse.support import FIXTURES, parsed

pytestmark = pytest.mark.unit


def test_isot_all_parse_with_csv_dates(isot_csv: Path) -> None:
    records = list(CsvSource("isot", isot_csv).read())
    docs = [parsed(r) for r in records]
    assert len(docs) == 1071
    with isot_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for doc, row in zip(docs, rows, strict=True):
        assert doc.published_at == datetime.strptime(row["date"].strip(), "%B %d, %Y").replace(
            tzinfo=UTC
        )
        assert (doc.published_at_source, doc.published_at_precision) == ("csv", "day")
        assert doc.title == row["title"].strip()
        assert doc.text == row["text"].strip()
        assert doc.section == row["subject"]
        assert doc.extra == {"label": row["label"]}


def test_csv_fixture_rows() -> None:
    tram, bakery, bridge = (parsed(r) for r in CsvSource("rows", FIXTURES / "rows.csv").read())
    assert tram.title == "Tram line reopens after repairs"
    assert tram.text.endswith('took "longer than planned".')
    assert (tram.url, tram.author, tram.section) == (
        "https://example.com/a/tram",
        "Ada Berg",
        "local",
    )
    assert tram.published_at == datetime(2024, 3, 10, tzinfo=UTC)
    assert tram.extra == {"desk": "metro"}
    assert bakery.published_at == datetime(2024, 3, 8, tzinfo=UTC)
    assert bakery.author is None
    assert bridge.published_at is None
    assert bridge.published_at_source == "none"
    assert bridge.extra == {"desk": "transport", "published_raw": "sometime soon"}


def test_jsonl_rows() -> None:
    results = [parse_record(r) for r in FolderSource("j", FIXTURES / "rows.jsonl").read()]
    library, mill, broken, array, empty = results
    assert isinstance(library, ParsedDoc) and isinstance(mill, ParsedDoc)
    assert library.published_at == datetime(2024, 4, 2, 7, 30, tzinfo=UTC)
    assert (library.published_at_source, library.published_at_precision) == ("jsonl", "second")
    assert (library.author, library.section) == ("Tove Lind", "local")
    assert library.extra == {"source": "Example Wire", "desk": "city"}
    assert mill.text == "KARVIA - The old mill was sold to a cooperative."
    assert (mill.published_at, mill.published_at_precision) == (
        datetime(1987, 1, 1, tzinfo=UTC),
        "year",
    )
    assert isinstance(broken, Rejection) and broken.stage == "read"
    assert isinstance(array, Rejection) and array.reason == "not a JSON object: list"
    assert isinstance(empty, Rejection) and empty.reason == "empty body"
