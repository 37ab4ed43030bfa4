"""The Source interface and the record making every reader shares."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tasks.records import RawRecord

Checkpoint = dict[str, str]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class Source(Protocol):
    """Anything that yields raw records and the state to keep after a read."""

    name: str
    kind: str

    def read(self, since: Checkpoint | None = None) -> Iterator[RawRecord]: ...

    def checkpoint(self) -> Checkpoint: ...


class Reader:
    """A named reader of one kind: makes its records and loads files up to its size cap."""

    name: str
    kind: str
    max_bytes: int

    def record(
        self,
        locator: str,
        payload: bytes,
        media_type: str,
        meta: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> RawRecord:
        """Return a raw record of this source, stamped now."""
        return RawRecord(
            source=self.name,
            source_kind=self.kind,
            locator=locator,
            payload=payload,
            media_type=media_type,
            fetched_at=datetime.now(UTC),
            meta=meta or {},
            error=error,
        )

    def load(self, path: Path) -> tuple[bytes, str | None]:
        """Return a file's bytes up to the cap, and why it was not read whole (or None).

        Raises OSError when the file cannot be opened or read.
        """
        with path.open("rb") as fh:
            data = fh.read(self.max_bytes)
            if fh.read(1):
                size = os.fstat(fh.fileno()).st_size
                return data, f"file too large: {size} bytes > cap {self.max_bytes}"
        return data, None
