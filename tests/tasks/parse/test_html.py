"""Tests for tasks/parse/html.py: the newspaper fixtures and hostile pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.parse import parse_record
from tasks.records import HTML, ParsedDoc, Rejection
from tasks.sources import HtmlFilesSource
from tests.tasks.parse.support import FIXTURES, parsed, record

pytestmark = pytest.mark.unit


NOT_ARTICLES = ("cnn_main_site.html", "yahoo_main_site.html", "google_meta_refresh.html")


NOT_ARTICLES += ("ap_meta_refresh.html",)


def test_html_pages(html_dir: Path) -> None:
    records = list(HtmlFilesSource("pages", html_dir).read())
    results = {Path(r.locator).name: parse_record(r) for r in records}
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
    for name in NOT_ARTICLES:  # parsed or rejected with a reason, never raised
        result = results[name]
        assert result.reason if isinstance(result, Rejection) else result.text.strip()
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
    result = parse_record(record(page, HTML))
    assert result.reason if isinstance(result, Rejection) else result.text.strip()
