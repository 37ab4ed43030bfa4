"""Tests for tasks/parse/dispatch.py: read errors, unknown types and hostile input."""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.parse import parse_record
from tasks.records import (
    CSV_ROW,
    FEED_ITEM,
    HTML,
    JSONL_ROW,
    TEXT,
    UNKNOWN,
    ParsedDoc,
    RawRecord,
    Rejection,
)
from tasks.sources import FolderSource
from tests.tasks.parse.support import FIXTURES, record, rejected

pytestmark = pytest.mark.unit


def record_with_error(error: str) -> RawRecord:
    return RawRecord("t", "files", "mem", b"", TEXT, datetime.now(UTC), {}, error)


def test_read_errors_pass_through() -> None:
    rejection = rejected(record_with_error("binary file"))
    assert (rejection.reason, rejection.stage) == ("binary file", "read")


def test_parse_record_never_raises() -> None:
    rng = random.Random(42)
    payloads = [
        rng.randbytes(300),
        b"{}",
        b"[]",
        b"null",
        b'{"title": 5, "text": ["a", "b"], "date": {"x": 1}}',
        b'{"content": [1, 2], "summary": 5, "feed": [], "tags": "x"}',
        "texto em português".encode("utf-16"),
        b"\xff\xfe\x00",
    ]
    for media_type in (TEXT, HTML, CSV_ROW, JSONL_ROW, FEED_ITEM, UNKNOWN, "x/unknown"):
        for payload in payloads:
            result = parse_record(record(payload, media_type, columns={"body": "text"}))
            # never raises: either a reasoned rejection or a document with text
            assert result.reason if isinstance(result, Rejection) else result.text.strip()


@pytest.fixture
def warm_parsers() -> None:
    """Parse a page with and one without an article, so tracing sees reads, not first loads."""
    # trafilatura loads its fallback extractors' data (~20 MB) on the first page without text
    parse_record(record((FIXTURES / "page.html").read_bytes(), HTML))
    parse_record(record(b"<html><body><script>run()</script></body></html>", HTML))


def test_hostile_folder(tmp_path: Path, warm_parsers: None) -> None:
    (tmp_path / "noise.bin").write_bytes(random.Random(3).randbytes(20_000))
    (tmp_path / "empty.txt").write_bytes(b"")
    with (tmp_path / "huge.txt").open("wb") as fh:
        for _ in range(50):
            fh.write(b"a" * 1_000_000)  # 50 MB on one line
    (tmp_path / "broken.csv").write_text(
        'title,text\nGood row,A fine body.\nBad row,"an unclosed quote\nAfter,Recovered body.\n'
    )
    (tmp_path / "scripts.html").write_text(
        "<html><head><script>var x = 1;</script></head><body><script>run()</script></body></html>"
    )
    (tmp_path / "fake.rss").write_text("Just some words pretending to be a feed.\n")
    (tmp_path / "good.txt").write_bytes((FIXTURES / "story.txt").read_bytes())
    (tmp_path / "good.html").write_bytes((FIXTURES / "page.html").read_bytes())

    tracemalloc.start()
    try:
        results = {}
        for rec in FolderSource("hostile", tmp_path).read():
            results[rec.locator.removeprefix(f"{tmp_path}/")] = parse_record(rec)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30_000_000  # the 50 MB file is read up to the 10 MiB cap only

    reasons = {k: v.reason for k, v in results.items() if isinstance(v, Rejection)}
    assert reasons == {
        "noise.bin": "binary file",
        "empty.txt": "empty body",
        "huge.txt": "file too large: 50000000 bytes > cap 10485760",
        "broken.csv#row=2": "malformed CSV row: unterminated quote swallows the lines after it",
        "scripts.html": "no article text found",
        "fake.rss": reasons["fake.rss"],
    }
    assert reasons["fake.rss"].startswith("not a feed: ")
    docs = {k: v for k, v in results.items() if isinstance(v, ParsedDoc)}
    assert set(docs) == {"broken.csv#row=1", "broken.csv#row=3", "good.txt", "good.html"}
    assert docs["broken.csv#row=3"].text == "Recovered body."
    assert docs["good.txt"].title == "Harbour council approves night ferry trial"
    assert docs["good.html"].title == "Orchards expect record apple harvest"
