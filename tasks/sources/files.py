"""Files on disk: walking a folder, telling changed files apart, and the file-based sources."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path

from tasks.records import HTML, TEXT, UNKNOWN, RawRecord
from tasks.sources.base import DEFAULT_MAX_BYTES, Checkpoint, Reader
from tasks.sources.kinds import FILE_SUFFIXES

# documentation that sits beside the data in a folder, never an article
SKIPPED_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "source"}
)
# a checkpoint value that marks an entry which could not be read, rather than its size:mtime:hash
FAILED = "failed:"
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)


def _skipped(name: str) -> bool:
    return name.startswith(".") or Path(name).stem.lower() in SKIPPED_STEMS


def display_path(path: Path) -> str:
    """Return a path as valid text: bytes that are not UTF-8 shown as `\\xff` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def name_problem(path: Path) -> str | None:
    """Return why a path cannot be a locator (a name that is not UTF-8), or None."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8 (rename the file)"
    return None


def walk_files(
    root: Path, suffixes: tuple[str, ...] | None
) -> Iterator[tuple[Path, str, str | None]]:
    """Yield (file, its folder relative to root, why it cannot be read or None) in path order.

    A file root yields itself. A folder that cannot be listed, a name that is not UTF-8 and a
    symlink that loops or points nowhere are yielded once with the reason, so the walk goes on.
    """
    if root.is_file():
        yield root, "", name_problem(root)
        return
    yield from _walk(root, "", suffixes)


def _walk(
    folder: Path, relative: str, suffixes: tuple[str, ...] | None
) -> Iterator[tuple[Path, str, str | None]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        yield folder, relative, f"unreadable folder: {_why(exc)}"
        return
    for entry in entries:
        if _skipped(entry.name):
            continue
        path = Path(entry.path)
        wanted = suffixes is None or path.suffix.lower() in suffixes
        problem = name_problem(path)
        try:  # symlinked folders are not followed: no loops
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file()
        except OSError as exc:  # a symlink loop, or an entry that cannot be looked at
            is_dir, is_file, problem = False, True, problem or f"unreadable file: {_why(exc)}"
        if is_dir:
            inner = f"{relative}/{entry.name}" if relative else entry.name
            if problem:
                yield path, relative, problem
            else:
                yield from _walk(path, inner, suffixes)
            continue
        if not is_file and entry.is_symlink() and not os.path.exists(path):
            is_file, problem = True, problem or "broken symlink: its target does not exist"
        if is_file and wanted:
            yield path, relative, problem


def _why(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "it vanished before it could be read"
    return exc.strerror or str(exc)


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
    if previous is None or previous.startswith(FAILED):
        return False
    if previous.rsplit(":", 1)[0] == stamp:
        return True
    return (
        stamp.split(":")[0] == previous.split(":")[0]
        and file_hash(path) == previous.rsplit(":", 1)[1]
    )


def failure_stamp(path: Path) -> str | None:
    """Return the state kept for an entry that could not be read, None when it is gone."""
    # size, mtime and ctime of the entry itself (not a symlink's target): a chmod, a new link or
    # new bytes change it, so a broken file is tried again once it changes, not on every run
    try:
        stat = path.lstat()
    except OSError:
        return None
    return f"{FAILED}{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


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
        """Yield the records of every file not read before (by size, mtime, hash), in path order.

        An entry that cannot be read (a name that is not UTF-8, a symlink loop, a file that
        vanishes or turns unreadable mid-run) is one error record, and the walk goes on.
        """
        if not self.path.exists():
            yield self.record(str(self.path), b"", UNKNOWN, error="source path not found")
            return
        since = since or {}
        for path, folder, problem in walk_files(self.path, self.suffixes):
            key = f"file {display_path(path)}"
            previous = since.get(key)
            if previous is not None and previous == failure_stamp(path):
                continue
            if problem is None:
                problem = yield from self._read_one(path, folder, key, previous)
            if problem is not None:
                yield self.record(display_path(path), b"", UNKNOWN, {"folder": folder}, problem)
                if failed := failure_stamp(path):
                    self._read[key] = failed

    def _read_one(
        self, path: Path, folder: str, key: str, previous: str | None
    ) -> Generator[RawRecord, None, str | None]:
        """Yield a changed file's records and keep its state; return why it failed, or None."""
        stamp = file_stamp(path)
        if stamp is not None and unchanged(path, stamp, previous):
            return None
        try:
            yield from self.read_file(path, folder)
        except OSError as exc:
            return f"unreadable file: {_why(exc)}"
        if stamp is not None and file_stamp(path) == stamp:  # not changed while it was read
            self._read[key] = f"{stamp}:{file_hash(path)}"
        return None

    def checkpoint(self) -> Checkpoint:
        """Return the files read so far: path -> size:mtime:hash (or a failure stamp)."""
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
