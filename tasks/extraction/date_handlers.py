"""Date handlers: word tables, calendar arithmetic and one resolver per kind of expression.

Each `resolve_*` takes a match of its pattern in `date_resolution`, the reference (publication)
date and the sentence's tense, and returns (date, precision, is_relative) or None.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal

from tasks.lexicon import MONTHS

Resolution = tuple[date, str, bool]
Tense = Literal["past", "future"] | None
Handler = Callable[[re.Match[str], date | None, Tense], Resolution | None]

# years outside this window are left unresolved (the lake's timeline is modern news), and so are
# look-backs longer than MAX_LOOKBACK_YEARS ("the past 200 years"): spans, not dates
YEAR_MIN, YEAR_MAX = 1900, 2099
MAX_LOOKBACK_YEARS = 30
PRECISIONS = ("day", "week", "month", "quarter", "year", "decade")

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
COUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "a couple of": 2, "a couple": 2,
}  # fmt: skip
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
ORDINALS |= {"fourth": 4, "4th": 4, "final": 4, "last": 4}
UNIT_PRECISION = {"day": "day", "week": "week", "month": "month", "year": "year"}
UNIT_PRECISION |= {"decade": "year", "quarter": "quarter"}
HOLIDAYS = {
    "christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
    "new year's day": (1, 1), "new year's": (1, 1), "new year": (1, 1), "new year's eve": (12, 31),
    "halloween": (10, 31), "valentine's day": (2, 14), "independence day": (7, 4),
    "thanksgiving": (11, 1), "thanksgiving day": (11, 1),
}  # fmt: skip


def _safe_date(year: int, month: int, day: int = 1) -> date | None:
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        return None
    if not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def period_start(day: date, precision: str) -> date:
    """Return the first day of the `precision` period holding `day`."""
    if precision == "week":
        return day - timedelta(days=day.weekday())
    if precision == "month":
        return day.replace(day=1)
    if precision == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if precision == "year":
        return date(day.year, 1, 1)
    if precision == "decade":
        return date(day.year // 10 * 10, 1, 1)
    return day


def _shift(day: date, count: int, unit: str) -> date:
    """Return `day` moved by `count` units (negative: back in time)."""
    if unit in ("day", "week"):
        return day + timedelta(days=count * (7 if unit == "week" else 1))
    months = count * {"month": 1, "quarter": 3, "year": 12, "decade": 120}[unit]
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _occurrence(
    make: Callable[[int], date | None], ref: date, mode: str, precision: str
) -> date | None:
    """Return the latest start on or before `ref` (past), the first period not yet over (future),
    or the start nearest to `ref`."""
    starts = [d for year in range(ref.year - 1, ref.year + 2) if (d := make(year))]
    if mode == "future":
        return min((d for d in starts if d >= period_start(ref, precision)), default=None)
    if mode == "nearest":
        return min(starts, key=lambda d: (abs((d - ref).days), d > ref), default=None)
    return max((d for d in starts if d <= ref), default=None)


def _year_of(match: re.Match[str], ref: date | None) -> tuple[int | None, bool]:
    """Return (year, needs_reference) from the `year`/`yrel` groups of a match."""
    groups = match.groupdict()
    if groups.get("year"):
        return int(groups["year"]), False
    rel = groups.get("yrel")
    if rel and ref is not None:
        offset = {"last": -1, "the previous": -1, "next": 1}.get(re.sub(r"\s+", " ", rel), 0)
        return ref.year + offset, True
    return None, True


def _count(word: str) -> int | None:
    return int(word) if word.isdigit() else COUNTS.get(word)


def resolve_iso_day(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    day = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
    return (day, "day", False) if day else None


def resolve_month_day(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    month, day = MONTHS[m["month"]], int(m["day"])
    year, relative = _year_of(m, ref)
    if year is not None:
        found = _safe_date(year, month, day)
        return (found, "day", relative) if found else None
    if ref is None or day > monthrange(2000, month)[1]:
        return None
    # a bare day is as often ahead (a hearing, an election) as behind: unless the tense says
    # otherwise take the nearest one
    found = _occurrence(lambda y: _safe_date(y, month, day), ref, tense or "nearest", "day")
    return (found, "day", True) if found else None


def resolve_month(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    month = MONTHS[m["month"]]
    year, relative = _year_of(m, ref)
    if year is not None:
        found = _safe_date(year, month)
        return (found, "month", relative) if found else None
    if ref is None:
        return None
    rel = m.groupdict().get("rel")
    this_month = date(ref.year, ref.month, 1)
    candidates = [d for y in range(ref.year - 1, ref.year + 2) if (d := _safe_date(y, month))]
    if rel in ("last", "past", "previous"):
        found = max((d for d in candidates if d < this_month), default=None)
    elif rel in ("next", "coming"):
        found = min((d for d in candidates if d > this_month), default=None)
    elif rel in ("this", "current"):
        found = _safe_date(ref.year, month)
    else:
        found = _occurrence(lambda y: _safe_date(y, month), ref, tense or "past", "month")
    return (found, "month", True) if found else None


def _period(
    m: re.Match[str], ref: date | None, tense: Tense, months: int, start_month: int
) -> Resolution | None:
    """Resolve a quarter, half or season starting in `start_month` (precision quarter)."""
    year, relative = _year_of(m, ref)
    if year is not None:
        found = _safe_date(year, start_month)
        return (found, "quarter", relative) if found else None
    if ref is None:
        return None
    rel = m.groupdict().get("rel")
    starts = [d for y in range(ref.year - 2, ref.year + 2) if (d := _safe_date(y, start_month))]
    over = [d for d in starts if _shift(d, months, "month") <= ref]
    if rel in ("last", "past", "previous"):  # the latest one already over
        found = max(over, default=None)
    elif rel in ("next", "coming"):
        found = min((d for d in starts if d > ref), default=None)
    elif rel in ("this", "current") or tense == "future":  # the first one not yet over
        found = min((d for d in starts if d not in over), default=None)
    else:
        found = max((d for d in starts if d <= ref), default=None)
    return (found, "quarter", True) if found else None


def resolve_quarter(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    number = int(m["qnum"]) if m["qnum"] else ORDINALS[m["ordinal"]]
    return _period(m, ref, tense, 3, 3 * number - 2)


def resolve_half(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    return _period(m, ref, tense, 6, 1 if ORDINALS[m["ordinal"]] == 1 else 7)


def resolve_season(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    return _period(m, ref, tense, 3, SEASONS[m["season"]])


def resolve_relative_quarter(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    offset = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(m["rel"], 0)
    return _shift(period_start(ref, "quarter"), offset, "quarter"), "quarter", True


def resolve_decade(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if m["decade"]:
        year = int(m["decade"])
    else:
        digit = int(m["short"])
        year = 1900 + 10 * digit if digit >= 3 else 2000 + 10 * digit if digit <= 1 else 0
    found = _safe_date(year, 1)
    return (found, "decade", False) if found else None


def resolve_relative_decade(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    if m["rel"] in ("this", "current"):
        return period_start(ref, "decade"), "decade", True
    if m["rel"] == "previous":
        return date(ref.year // 10 * 10 - 10, 1, 1), "decade", True
    if m["rel"] in ("last", "past"):  # a rolling window: "the past decade" began ten years ago
        return date(ref.year - 10, 1, 1), "year", True
    return None


def resolve_year(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    found = _safe_date(int(m["year"]), 1)
    return (found, "year", False) if found else None


def resolve_day_word(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    offset = {"yesterday": -1, "tomorrow": 1}.get(m["word"], 0)
    offset += {"before": -1, "after": 1}.get(m["around"] or "", 0)
    return ref + timedelta(days=offset), "day", True


def resolve_relative_unit(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None or m["rel"] == "coming":  # "the coming weeks": a window, not a date
        return None
    unit = m["unit"]
    offset = {"last": -1, "past": -1, "previous": -1, "next": 1}.get(m["rel"], 0)
    return period_start(_shift(ref, offset, unit), unit), unit, True


def resolve_ago(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    count = _count(m["count"])
    if ref is None or count is None:
        return None
    precision = UNIT_PRECISION[m["unit"]]
    found = period_start(_shift(ref, -count, m["unit"]), precision)
    if (ref - found).days > MAX_LOOKBACK_YEARS * 365:
        return None
    return found, precision, True


def resolve_weekday(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    weekday, rel, week = WEEKDAYS[m["weekday"]], m["rel"], m["week"]
    monday = ref - timedelta(days=ref.weekday())
    if week or rel == "this":
        shift = {"last": -7, "next": 7}.get(week or "", 0)
        return monday + timedelta(days=shift + weekday), "day", True
    back = (ref.weekday() - weekday) % 7
    if rel in ("last", "past"):
        return ref - timedelta(days=back or 7), "day", True
    if rel in ("next", "coming") or (tense == "future" and back):
        return ref + timedelta(days=(weekday - ref.weekday()) % 7 or 7), "day", True
    return ref - timedelta(days=back), "day", True


def resolve_weekend(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    saturday = ref - timedelta(days=ref.weekday()) + timedelta(days=5)
    rel = m["rel"]
    if rel in ("next", "coming"):
        found = saturday if ref < saturday else saturday + timedelta(days=7)
    elif rel in ("last", "past"):
        found = saturday - timedelta(days=7)
    elif rel == "this" or tense == "future" or ref >= saturday:
        found = saturday
    else:
        found = saturday - timedelta(days=7)
    return found, "week", True


def resolve_holiday(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    name = m["holiday"]

    def make(year: int) -> date | None:
        if name.startswith("thanksgiving"):
            first = _safe_date(year, 11)
            return first + timedelta(days=(3 - first.weekday()) % 7 + 21) if first else None
        month, day = HOLIDAYS[name]
        return _safe_date(year, month, day)

    if m["year"]:
        found = make(int(m["year"]))
        return (found, "day", False) if found else None
    if ref is None:
        return None
    found = _occurrence(make, ref, tense or "nearest", "day")
    return (found, "day", True) if found else None
