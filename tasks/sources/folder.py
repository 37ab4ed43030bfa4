"""A mixed folder: each file goes to the reader its suffix names; the rest are sniffed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tasks.records import TEXT, UNKNOWN, RawRecord
from tasks.sources.decode import is_binary
from tasks.sources.feeds import FeedSource
from tasks.sources.files import FileSource, HtmlFilesSource, TextFilesSource
from tasks.sources.kinds import kind_of_suffix
from tasks.sources.rows import CsvSource, JsonlSource

# the reader of each file kind in tasks.sources.kinds.FILE_SUFFIXES
FILE_SOURCES: dict[str, type[FileSource]] = {
    cls.kind: cls for cls in (TextFilesSource, CsvSource, JsonlSource, HtmlFilesSource, FeedSource)
}


class FolderSource(FileSource):
    """A mixed folder: each file goes to the reader its extension names; others are sniffed."""

    kind = "folder"

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield a file's records from its kind's reader (labelled with that kind), or sniff it."""
        kind = kind_of_suffix(path.suffix)
        if kind is not None:
            return self._reader(kind).read_file(path, folder)
        return self._sniffed_records(path, folder)

    def _reader(self, kind: str) -> FileSource:
        return FILE_SOURCES[kind](self.name, self.path, max_bytes=self.max_bytes)

    def _sniffed_records(self, path: Path, folder: str) -> Iterator[RawRecord]:
        data, error = self.load(path)
        if error is None and is_binary(data):
            yield self.record(str(path), data, UNKNOWN, {"folder": folder}, "binary file")
            return
        yield self._reader("files").record(str(path), data, TEXT, {"folder": folder}, error)
