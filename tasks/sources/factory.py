"""The source a path, a URL or a config entry names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasks.sources.base import DEFAULT_MAX_BYTES, Source
from tasks.sources.files import FileSource
from tasks.sources.folder import FILE_SOURCES, FolderSource
from tasks.sources.http import HttpSource, url_name
from tasks.sources.kinds import KIND_ALIASES, is_url, kind_of_path
from tasks.sources.rows import CsvSource

SOURCE_CLASSES: dict[str, type[FileSource]] = FILE_SOURCES | {"folder": FolderSource}
HTTP_OPTIONS = (
    "timeout attempts backoff deadline max_redirects concurrency host_concurrency host_delay"
).split()


def source_from_path(
    path_or_url: str, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Source:
    """Return the source for a URL, a folder or a file, chosen by its extension."""
    if is_url(path_or_url):
        return HttpSource(name or url_name(path_or_url), [path_or_url], max_bytes=max_bytes)
    path = Path(path_or_url)
    label = name or path.stem or path.resolve().name
    if not path.is_dir() and not path.is_file():
        raise FileNotFoundError(f"no such file or folder: {path_or_url}")
    return SOURCE_CLASSES[kind_of_path(path)](label, path, max_bytes=max_bytes)


def _http_from_config(spec: Mapping[str, Any], name: str | None, max_bytes: int) -> Source:
    urls = list(spec.get("urls") or ([spec["url"]] if spec.get("url") else []))
    if not urls:
        raise ValueError(f"http source {name!r} has no urls")
    options = {k: spec[k] for k in HTTP_OPTIONS if spec.get(k) is not None}
    return HttpSource(name or url_name(urls[0]), urls, **options, max_bytes=max_bytes)


def source_from_config(spec: Mapping[str, Any]) -> Source:
    """Return the source a config entry describes ({"name", "kind", "path"/"urls", ...})."""
    kind = spec.get("kind")
    max_bytes = int(spec.get("max_bytes") or DEFAULT_MAX_BYTES)
    location = spec.get("path") or next(iter(spec.get("urls") or []), None)
    name = spec.get("name")
    if kind is None:
        if not location:
            raise ValueError("source config names neither a kind nor a path/urls")
        return source_from_path(str(location), name, max_bytes=max_bytes)
    if kind == "http":
        return _http_from_config(spec, name, max_bytes)
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in SOURCE_CLASSES:
        known = ", ".join(sorted({"http", *SOURCE_CLASSES, *KIND_ALIASES}))
        raise ValueError(f"unknown source kind {spec.get('kind')!r} (known: {known})")
    if not spec.get("path"):
        raise ValueError(f"{spec.get('kind')} source {name!r} has no path")
    path = Path(spec["path"])
    label = name or path.stem
    if kind == "csv":
        encoding = spec.get("encoding")
        return CsvSource(label, path, spec.get("columns"), encoding=encoding, max_bytes=max_bytes)
    return SOURCE_CLASSES[kind](label, path, max_bytes=max_bytes)
