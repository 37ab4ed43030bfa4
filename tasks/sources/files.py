"""Files on disk: walking a folder, telling changed files apart, and the file-based sources."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from tasks.records import HTML, TEXT, UNKNOWN, RawRecord
from tasks.sources.base import DEFAULT_MAX_BYTES, Checkpoint, Reader
from tasks.sources.kinds import FILE_SUFFIXES

# documentation that sits beside the data in a folder, never an article
SKIPPED_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "source"}
)
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)


def _skipped(name: str) -> bool:
    return name.startswith(".") or Path(name).stem.lower() in SKIPPED_STEMS


def walk_files(root: Path, suffixes: tuple[str, ...] | None) -> Iterator[tuple[Path, str]]:
    """Yield (file, its folder relative to root) in sorted path order; a file root yields itself."""
    if root.is_file():
        yield root, ""
        return
    yield from _walk(root, "", suffixes)


def _walk(
    folder: Path, relative: str, suffixes: tuple[str, ...] | None
) -> Iterator[tuple[Path, str]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        yield folder, relative  # reading it then fails and becomes an error record
        return
    for entry in entries:
        if _skipped(entry.name):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, f"{relative}/{entry.name}" if relative else entry.name, suffixes)
        elif entry.is_file() and (suffixes is None or path.suffix.lower() in suffixes):
            yield path, relative


def file_stamp(path: Path) -> str | None:
    """Return a file's size and modification time as "size:mtime_ns", None if unreadable."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def file_hash(path: Path) -> str:
    """Return a short SHA-256 of a file's bytes, read in chunks ("" when unreadable)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()[:16]


def unchanged(path: Path, stamp: str, previous: str | None) -> bool:
    """Return whether a file matches its state from an earlier read (same stamp, or same bytes)."""
    if previous is None:
        return False
    if previous.rsplit(":", 1)[0] == stamp:
        return True
    return (
        stamp.split(":")[0] == previous.split(":")[0]
        and file_hash(path) == previous.rsplit(":", 1)[1]
    )


class FileSource(Reader):
    """A file or folder of files of one kind; the kind's suffixes pick the files in a folder."""

    kind = "files"

    def __init__(
        self, name: str, path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._read: Checkpoint = {}

    @property
    def suffixes(self) -> tuple[str, ...] | None:
        """Return the extensions this source reads in a folder; None reads every file."""
        return FILE_SUFFIXES.get(self.kind)

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]:
        """Yield the records of every file not read before (by size, mtime, hash), in path order."""
        if not self.path.exists():
            yield self.record(str(self.path), b"", UNKNOWN, error="source path not found")
            return
        since = since or {}
        for path, folder in walk_files(self.path, self.suffixes):
            key, stamp = f"file {path}", file_stamp(path)
            if stamp is not None and unchanged(path, stamp, since.get(key)):
                continue
            yield from self.read_file(path, folder)
            if stamp is not None:
                self._read[key] = f"{stamp}:{file_hash(path)}"

    def checkpoint(self) -> Checkpoint:
        """Return the files read so far: path -> size:mtime:hash."""
        return dict(self._read)

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield the records of one file found in `folder` (relative to the source path)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {str(self.path)!r})"


class TextFilesSource(FileSource):
    """Plain-text stories, one per `*.txt` file."""

    kind = "files"

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield the one record of a text file, its folder in the meta."""
        data, error = self.load(path)
        yield self.record(str(path), data, TEXT, {"folder": folder}, error)


class HtmlFilesSource(FileSource):
    """Saved HTML pages, one per `*.html`/`*.htm` file."""

    kind = "html"

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield the one record of a saved page, with the URL a "saved from" comment names."""
        data, error = self.load(path)
        saved = _SAVED_FROM.search(data[:4096])
        meta = {"url": saved.group(1).decode("ascii", "replace")} if saved else {}
        yield self.record(str(path), data, HTML, meta, error)
