"""Tests for tasks/parse/feeds.py: RSS/Atom items over real feeds and fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.records import FEED_ITEM
from tasks.sources import FeedSource
from tests.tasks.parse.support import FIXTURES, parsed, record, rejected

pytestmark = pytest.mark.unit


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
