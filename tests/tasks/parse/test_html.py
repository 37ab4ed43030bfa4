"""Tests for tasks/parse.py: every media type over real corpora and hostile input."""

from __future__ import annotations

import csv
import json
import random
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.parse.records import (
    html_to_text,
    parse_date_value,
    parse_record,
    replace_entities,
    split_title,
    starts_with_dateline,
)
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
from tasks.sources.readers import (
    CsvSource,
    FeedSource,
    FolderSource,
    HtmlFilesSource,
    TextFilesSource,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
NOT_ARTICLES = ("cnn_main_site.html", "yahoo_main_site.html", "google_meta_refresh.html")
NOT_ARTICLES += ("ap_meta_refresh.html",)


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


# ---- text --------------------------------------------------------------------------------------


def test_bbc_all_parse(bbc_dir: Path) -> None:
    docs = [parsed(r) for r in TextFilesSource("bbc", bbc_dir).read()]
    assert len(docs) == 2225
    for doc in docs:
        first_line = doc.raw.payload.split(b"\n", 1)[0].decode(doc.encoding or "utf-8").strip()
        assert doc.title == replace_entities(first_line)
        assert doc.text and not doc.text.startswith(doc.title)
        assert doc.section == doc.raw.meta["folder"]
        assert doc.published_at is None
        assert "&#" not in doc.text and "&lt;" not in doc.text
    sport_199 = next(d for d in docs if d.raw.locator.endswith("sport/199.txt"))
    assert "£" in sport_199.text
    assert sport_199.encoding == "cp1252"
    assert "\ufffd" not in "".join(d.text for d in docs)


def test_title_split_rules() -> None:
    assert split_title("Headline\n\nBody one.\n\nBody two.") == (
        "Headline",
        "Body one.\n\nBody two.",
    )
    assert split_title("Headline\r\n\r\nBody.") == ("Headline", "Body.")
    assert split_title("One line only") == (None, "One line only")
    assert split_title("Line one\nline two\n\nmore") == (None, "Line one\nline two\n\nmore")
    long_first = "x" * 250 + "\n\nrest"
    assert split_title(long_first) == (None, long_first)
    wire = "WASHINGTON (Reuters) - Short lede.\n\nSecond paragraph."
    assert split_title(wire) == (None, wire)


def test_wire_datelines_are_not_titles() -> None:
    assert starts_with_dateline("(Reuters) - A trader said on Tuesday it would close.")
    assert starts_with_dateline("TAMPA, Fla. (Reuters) - The port will get money.")
    assert starts_with_dateline("QAMISHLI, Syria/ERBIL/ANKARA (Reuters) - A convoy crossed.")
    lede = "WASHINGTON - The U.S. Senate voted 61-38 on Wednesday to advance a relief bill."
    assert starts_with_dateline(lede)
    assert starts_with_dateline(
        "SALVADOR, Feb 26 - Picking of the crop began slowly this year in the state."
    )
    assert not starts_with_dateline("Port wins $1.2 billion federal grant for storm-proof terminal")
    assert not starts_with_dateline("UK - what next")


def test_text_fixtures() -> None:
    story = parsed(record((FIXTURES / "story.txt").read_bytes(), folder="local"))
    assert story.title == "Harbour council approves night ferry trial"
    assert story.text.startswith("OSTERVIK (Reuters) - ")
    assert story.section == "local"
    bare = parsed(record((FIXTURES / "bare_wire.txt").read_bytes(), folder=""))
    assert bare.title is None
    assert bare.text.startswith("(Reuters) - Fictional grain trader")
    assert bare.section is None
    entities = parsed(record((FIXTURES / "entities.txt").read_bytes()))
    assert entities.title == "Café chain lifts prices & cuts hours"
    assert "by £1 <per cup>" in entities.text
    assert "AT&T-style bundles &amp more" in entities.text  # no semicolon: left alone


def test_replace_entities() -> None:
    assert (
        replace_entities("Caf&#233; &#xE9; &#163;5 &lt;b&gt; &quot;q&quot;") == 'Café é £5 <b> "q"'
    )
    assert replace_entities("&#0; &#xD800; &nbsp &copy;") == "&#0; &#xD800; &nbsp &copy;"


def test_text_rejections() -> None:
    assert rejected(record(b"")).reason == "empty body"
    assert rejected(record(b" \n\t \n")).reason == "empty body"
    assert rejected(record(random.Random(1).randbytes(2000))).reason == "binary file"


def record_with_error(error: str) -> RawRecord:
    return RawRecord("t", "files", "mem", b"", TEXT, datetime.now(UTC), {}, error)


def test_read_errors_pass_through() -> None:
    rejection = rejected(record_with_error("binary file"))
    assert (rejection.reason, rejection.stage) == ("binary file", "read")


# ---- rows --------------------------------------------------------------------------------------


def test_isot_all_parse_with_csv_dates(isot_csv: Path) -> None:
    records = list(CsvSource("isot", isot_csv).read())
    started = time.perf_counter()
    docs = [parsed(r) for r in records]
    rate = len(docs) / (time.perf_counter() - started)
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
    assert rate > 1000, f"{rate:.0f} rows/s"


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


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("October 6, 2017 ", datetime(2017, 10, 6, tzinfo=UTC), "day"),
        ("Dec 31, 2016", datetime(2016, 12, 31, tzinfo=UTC), "day"),
        ("2017-10-06", datetime(2017, 10, 6, tzinfo=UTC), "day"),
        ("2017-10-06T12:30:00+02:00", datetime(2017, 10, 6, 10, 30, tzinfo=UTC), "second"),
        ("2017-10-06T12:30:00Z", datetime(2017, 10, 6, 12, 30, tzinfo=UTC), "second"),
        ("2017-10-06 12:30:00", datetime(2017, 10, 6, 12, 30, tzinfo=UTC), "second"),
        ("1987", datetime(1987, 1, 1, tzinfo=UTC), "year"),
        (1987, datetime(1987, 1, 1, tzinfo=UTC), "year"),
        ("Mon, 02 Jan 2017 10:00:00 EST", datetime(2017, 1, 2, 15, 0, tzinfo=UTC), "second"),
        (
            "Seg, 24 Set 2018 19:42:40 -0300",
            datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC),
            "second",
        ),
    ],
)
def test_parse_date_value(value: object, expected: datetime, precision: str) -> None:
    assert parse_date_value(value) == (expected, precision)


@pytest.mark.parametrize(
    "value", ["", "  ", "soon", "2019-02-30", "2019-13-01T00:00:00", None, True]
)
def test_parse_date_value_rejects(value: object) -> None:
    assert parse_date_value(value) is None


# ---- feeds -------------------------------------------------------------------------------------


def test_feeds_all_parse(feeds_dir: Path) -> None:
    docs = [parsed(r) for r in FeedSource("feeds", feeds_dir).read()]
    assert len(docs) == 194
    for doc in docs:
        assert doc.title and doc.text and doc.url
        assert "<p>" not in doc.text and "&lt;" not in doc.text
        assert doc.published_at is not None and doc.published_at.tzinfo is UTC
        assert (doc.published_at_source, doc.published_at_precision) == ("feed", "second")


def test_uol_portuguese(feeds_dir: Path) -> None:
    docs = [parsed(r) for r in FeedSource("uol", feeds_dir / "uolNoticias.rss").read()]
    assert len(docs) == 15
    assert (
        docs[0].title
        == "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno"
    )
    blob = " ".join(f"{d.title} {d.text}" for d in docs)
    assert all(ch in blob for ch in "çãéíó")
    assert "\ufffd" not in blob and "Ã" not in blob
    assert docs[0].published_at == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert all(d.published_at and d.published_at.date().isoformat() == "2018-09-24" for d in docs)


def test_encoding_rss_dates(feeds_dir: Path) -> None:
    docs = [parsed(r) for r in FeedSource("jn", feeds_dir / "encoding.rss").read()]
    assert len(docs) == 40
    assert all(
        d.published_at and d.published_at.date() == datetime(2018, 1, 3).date() for d in docs
    )
    assert (docs[0].language, docs[0].encoding) == ("pt", "iso-8859-1")
    assert docs[0].title == "Mãe de utente é a nova presidente da Raríssimas"


def test_feed_fixture_items() -> None:
    ferry, cafe, title_only = (parsed(r) for r in FeedSource("f", FIXTURES / "feed.rss").read())
    assert ferry.text == (
        "OSTERVIK (Reuters) - A ferry operator added winter sailings.\n\n"
        "It said demand had doubled."
    )
    assert ferry.extra["tags"] == ["Transport", "Islands"]
    assert (ferry.author, ferry.language) == ("Nils Amberg", "en")
    assert ferry.published_at == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)
    assert cafe.title == "Café owners & bakers meet"
    assert title_only.text == "Title only item"
    (atom,) = (parsed(r) for r in FeedSource("a", FIXTURES / "feed.atom").read())
    assert atom.text == (
        "BRUCHFELD - Die Stadtwerke senken die Preise.\n\n"
        "Ab April gilt der neue Tarif für Strom und Gas."
    )
    assert (atom.language, atom.author) == ("de", "Greta Vogt")
    assert atom.published_at == datetime(2024, 3, 5, 7, 0, tzinfo=UTC)


def test_feed_item_without_title_or_text() -> None:
    item = {"title": None, "summary": "", "content": [], "feed": {}}
    assert rejected(record(json.dumps(item).encode(), FEED_ITEM)).reason == "empty body"


def test_html_to_text() -> None:
    markup = (
        "<div><p>First <b>bold</b>\n line.</p><script>x()</script><p>Second<br>line</p></div>tail"
    )
    assert html_to_text(markup) == "First bold line.\n\nSecond\nline\n\ntail"
    assert html_to_text("&lt;p&gt;escaped&lt;/p&gt;") == "<p>escaped</p>"
    assert html_to_text("Plain text\n\nkept") == "Plain text\n\nkept"
    assert html_to_text("") == ""


# ---- html --------------------------------------------------------------------------------------


def test_html_pages(html_dir: Path) -> None:
    records = list(HtmlFilesSource("pages", html_dir).read())
    started = time.perf_counter()
    results = {Path(r.locator).name: parse_record(r) for r in records}
    elapsed = time.perf_counter() - started
    docs = {name: doc for name, doc in results.items() if isinstance(doc, ParsedDoc)}
    assert len(results) == 157
    assert len(docs) == 152
    assert all(len(doc.text) >= 150 for doc in docs.values())
    assert set(results) - set(docs) == {
        "google_meta_refresh.html",  # a redirect
        "readwrite.com1.html",  # body loaded by JavaScript
        "pixable.com1.html",  # "JavaScript is disabled"
        "pixable.com2.html",
        "fool.com2.html",  # "Forbidden"
    }
    for name in NOT_ARTICLES:
        assert isinstance(results[name], ParsedDoc | Rejection)
    reuters = docs["reuters.com1.html"]
    assert reuters.title == "Sensex ends flat; weaker Asian markets offset reform hopes"
    assert "(Reuters)" in reuters.text
    assert (
        reuters.published_at is not None and reuters.published_at.date().isoformat() == "2014-12-30"
    )
    dated = [d for d in docs.values() if d.published_at is not None]
    assert len(dated) >= 140
    assert all(d.published_at and d.published_at.tzinfo is UTC for d in dated)
    assert docs["arabic_article.html"].language == "ar"
    assert elapsed / len(records) < 0.2


def test_html_fixture_page() -> None:
    page = parsed(record((FIXTURES / "page.html").read_bytes(), HTML))
    assert page.title == "Orchards expect record apple harvest"
    assert page.text.startswith("VALDORA (Reuters) - Fruit growers")
    assert "\n\nThe association estimated" in page.text
    assert "tracking" not in page.text and "Home" not in page.text
    assert (page.author, page.url, page.language) == (
        "Pia Hallen",
        "https://example.com/d/orchards",
        "en",
    )
    assert page.published_at == datetime(2024, 9, 14, 4, 30, tzinfo=UTC)
    assert (page.published_at_source, page.published_at_precision) == ("html_meta", "second")


def test_html_latin1_declared_and_url_date() -> None:
    body = (
        "<p>" + "Ação rápida na câmara municipal, disse o presidente da associação. " * 5 + "</p>"
    )
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Câmara aprova</title></head>'
        f"<body><article><h1>Câmara aprova</h1>{body}</article></body></html>"
    ).encode("latin-1")
    doc = parsed(record(page, HTML, url="https://example.com/2023/05/17/camara"))
    assert "Ação rápida" in doc.text
    assert doc.encoding == "cp1252"
    assert (doc.published_at, doc.published_at_source) == (datetime(2023, 5, 17, tzinfo=UTC), "url")


@pytest.mark.parametrize(
    "page",
    [
        b"<html><head><script>var a = 1;</script><script>track()</script></head></html>",
        b'<html><head><meta http-equiv="refresh" content="0;url=https://example.com/"></head></html>',
        b"\x00\x01\x02<html>\x00",
        b"",
    ],
)
def test_html_without_article_is_rejected(page: bytes) -> None:
    assert isinstance(parse_record(record(page, HTML)), Rejection)


@pytest.mark.parametrize("page", [b"<html><body><p>unclosed <div><span>", b"not html at all"])
def test_broken_html_does_not_raise(page: bytes) -> None:
    assert isinstance(parse_record(record(page, HTML)), ParsedDoc | Rejection)


# ---- robustness --------------------------------------------------------------------------------


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
            assert isinstance(result, ParsedDoc | Rejection)
            if isinstance(result, Rejection):
                assert result.reason


def test_hostile_folder(tmp_path: Path) -> None:
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
