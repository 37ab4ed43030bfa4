"""Reading sources: the Source protocol, one reader per kind, byte decoding."""

from tasks.sources.base import DEFAULT_MAX_BYTES, Checkpoint, Reader, Source
from tasks.sources.decode import DecodeError, decode_text, detect_encoding, is_binary
from tasks.sources.factory import SOURCE_CLASSES, source_from_config, source_from_path
from tasks.sources.feeds import FeedSource, feed_item, looks_like_feed, parse_feed
from tasks.sources.files import (
    FileSource,
    HtmlFilesSource,
    TextFilesSource,
    file_hash,
    file_stamp,
    unchanged,
    walk_files,
)
from tasks.sources.folder import FILE_SOURCES, FolderSource
from tasks.sources.http import HttpSource
from tasks.sources.kinds import FILE_SUFFIXES, KIND_ALIASES, kind_of_path, kind_of_suffix
from tasks.sources.rows import CsvSource, JsonlSource, detect_columns

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FILE_SOURCES",
    "FILE_SUFFIXES",
    "KIND_ALIASES",
    "SOURCE_CLASSES",
    "Checkpoint",
    "CsvSource",
    "DecodeError",
    "FeedSource",
    "FileSource",
    "FolderSource",
    "HtmlFilesSource",
    "HttpSource",
    "JsonlSource",
    "Reader",
    "Source",
    "TextFilesSource",
    "decode_text",
    "detect_columns",
    "detect_encoding",
    "feed_item",
    "file_hash",
    "file_stamp",
    "is_binary",
    "kind_of_path",
    "kind_of_suffix",
    "looks_like_feed",
    "parse_feed",
    "source_from_config",
    "source_from_path",
    "unchanged",
    "walk_files",
]
