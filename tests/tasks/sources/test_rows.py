"""Tests for tasks/sources/rows.py: CSV and JSONL rows, streamed and capped."""

from __future__ import annotations

import csv
import json
import tracemalloc
from pathlib import Path

import pytest

from tasks.records import CSV_ROW, JSONL_ROW
from tasks.sources import CsvSource, JsonlSource, detect_columns
from tests.tasks.sources.support import FIXTURES, rows, write

pytestmark = pytest.mark.unit


def test_isot_csv(isot_csv: Path) -> None:
    records = list(CsvSource("isot", isot_csv).read())
    assert len(records) == 1071
    assert not any(r.error for r in records)
    assert records[0].locator == f"{isot_csv}#row=1"
    assert records[-1].locator == f"{isot_csv}#row=1071"
    assert records[0].meta == {
        "columns": {"title": "title", "body": "text", "published_at": "date", "section": "subject"},
        "encoding": "utf-8",
    }
    with isot_csv.open(encoding="utf-8", newline="") as fh:
        expected = list(csv.DictReader(fh))
    assert rows(records) == expected
    assert {r.media_type for r in records} == {CSV_ROW}


def test_csv_explicit_columns_and_multiline_field() -> None:
    columns = {"title": "headline", "body": "body"}
    records = list(CsvSource("rows", FIXTURES / "rows.csv", columns).read())
    assert len(records) == 3
    assert records[0].meta["columns"] == columns
    assert "\n\nOfficials said repairs" in rows(records)[0]["body"]
    detected = list(CsvSource("rows", FIXTURES / "rows.csv").read())[0].meta["columns"]
    assert detected == {
        "title": "headline", "body": "body", "published_at": "pubdate", "url": "link",
        "section": "category", "author": "byline",
    }  # fmt: skip


def test_detect_columns_is_case_blind() -> None:
    assert detect_columns([" Headline ", "ARTICLE", "PubDate", "x"]) == {
        "title": " Headline ",
        "body": "ARTICLE",
        "published_at": "PubDate",
    }


def test_csv_in_latin1(tmp_path: Path) -> None:
    text = "title,text\n" + "".join(
        f"Notícia {n},Ação rápida em São João: votação às {n}h.\n" for n in range(40)
    )
    path = write(tmp_path / "legacy.csv", text, "cp1252")
    records = list(CsvSource("legacy", path).read())
    assert len(records) == 40
    assert records[0].meta["encoding"] == "cp1252"
    assert rows(records)[3] == {
        "title": "Notícia 3",
        "text": "Ação rápida em São João: votação às 3h.",
    }
    czech = write(tmp_path / "cz.csv", "title,text\nZpráva,Vláda schválila rozpočet.\n", "cp1250")
    declared = list(CsvSource("cz", czech, encoding="cp1250").read())
    assert rows(declared) == [{"title": "Zpráva", "text": "Vláda schválila rozpočet."}]
    assert declared[0].meta["encoding"] == "cp1250"


def test_csv_broken_quote_recovers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "broken.csv",
        "title,text,date\n"
        "Good one,Body one,2024-01-01\n"
        'Broken,"Body with an unclosed quote,2024-01-02\n'
        "Good two,Body two,2024-01-03\n"
        "Too,many,fields,here\n"
        "Good three,Body three,2024-01-04\n",
    )
    records = list(CsvSource("broken", path).read())
    assert [r.error is None for r in records] == [True, False, True, False, True]
    assert "malformed CSV row" in (records[1].error or "")
    assert records[1].payload == b'Broken,"Body with an unclosed quote,2024-01-02\n'
    assert records[3].error == "malformed CSV row: 4 fields, header has 3"
    assert [row["title"] for row in rows(records)] == ["Good one", "Good two", "Good three"]
    assert [r.locator.rsplit("=", 1)[1] for r in records] == ["1", "2", "3", "4", "5"]


def test_csv_unclosed_quote_to_end_of_file(tmp_path: Path) -> None:
    path = write(tmp_path / "eof.csv", 'title,text\nBroken,"never closed\nGood,Body\n')
    records = list(CsvSource("eof", path).read())
    assert "unterminated quote" in (records[0].error or "")
    assert rows(records) == [{"title": "Good", "text": "Body"}]


def test_csv_overlong_line_and_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path / "long.csv", "title,text\nHuge," + "y" * 5000 + "\nSmall,Body\n")
    records = list(CsvSource("long", path, max_bytes=1000).read())
    assert "over the cap" in (records[0].error or "")
    assert len(records[0].payload) == 1000
    assert rows(records) == [{"title": "Small", "text": "Body"}]
    empty = list(CsvSource("empty", write(tmp_path / "empty.csv", "")).read())
    assert [r.error for r in empty] == ["empty CSV: no header row"]


def test_csv_streams_row_by_row(tmp_path: Path) -> None:
    row = "A title,A body of about a hundred characters " + "z" * 60 + ",2024-01-01\n"
    path = tmp_path / "large.csv"
    with path.open("w") as fh:
        fh.write("title,text,date\n")
        fh.writelines(row for _ in range(40_000))
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in CsvSource("large", path).read())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40_000
    assert peak < 1_500_000


def test_jsonl() -> None:
    records = list(JsonlSource("rows", FIXTURES / "rows.jsonl").read())
    assert [r.locator.rsplit("=", 1)[1] for r in records] == ["1", "3", "4", "5", "6"]
    assert [r.error is None for r in records] == [True, True, False, False, True]
    assert (records[2].error or "").startswith("invalid JSON")
    assert records[3].error == "not a JSON object: list"
    assert {r.media_type for r in records} == {JSONL_ROW}
    assert json.loads(records[0].payload)["title"] == "Library extends weekend hours"


def test_jsonl_overlong_line(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jsonl", '{"text": "' + "q" * 3000 + '"}\n{"text": "ok"}\n')
    records = list(JsonlSource("x", path, max_bytes=500).read())
    assert "line too large" in (records[0].error or "")
    assert len(records[0].payload) == 500
    assert records[1].error is None
    assert records[1].locator.endswith("#line=2")


def test_csv_rows_of_two_encodings_say_their_own(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"title,text\n"
        + "Café,Un café – utf8\n".encode()
        + "Café,Un café – cp1252\n".encode("cp1252")
    )
    records = list(CsvSource("mixed", path).read())
    assert [r.meta["encoding"] for r in records] == ["utf-8", "cp1252"]
    assert [row["text"] for row in rows(records)] == ["Un café – utf8", "Un café – cp1252"]
