"""Tests for tasks/sources/factory.py: sources from paths, URLs and config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.sources import (
    CsvSource,
    FeedSource,
    FolderSource,
    HtmlFilesSource,
    HttpSource,
    JsonlSource,
    Source,
    TextFilesSource,
    source_from_config,
    source_from_path,
)
from tests.tasks.sources.support import FIXTURES

pytestmark = pytest.mark.unit


def test_source_from_path(isot_csv: Path, tmp_path: Path) -> None:
    csv_source = source_from_path(str(isot_csv))
    assert isinstance(csv_source, CsvSource)
    assert csv_source.name == "true_sample"
    assert isinstance(source_from_path(str(FIXTURES / "rows.jsonl")), JsonlSource)
    assert isinstance(source_from_path(str(FIXTURES / "page.html")), HtmlFilesSource)
    assert isinstance(source_from_path(str(FIXTURES / "feed.atom")), FeedSource)
    assert isinstance(source_from_path(str(FIXTURES / "story.txt")), TextFilesSource)
    folder = source_from_path(str(FIXTURES), name="fx")
    assert isinstance(folder, FolderSource)
    assert folder.name == "fx"
    http = source_from_path("https://example.com/news.rss")
    assert isinstance(http, HttpSource)
    assert http.urls == ["https://example.com/news.rss"]
    with pytest.raises(FileNotFoundError):
        source_from_path(str(tmp_path / "missing.csv"))


def test_source_from_config() -> None:
    spec = {
        "name": "isot", "kind": "csv", "path": "x.csv", "urls": [],
        "columns": {"title": "title", "body": "text"}, "max_bytes": 2048,
    }  # fmt: skip
    source = source_from_config(spec)
    assert isinstance(source, CsvSource)
    assert (source.name, source.columns, source.max_bytes) == ("isot", spec["columns"], 2048)
    http = source_from_config({"name": "w", "kind": "http", "urls": ["http://a/x"], "attempts": 5})
    assert isinstance(http, HttpSource)
    assert http.attempts == 5
    folder = source_from_config({"name": "e", "kind": "folder", "path": "e"})
    assert isinstance(folder, FolderSource)
    files = source_from_config({"name": "b", "kind": "files", "path": "b"})
    assert isinstance(files, TextFilesSource)
    with pytest.raises(ValueError, match="'gopher'"):
        source_from_config({"name": "g", "kind": "gopher", "path": "x"})
    with pytest.raises(ValueError, match="no urls"):
        source_from_config({"name": "h", "kind": "http", "urls": []})


def test_every_class_is_a_source() -> None:
    sources: list[Source] = [
        TextFilesSource("a", "."), CsvSource("a", "x.csv"), JsonlSource("a", "x.jsonl"),
        HtmlFilesSource("a", "."), FeedSource("a", "."), FolderSource("a", "."),
        HttpSource("a", []),
    ]  # fmt: skip
    assert [s.kind for s in sources] == ["files", "csv", "jsonl", "html", "feed", "folder", "http"]
