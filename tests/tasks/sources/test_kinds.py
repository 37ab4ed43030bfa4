"""Tests for tasks/sources/kinds.py: the one suffix table and the views derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.sources import (
    FILE_SOURCES,
    FILE_SUFFIXES,
    KIND_ALIASES,
    SOURCE_CLASSES,
    kind_of_path,
    kind_of_suffix,
)
from tests.tasks.sources.support import FIXTURES, write

pytestmark = pytest.mark.unit


def test_every_file_kind_has_one_reader() -> None:
    assert set(FILE_SOURCES) == set(FILE_SUFFIXES)
    assert all(cls.kind == kind for kind, cls in FILE_SOURCES.items())
    assert set(KIND_ALIASES.values()) <= set(SOURCE_CLASSES)
    suffixes = [s for group in FILE_SUFFIXES.values() for s in group]
    assert len(suffixes) == len(set(suffixes))


def test_kind_of_suffix_is_case_blind() -> None:
    assert kind_of_suffix(".CSV") == "csv"
    assert kind_of_suffix(".ndjson") == "jsonl"
    assert kind_of_suffix(".xml") == "feed"
    assert kind_of_suffix(".md") is None
    assert kind_of_suffix("") is None


def test_kind_of_path(tmp_path: Path) -> None:
    assert kind_of_path(FIXTURES) == "folder"
    assert kind_of_path(FIXTURES / "rows.csv") == "csv"
    assert kind_of_path(FIXTURES / "page.html") == "html"
    assert kind_of_path(FIXTURES / "story.txt") == "files"
    assert kind_of_path(write(tmp_path / "notes", "no extension")) == "folder"
