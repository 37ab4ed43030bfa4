"""Which reader a file gets: the one table of file kinds and their suffixes."""

from __future__ import annotations

import re
from pathlib import Path

# the one suffix table: each file kind and the extensions its reader takes
FILE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "files": (".txt",),
    "csv": (".csv",),
    "jsonl": (".jsonl", ".ndjson"),
    "html": (".html", ".htm"),
    "feed": (".rss", ".atom", ".xml"),
}
# other names a config entry may give a kind
KIND_ALIASES: dict[str, str] = {"text": "files", "rss": "feed"}

_KIND_OF_SUFFIX = {suffix: kind for kind, suffixes in FILE_SUFFIXES.items() for suffix in suffixes}
_URL = re.compile(r"https?://", re.IGNORECASE)


def kind_of_suffix(suffix: str) -> str | None:
    """Return the file kind an extension such as ".CSV" names, or None."""
    return _KIND_OF_SUFFIX.get(suffix.lower())


def kind_of_path(path: Path) -> str:
    """Return the kind of reader for a path: its file kind, else "folder" (which sniffs)."""
    if path.is_dir():
        return "folder"
    return kind_of_suffix(path.suffix) or "folder"


def is_url(location: str) -> bool:
    """Return True when a location is an http(s) URL rather than a path."""
    return _URL.match(location) is not None
