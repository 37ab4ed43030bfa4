"""Date values to datetimes: the one reading of a date string or number, with its precision."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from dateutil import parser as dateutil_parser

DATE_LANGUAGES = ("en", "pt", "es", "fr", "de", "it", "nl")

_TZINFOS = {
    name: timezone(timedelta(hours=hours))
    for name, hours in {
        "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EST": -5, "EDT": -4,
        "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    }.items()
}  # fmt: skip
_DAY_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)
_DAY_PRECISIONS = frozenset({"year", "month", "day"})
# "Mon, 02 Nov 2026 06:00:00 +0000", the date of RSS items and e-mail, is read by the standard
# library at a small part of the cost of dateutil (which reads each date twice, see
# _dateutil_guess); zone names other than GMT and UT(C) go on to dateutil and its zone table
_RFC_2822 = re.compile(
    r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"\s+(?:[+-]\d{4}|GMT|UTC?)",
    re.ASCII,
)


def as_utc(value: datetime) -> datetime:
    """Return a datetime in UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date_value(value: Any, languages: list[str] | None = None) -> tuple[datetime, str] | None:
    """Return (UTC datetime, precision) for a date string or number, or None."""
    found = read_date_value(value, languages)
    if found is None:
        return None
    stamp, precision = found
    if precision in _DAY_PRECISIONS:
        stamp = stamp.replace(hour=0, minute=0, second=0, microsecond=0)
        return stamp.replace(tzinfo=UTC), precision
    return as_utc(stamp), precision


def utc_offset_minutes(value: Any, at: datetime | None = None) -> int | None:
    """Return the UTC offset, in minutes, a date string wrote with its time, or None.

    at: the UTC instant the caller read from the value (or another reading of it); the offset
    counts only when the string names that same instant."""
    found = read_date_value(value) if isinstance(value, str) else None
    if found is None or found[1] != "second" or found[0].utcoffset() is None:
        return None
    stamp = found[0]
    if at is not None and stamp.astimezone(UTC) != as_utc(at):
        return None
    offset = stamp.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def read_date_value(value: Any, languages: list[str] | None = None) -> tuple[datetime, str] | None:
    """Return (datetime as written, in its own zone or naive, precision) for a date, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _from_number(value)
    if not isinstance(value, str):
        return None
    text = value.strip()  # ISOT dates carry a trailing space
    if not text or len(text) > 100:
        return None
    try:
        return _read_date(text, tuple(languages) if languages else None)
    except (ValueError, OverflowError):  # "2019-02-30", year 0
        return None


# a date is read twice per article (its instant, then its UTC offset) and feeds repeat dates
@lru_cache(maxsize=4096)
def _read_date(text: str, languages: tuple[str, ...] | None) -> tuple[datetime, str] | None:
    if re.fullmatch(r"\d{4}", text):
        return datetime(int(text), 1, 1), "year"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return datetime.strptime(text, "%Y-%m"), "month"
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.strptime(text[:10], "%Y-%m-%d")  # an impossible day raises here
        if len(text) == 10:
            return day, "day"
        try:
            return datetime.fromisoformat(text), "second"
        except ValueError:
            return _dateutil_guess(text)
    if _RFC_2822.fullmatch(text) and (stamp := _rfc_2822(text)) is not None:
        return stamp, "second"
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt), "day"
        except ValueError:
            continue
    return _dateutil_guess(text) or _dateparser_guess(text, languages)


def _rfc_2822(text: str) -> datetime | None:
    """Return an RFC 2822 date with its zone, or None (a "-0000" zone, an impossible day)."""
    try:
        stamp = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        return None
    return stamp if stamp.tzinfo is not None else None


def _from_number(value: float) -> tuple[datetime, str] | None:
    if 1000 <= value <= 9999 and value == int(value):
        return datetime(int(value), 1, 1, tzinfo=UTC), "year"
    seconds = value / 1000 if abs(value) > 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC), "second"
    except (OverflowError, OSError, ValueError):
        return None


def _dateutil_guess(text: str) -> tuple[datetime, str] | None:
    """Return a dateutil reading with its precision, found by parsing with two defaults."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = dateutil_parser.parse(text, default=_DEFAULT_A, tzinfos=_TZINFOS)
            second = dateutil_parser.parse(text, default=_DEFAULT_B, tzinfos=_TZINFOS)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.year != second.year:
        return None
    if first.month != second.month:
        return first.replace(month=1, day=1, hour=0, minute=0, second=0), "year"
    if first.day != second.day:
        return first.replace(day=1, hour=0, minute=0, second=0), "month"
    if first.hour != second.hour:
        return first.replace(hour=0, minute=0, second=0), "day"
    return first, "second"


@lru_cache(maxsize=32)
def _date_data_parser(languages: tuple[str, ...] | None) -> Any:
    import dateparser  # slow to import; needed only for dates in other languages

    settings = {
        "RETURN_TIME_AS_PERIOD": True,
        "PREFER_DAY_OF_MONTH": "first",
        "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    }
    return dateparser.DateDataParser(
        languages=list(languages) if languages else None, settings=settings
    )


def _dateparser_guess(text: str, languages: tuple[str, ...] | None) -> tuple[datetime, str] | None:
    # a short list first: trying every locale costs ~50 ms a date
    tries = [languages] if languages else [DATE_LANGUAGES, None]
    data = None
    for option in tries:
        try:
            data = _date_data_parser(option).get_date_data(text)
        except (ValueError, TypeError, OverflowError):
            data = None
        if data is not None and data.date_obj is not None:
            break
    if data is None or data.date_obj is None:
        return None
    period = data.period or "day"
    if period == "time":
        return data.date_obj, "second"
    return data.date_obj, period if period in {"day", "month", "year"} else "day"
