"""Tests for tasks/sources/files.py: text and HTML files, walking, re-reads."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from tasks.records import HTML, TEXT
from tasks.sources import FolderSource, HtmlFilesSource, TextFilesSource, walk_files
from tasks.sources.files import display_path
from tests.tasks.sources.support import FIXTURES, write

pytestmark = pytest.mark.unit


def test_bbc_text_files(bbc_dir: Path) -> None:
    source = TextFilesSource("bbc", bbc_dir)
    records = list(source.read())
    assert len(records) == 2225
    assert not any(r.error for r in records)
    assert not any(Path(r.locator).name.lower() == "readme.txt" for r in records)
    assert Counter(r.meta["folder"] for r in records) == {
        "business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401,
    }  # fmt: skip
    assert [r.locator for r in records] == sorted(r.locator for r in records)
    first = records[0]
    assert (first.source, first.source_kind, first.media_type) == ("bbc", "files", TEXT)
    assert first.fetched_at.tzinfo is UTC
    assert first.payload == Path(first.locator).read_bytes()
    assert len(source.checkpoint()) == 2225  # every file read, by size, mtime and hash


def test_text_files_single_file_and_subfolders(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    write(tmp_path / "top.txt", "Top\n\nStory.")
    write(tmp_path / "a" / "b" / "deep.txt", "Deep\n\nStory.")
    write(tmp_path / "a" / "notes.md", "not a txt")
    write(tmp_path / "README.txt", "about this folder")
    write(tmp_path / ".hidden.txt", "editor swap")
    records = list(TextFilesSource("t", tmp_path).read())
    assert [(Path(r.locator).name, r.meta["folder"]) for r in records] == [
        ("deep.txt", "a/b"),
        ("top.txt", ""),
    ]
    single = list(TextFilesSource("t", tmp_path / "top.txt").read())
    assert [r.meta["folder"] for r in single] == [""]
    missing = list(TextFilesSource("t", tmp_path / "nope").read())
    assert len(missing) == 1
    assert missing[0].error == "source path not found"


def test_size_cap_and_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "big.txt", "x" * 5000)
    write(tmp_path / "small.txt", "Small\n\nStory.")
    write(tmp_path / "locked.txt", "Locked")
    real_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    source = TextFilesSource("t", tmp_path, max_bytes=1000)
    records = {Path(r.locator).name: r for r in source.read()}
    assert records["big.txt"].error == "file too large: 5000 bytes > cap 1000"
    assert len(records["big.txt"].payload) == 1000
    assert records["small.txt"].error is None
    assert "unreadable file" in (records["locked.txt"].error or "")


def test_html_files(html_dir: Path) -> None:
    records = list(HtmlFilesSource("pages", html_dir).read())
    assert len(records) == 157
    assert {r.media_type for r in records} == {HTML}
    assert not any(r.error for r in records)
    saved = list(HtmlFilesSource("pages", FIXTURES / "page.html").read())
    assert saved[0].meta == {"url": "https://example.com/d/orchards"}


def test_files_already_read_are_skipped_until_they_change(tmp_path: Path) -> None:
    story = tmp_path / "a.txt"
    story.write_text("Talks resume\n\nGENEVA (Reuters) - Talks resumed on Monday, officials said.")
    (tmp_path / "b.txt").write_text("Port reopens\n\nVALLETTA (Reuters) - The port reopened.")
    source = FolderSource("wire", tmp_path)
    assert len(list(source.read())) == 2
    state = source.checkpoint()
    assert set(state) == {f"file {story}", f"file {tmp_path / 'b.txt'}"}

    again = FolderSource("wire", tmp_path)
    assert list(again.read(state)) == [] and again.checkpoint() == {}
    os.utime(story, ns=(1, 1))  # touched, same bytes: still skipped
    assert list(FolderSource("wire", tmp_path).read(state)) == []
    story.write_text(story.read_text() + " More.")
    changed = FolderSource("wire", tmp_path)
    assert [r.locator for r in changed.read(state)] == [str(story)]
    assert set(changed.checkpoint()) == {f"file {story}"}


def test_entries_that_fail_are_kept_and_read_again_once_they_change(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Quay reopens\n\nThe quay reopened.")
    os.symlink("nowhere.txt", tmp_path / "b.txt")
    source = TextFilesSource("t", tmp_path)
    records = list(source.read())
    assert [r.error for r in records] == [None, "broken symlink: its target does not exist"]
    state = source.checkpoint()
    assert state[f"file {tmp_path / 'b.txt'}"].startswith("failed:")
    assert list(TextFilesSource("t", tmp_path).read(state)) == []  # unchanged: not retried
    (tmp_path / "b.txt").unlink()
    write(tmp_path / "b.txt", "Cranes return\n\nThe cranes returned.")
    again = list(TextFilesSource("t", tmp_path).read(state))
    assert [(Path(r.locator).name, r.error) for r in again] == [("b.txt", None)]


def test_walk_reports_names_that_are_not_utf8_once(tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/d\xe9p\xeache"
    os.mkdir(bad)
    (Path(os.fsdecode(bad)) / "inside.txt").write_text("x")
    found = [(display_path(p), problem) for p, _, problem in walk_files(tmp_path, (".txt",))]
    assert found == [
        (f"{tmp_path}/d\\xe9p\\xeache", "file name is not valid UTF-8 (rename the file)")
    ]
