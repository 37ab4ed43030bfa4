"""Tests for tasks/sources/folder.py: a mixed folder routed by suffix."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tasks.records import CSV_ROW, FEED_ITEM, HTML, JSONL_ROW, TEXT, UNKNOWN
from tasks.sources import FolderSource
from tests.tasks.sources.support import FIXTURES, write

pytestmark = pytest.mark.unit


def test_folder_dispatches_by_extension(tmp_path: Path) -> None:
    for name in ("story.txt", "rows.csv", "rows.jsonl", "page.html", "feed.atom"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    write(tmp_path / "notes", "An extensionless story\n\nWith a body.")
    (tmp_path / "blob.dat").write_bytes(bytes(range(256)) * 4)
    write(tmp_path / "README.md", "describes the folder")
    records = list(FolderSource("mixed", tmp_path).read())
    kinds = Counter(r.media_type for r in records)
    assert kinds == {TEXT: 2, CSV_ROW: 3, JSONL_ROW: 5, HTML: 1, FEED_ITEM: 1, UNKNOWN: 1}
    assert {r.source_kind for r in records} == {"files", "csv", "jsonl", "html", "feed", "folder"}
    blob = next(r for r in records if r.media_type == UNKNOWN)
    assert blob.error == "binary file"
    assert not any("README" in r.locator for r in records)
