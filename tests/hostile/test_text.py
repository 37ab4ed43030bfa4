"""Hostile text: NUL bytes and lone surrogates in every field, files of two encodings, binaries."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from tasks import lake
from tasks.sources import FolderSource
from tests.hostile.test_files import ingest

pytestmark = pytest.mark.integration

TABLES = ("raw_documents", "articles", "article_fingerprints", "rejected", "source_state")
BODY = "The harbour master said the quay would reopen on Monday after repairs to the cranes."


def unsafe_strings(value: Any) -> list[str]:
    """Return every string inside a row value that holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        bad = "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value)
        return [value] if bad else []
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in unsafe_strings(k) + unsafe_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in unsafe_strings(v)]
    return []  # numbers, times, and payload bytes (kept as received)


def lake_rows(con: Any) -> dict[str, list[dict[str, Any]]]:
    """Return every row of the batch tables, read back from the lake."""
    return {t: con.execute(f"select * from {t}").to_arrow_table().to_pylist() for t in TABLES}


FEED_HEAD = '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
FEED_TAIL = "</channel></rss>"


def item(title: str, description: str) -> str:
    """Return one RSS item."""
    link = f"<link>https://example.com/{abs(hash(title))}</link>"
    return f"<item><title>{title}</title><description>{description}</description>{link}</item>"


def test_nul_bytes_and_lone_surrogates_never_reach_a_table(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    filler = f"{BODY}\n\n" * 120  # past the 8 KB a binary sniff reads
    (folder / "tail.txt").write_text(f"Quay reopens\n\n{filler}A NUL\x00 deep in the body.\n")
    (folder / "head.txt").write_text("Quay\x00 reopens\n\nA NUL in the title line.\n")
    rows = [f"Row {n},{BODY} ({n}),Ann Lee,https://example.com/r{n},Ports,note" for n in range(100)]
    rows[50] = (
        "Ro\x00w,Bo\x00dy of the NUL row.,Ann\x00 Lee,https://example.com/\x00r,Po\x00rts,n\x00"
    )
    (folder / "rows.csv").write_text("title,text,author,url,section,no\x00te\n" + "\n".join(rows))
    line = {
        "title": "T\x00",
        "text": "Lone \ud800 and NUL \x00 here.",
        "by\x00": ["x\x00", "\udfff"],
    }
    (folder / "rows.jsonl").write_text(json.dumps(line) + "\n")  # escapes: \u0000, \ud800
    (folder / "feed.rss").write_text(
        FEED_HEAD + item("It&#0;em", f"Feed &#0; body. {BODY}") + FEED_TAIL
    )
    (folder / "page.html").write_text(
        f"<html><head><title>Pa\x00ge</title></head><body><article><p>{BODY} \x00{BODY}</p>"
        f"<p>{BODY}</p></article></body></html>"
    )
    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:
        result = ingest(con, FolderSource("hostile", folder), "nul")
        stored = lake_rows(con)
    finally:
        con.close()

    assert {t: [s for row in rows for s in unsafe_strings(row)] for t, rows in stored.items()} == {
        t: [] for t in TABLES
    }
    rejected = {Path(r["locator"]).name: r["reason"] for r in stored["rejected"]}
    assert rejected == {"head.txt": "binary file"}  # a NUL in the first 8 KB: binary, one rejection
    assert result.counts["articles_new"] == len(stored["articles"]) == 1 + 100 + 1 + 1 + 1
    by_title = {a["title"]: a for a in stored["articles"]}
    assert by_title["Row"]["body"] == "Body of the NUL row."
    assert (by_title["Row"]["author"], by_title["Row"]["section"]) == ("Ann Lee", "Ports")
    assert by_title["Row"]["url"] == "https://example.com/r"
    assert json.loads(by_title["Row"]["extra"])["note"] == "n"
    assert by_title["T"]["body"] == "Lone \ufffd and NUL  here."
    assert json.loads(by_title["T"]["extra"])["by"] == ["x", "\ufffd"]
    assert by_title["Item"]["body"].startswith("Feed  body.")
    assert by_title["Quay reopens"]["body"].endswith("A NUL deep in the body.")


def test_files_of_two_encodings_are_decoded_row_by_row(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()

    def row(name: str, encoding: str, words: int = 4) -> bytes:
        body = " ".join(random.Random(name).choices(BODY.split(), k=words))
        return f"Café {name},Un café naïve – {name}: {body}\n".encode(encoding)

    # UTF-8 past the 64 KB the file-level guess reads, then cp1252 rows; and the other way round
    utf8_first = [row("A0", "utf-8", 12_000)] + [row(f"A{n}", "utf-8") for n in range(1, 5)]
    utf8_first += [row(f"A{n}", "cp1252") for n in range(5, 10)]
    cp1252_first = [row(f"B{n}", "cp1252" if n < 5 else "utf-8") for n in range(10)]
    (folder / "utf8_first.csv").write_bytes(b"title,text\n" + b"".join(utf8_first))
    (folder / "cp1252_first.csv").write_bytes(b"title,text\n" + b"".join(cp1252_first))
    jsonl = [{"title": f"Café J{n}", "text": f"Un café {n}: {BODY}"} for n in range(4)]
    (folder / "mixed.jsonl").write_bytes(
        b"\n".join(
            json.dumps(j, ensure_ascii=False).encode("utf-8" if n % 2 else "cp1252")
            for n, j in enumerate(jsonl)
        )
    )
    (folder / "mixed.rss").write_bytes(
        (FEED_HEAD + item("Café F0", f"Un café F0: {BODY}")).encode()
        + (item("Café F1", f"Un café F1: {BODY}") + FEED_TAIL).encode("cp1252")
    )
    (folder / "mixed.txt").write_bytes(
        "Café T\n\nUn café – ".encode() + f"naïve {BODY}".encode("cp1252")
    )
    noise = random.Random(11).randbytes(100_000)
    for name in ("noise.csv", "noise.jsonl", "noise.rss"):
        (folder / name).write_bytes(noise)

    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:
        ingest(con, FolderSource("mixed", folder), "mixed")
        stored = lake_rows(con)
    finally:
        con.close()

    rejected = sorted((Path(r["locator"]).name, r["reason"]) for r in stored["rejected"])
    assert rejected == [(name, "binary file") for name in ("noise.csv", "noise.jsonl", "noise.rss")]
    titles = sorted(a["title"] for a in stored["articles"])
    expected = [f"Café {ab}{n}" for ab in "AB" for n in range(10)]
    expected += [f"Café J{n}" for n in range(4)] + ["Café F0", "Café F1", "Café T"]
    assert titles == sorted(expected)
    for article in stored["articles"]:
        assert "café" in article["body"]
        assert "Ã" not in article["body"] + article["title"]
        assert "\ufffd" not in article["body"] + article["title"]
    encodings = {json.loads(r["meta"] or "{}").get("encoding") for r in stored["raw_documents"]}
    assert {"utf-8", "cp1252"} <= encodings
