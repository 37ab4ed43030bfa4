"""Tests for tasks/sources/feeds.py: RSS/Atom/RDF items and feed sniffing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tasks.sources import FeedSource, looks_like_feed
from tests.tasks.sources.support import FIXTURES, write

pytestmark = pytest.mark.unit


FEED_COUNTS = {"encoding.rss": 40, "guardian.rss": 55, "heise.atom": 15, "rss-1.rss": 69}


FEED_COUNTS |= {"uolNoticias.rss": 15}


def test_feeds(feeds_dir: Path) -> None:
    records = list(FeedSource("feeds", feeds_dir).read())
    assert len(records) == 194
    assert not any(r.error for r in records)
    per_file = Counter(Path(r.locator.split("#")[0]).name for r in records)
    assert per_file == FEED_COUNTS
    items = [json.loads(r.payload) for r in records]
    assert set(items[0]) == {
        "title", "link", "id", "summary", "content", "published", "published_parsed",
        "updated", "updated_parsed", "author", "tags", "feed",
    }  # fmt: skip
    assert all(item["title"] and item["link"] for item in items)


def test_uol_feed_latin1_without_declaration(feeds_dir: Path) -> None:
    records = list(FeedSource("uol", feeds_dir / "uolNoticias.rss").read())
    assert len(records) == 15
    items = [json.loads(r.payload) for r in records]
    titles = " ".join(item["title"] for item in items)
    assert "simulações" in titles
    assert "\ufffd" not in titles and "Ã" not in titles
    assert items[0]["published"] == "Seg, 24 Set 2018 19:42:40 -0300"
    assert items[0]["feed"]["title"] == "UOL Noticias"
    # feedparser names it windows-1252, or ISO-8859-1 when chardet is installed beside it
    assert records[0].meta["encoding"].lower() in {"windows-1252", "iso-8859-1"}


def test_feed_fixture_fields() -> None:
    records = list(FeedSource("wire", FIXTURES / "feed.rss").read())
    assert [r.locator.rsplit("#", 1)[1] for r in records] == ["item=1", "item=2", "item=3"]
    item = json.loads(records[0].payload)
    assert item["published_parsed"] == "2024-03-04T09:15:00+00:00"
    assert item["tags"] == ["Transport", "Islands"]
    assert item["author"] == "Nils Amberg"
    assert item["feed"] == {
        "title": "Invented Wire",
        "link": "https://example.com/",
        "language": "en-GB",
    }
    assert "<p>" in item["summary"]
    assert json.loads(records[1].payload)["title"] == "Café owners & bakers meet"


def test_not_a_feed_is_one_error_record(tmp_path: Path) -> None:
    fake = write(tmp_path / "fake.rss", "This is a note, not XML at all.\n")
    records = list(FeedSource("fake", fake).read())
    assert len(records) == 1
    assert (records[0].error or "").startswith("not a feed: ")
    assert records[0].payload == fake.read_bytes()
    html = write(tmp_path / "page.xml", "<html><body><p>hello</p></body></html>")
    assert (list(FeedSource("x", html).read())[0].error or "").startswith("not a feed")


def test_looks_like_feed() -> None:
    assert looks_like_feed(b'<?xml version="1.0"?><rss version="2.0">')
    assert looks_like_feed(b"<feed xmlns='http://www.w3.org/2005/Atom'>")
    assert looks_like_feed(b"<rdf:RDF xmlns:rdf='x'>")
    assert looks_like_feed(b"{}", "application/rss+xml; charset=utf-8")
    assert not looks_like_feed(b"<html><body><div class='feed'>x</div></body></html>")
    assert not looks_like_feed(b"<html><head></head><body><feed>", "text/html")
