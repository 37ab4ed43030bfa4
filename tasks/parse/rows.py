"""CSV and JSONL rows: known columns become document fields, the rest is kept as extra."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tasks.parse.dates import parse_date_value, utc_offset_minutes
from tasks.parse.fields import cell_text, language_code
from tasks.records import CSV_ROW, ParsedDoc, RawRecord, Rejection
from tasks.sources.decode import DecodeError, decode_text
from tasks.sources.rows import detect_columns

ROW_FIELDS_EXTRA: dict[str, tuple[str, ...]] = {"language": ("language", "lang")}


def _column_mapping(rec: RawRecord, row: Mapping[str, Any]) -> dict[str, str]:
    """Return {field: key}: a CSV's mapping from its header, else the keys that name fields."""
    columns = rec.meta.get("columns") if rec.media_type == CSV_ROW else None
    mapping: dict[str, str] = dict(columns) if isinstance(columns, Mapping) else {}
    if not mapping:
        mapping = detect_columns(row.keys())
    for field_name, candidates in ROW_FIELDS_EXTRA.items():
        key = next((k for k in row if k.strip().lower() in candidates), None)
        if key is not None and field_name not in mapping:
            mapping[field_name] = key
    return mapping


def _row_date(raw_date: Any, extra: dict[str, Any]) -> tuple[datetime | None, str | None]:
    """Return (published_at, precision) of a row's date; an unreadable one goes to extra."""
    if raw_date in (None, ""):
        return None, None
    found = parse_date_value(raw_date)
    if found is None:
        extra["published_raw"] = raw_date
        return None, None
    return found


def parse_row(rec: RawRecord) -> ParsedDoc | Rejection:
    """Return the document of a CSV or JSONL row, mapping known columns and keeping the rest."""
    declared = rec.meta.get("encoding")  # a JSONL line that is not UTF-8: its file's guess
    try:
        text, encoding = decode_text(rec.payload, declared if isinstance(declared, str) else None)
        row = json.loads(text)
    except (DecodeError, json.JSONDecodeError, RecursionError) as exc:
        return Rejection(rec, f"row is not valid JSON: {exc}")
    if not isinstance(row, dict):
        return Rejection(rec, f"row is not a JSON object: {type(row).__name__}")
    is_csv = rec.media_type == CSV_ROW
    mapping = _column_mapping(rec, row)
    values = {field_name: row.get(key) for field_name, key in mapping.items()}
    used = set(mapping.values())
    extra = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    body = cell_text(values.get("body"))
    if not body:
        return Rejection(rec, "empty body")
    published, precision = _row_date(values.get("published_at"), extra)
    return ParsedDoc(
        raw=rec,
        text=body,
        title=cell_text(values.get("title")),
        url=cell_text(values.get("url")),
        author=cell_text(values.get("author")),
        published_at=published,
        published_at_source=("csv" if is_csv else "jsonl") if published else "none",
        published_at_precision=precision,
        published_utc_offset_minutes=utc_offset_minutes(values.get("published_at"), published),
        section=cell_text(values.get("section")),
        language=language_code(cell_text(values.get("language"))),
        encoding=str(rec.meta.get("encoding") or encoding) if is_csv else encoding,
        extra=extra,
    )
