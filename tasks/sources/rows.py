"""Row files: CSV and JSONL read as one record per row, streamed with a size cap per row."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, TextIO

from tasks.records import CSV_ROW, JSONL_ROW, UNKNOWN, RawRecord
from tasks.sources.base import DEFAULT_MAX_BYTES
from tasks.sources.decode import (
    SAMPLE_BYTES,
    DecodeError,
    decode_text,
    detect_encoding,
    is_binary,
)
from tasks.sources.files import FileSource

SNIFF_BYTES = 64 * 1024
LEGACY_DEFAULT = "cp1252"
COLUMN_CANDIDATES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("text", "body", "content", "article"),
    "published_at": ("published_at", "published", "date", "pubdate"),
    "url": ("url", "link"),
    "section": ("subject", "category", "section"),
    "author": ("author", "byline"),
}

_ASCII_PROBE = '\r\n,"azAZ09'
# a byte that is not UTF-8, as read with surrogateescape
_ESCAPED = re.compile("[\udc80-\udcff]")

csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def detect_columns(header: Iterable[str]) -> dict[str, str]:
    """Return {field: header} for the headers that name one of our fields."""
    by_name = {h.strip().lower(): h for h in header}
    found: dict[str, str] = {}
    for field_name, candidates in COLUMN_CANDIDATES.items():
        for candidate in candidates:
            if candidate in by_name:
                found[field_name] = by_name[candidate]
                break
    return found


class _TooLong(Exception):
    """A physical line or row over the size cap; carries its head."""

    def __init__(self, head: str, reason: str, whole_row: bool) -> None:
        super().__init__(reason)
        self.head = head
        self.reason = reason
        self.whole_row = whole_row


class _LineFeed:
    """Capped lines from a text stream for csv.reader, remembering each row's raw lines.

    With `per_line`, the stream is UTF-8 read with surrogateescape and a line that is not UTF-8
    is decoded on its own (mixed UTF-8, then `fallback`, then detection), so one guess for the
    whole file never turns the other rows into mojibake.
    """

    def __init__(
        self, stream: TextIO, limit: int, per_line: bool = False, fallback: str = LEGACY_DEFAULT
    ) -> None:
        self.stream = stream
        self.limit = limit
        self.per_line = per_line
        self.fallback = fallback
        self.pending: deque[str] = deque()
        self.taken: list[str] = []
        self.taken_chars = 0
        self.row_encoding: str | None = None

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.pending:
            line = self.pending.popleft()
        else:
            line = self._decoded(self.stream.readline(self.limit + 1))
            if not line:
                raise StopIteration
            if len(line) > self.limit:
                self._skip_line(line)
                raise _TooLong(line[: self.limit], f"line over the cap of {self.limit}", False)
        self.taken.append(line)
        self.taken_chars += len(line)
        if self.taken_chars > self.limit:
            head = "".join(self.taken)[: self.limit]
            raise _TooLong(head, f"row over the cap of {self.limit} (unbalanced quote?)", True)
        return line

    def _decoded(self, line: str) -> str:
        if not self.per_line or line.isascii():
            return line
        encoding = "utf-8"
        if _ESCAPED.search(line):
            data = line.encode("utf-8", "surrogateescape")
            try:
                line, encoding = decode_text(data, self.fallback)
            except DecodeError:
                line, encoding = data.decode(self.fallback, "replace"), self.fallback
        self.row_encoding = self.row_encoding or encoding
        return line

    def _skip_line(self, line: str) -> None:
        while line and not line.endswith(("\n", "\r")):
            line = self.stream.readline(self.limit)

    def start_row(self) -> None:
        self.taken = []
        self.taken_chars = 0
        self.row_encoding = None

    def push_back(self, lines: Iterable[str]) -> None:
        self.pending.extendleft(reversed(list(lines)))


def _ascii_compatible(encoding: str) -> bool:
    """Return whether an encoding writes ASCII (newlines, commas, quotes) as ASCII bytes."""
    try:
        return _ASCII_PROBE.encode(encoding) == _ASCII_PROBE.encode("ascii")
    except (LookupError, UnicodeError):
        return False


def _check_row(
    row: list[str], header: list[str], taken: list[str]
) -> tuple[str, str | None, list[str]]:
    """Return (raw text, error or None, lines to read again) for one parsed CSV row."""
    raw = "".join(taken)
    spans_lines = len(taken) > 1
    if spans_lines and raw.count('"') % 2:
        reason = "malformed CSV row: unterminated quote swallows the lines after it"
        return taken[0], reason, taken[1:]
    if len(row) != len(header):
        reason = f"malformed CSV row: {len(row)} fields, header has {len(header)}"
        if spans_lines:
            return taken[0], f"{reason} (unbalanced quote?)", taken[1:]
        return raw, reason, []
    return raw, None, []


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _json_object_error(line: bytes, declared: str | None = None) -> str | None:
    """Return why a JSONL line is not one JSON object, or None."""
    try:
        text, _ = decode_text(line, declared)
        value = json.loads(text)
    except DecodeError as exc:
        return f"undecodable line: {exc}"
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(value, dict):
        return f"not a JSON object: {type(value).__name__}"
    return None


class CsvSource(FileSource):
    """One record per CSV data row, streamed."""

    kind = "csv"

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        columns: Mapping[str, str] | None = None,
        *,
        encoding: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(name, path, max_bytes=max_bytes)
        self.columns = dict(columns) if columns is not None else None
        self.encoding = encoding

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield one record per data row of a CSV file (JSON of header -> cell)."""
        with path.open("rb") as fh:
            sample = fh.read(SNIFF_BYTES)
            if is_binary(sample, stray_nul=True):
                yield self.record(str(path), sample[:SAMPLE_BYTES], UNKNOWN, error="binary file")
                return
            fh.seek(0)
            encoding = self.encoding or detect_encoding(sample)
            if _ascii_compatible(encoding):
                utf8 = "utf-8-sig" if encoding == "utf-8-sig" else "utf-8"
                text = io.TextIOWrapper(fh, utf8, errors="surrogateescape", newline="")
                # stray legacy rows in a UTF-8 file: cp1252, as browsers read undeclared bytes
                fallback = LEGACY_DEFAULT if encoding == utf8 else encoding
                lines = _LineFeed(text, self.max_bytes, per_line=True, fallback=fallback)
            else:  # UTF-16 or UTF-32: lines cannot be found before decoding
                text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
                lines = _LineFeed(text, self.max_bytes)
            yield from self._rows(path, lines, encoding)

    def _rows(self, path: Path, lines: _LineFeed, encoding: str) -> Iterator[RawRecord]:
        reader = csv.reader(lines)
        try:
            header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        except (csv.Error, _TooLong) as exc:
            yield self.record(str(path), b"", CSV_ROW, error=f"unreadable CSV header: {exc}")
            return
        if header is None:
            yield self.record(str(path), b"", CSV_ROW, error="empty CSV: no header row")
            return
        mapping = dict(self.columns) if self.columns is not None else detect_columns(header)
        meta = {"columns": mapping, "encoding": encoding}
        number = 0
        error: str | None
        while True:
            lines.start_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except _TooLong as exc:
                number += 1
                raw, error = exc.head, f"malformed CSV row: {exc.reason}"
                rest = lines.taken[1:] if exc.whole_row else lines.taken
            except csv.Error as exc:
                number += 1
                raw, error = "".join(lines.taken[:1]), f"malformed CSV row: {exc}"
                rest = lines.taken[1:]
            else:
                if not any(cell.strip() for cell in row):
                    continue
                number += 1
                raw, error, rest = _check_row(row, header, lines.taken)
                row_meta = meta | {"encoding": lines.row_encoding or encoding}
                if error is None:
                    payload = json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False)
                    yield self.record(f"{path}#row={number}", payload.encode(), CSV_ROW, row_meta)
                    continue
            row_meta = meta | {"encoding": lines.row_encoding or encoding}
            yield self.record(f"{path}#row={number}", raw.encode(), CSV_ROW, row_meta, error)
            lines.push_back(rest)
            reader = csv.reader(lines)


class JsonlSource(FileSource):
    """One record per non-blank JSONL line, streamed."""

    kind = "jsonl"

    def read_file(self, path: Path, folder: str) -> Iterator[RawRecord]:
        """Yield one record per non-blank line of a JSONL file."""
        with path.open("rb") as fh:
            sample = fh.read(SNIFF_BYTES)
            if is_binary(sample, stray_nul=True):
                yield self.record(str(path), sample[:SAMPLE_BYTES], UNKNOWN, error="binary file")
                return
            fh.seek(0)
            guess = detect_encoding(sample)
            legacy = LEGACY_DEFAULT if guess in ("utf-8", "utf-8-sig") else guess
            yield from self._lines(path, fh, legacy)

    def _lines(self, path: Path, fh: BinaryIO, legacy: str) -> Iterator[RawRecord]:
        """Yield the records of the lines; one that is not UTF-8 says `legacy` in its meta."""
        number = 0
        while line := fh.readline(self.max_bytes + 1):
            number += 1
            locator = f"{path}#line={number}"
            if len(line) > self.max_bytes:
                rest = line
                while rest and not rest.endswith(b"\n"):
                    rest = fh.readline(self.max_bytes)
                reason = f"line too large: more than {self.max_bytes} bytes"
                yield self.record(locator, line[: self.max_bytes], JSONL_ROW, error=reason)
                continue
            payload = line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line
            payload = payload.rstrip(b"\r\n")
            if not payload.strip():
                continue
            meta = {} if payload.isascii() or _is_utf8(payload) else {"encoding": legacy}
            error = _json_object_error(payload, meta.get("encoding"))
            yield self.record(locator, payload, JSONL_ROW, meta, error)
