"""Resolve a date expression against a reference date: patterns in order, dateparser last."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from tasks.extraction.date_handlers import (
    COUNTS,
    HOLIDAYS,
    ORDINALS,
    PRECISIONS,
    WEEKDAYS,
    YEAR_MAX,
    YEAR_MIN,
    Handler,
    Resolution,
    Tense,
    period_start,
    resolve_ago,
    resolve_day_word,
    resolve_decade,
    resolve_half,
    resolve_holiday,
    resolve_iso_day,
    resolve_month,
    resolve_month_day,
    resolve_quarter,
    resolve_relative_decade,
    resolve_relative_quarter,
    resolve_relative_unit,
    resolve_season,
    resolve_weekday,
    resolve_weekend,
    resolve_year,
)
from tasks.lexicon import month_pattern

_MONTH = rf"(?P<month>{month_pattern()})\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_REL = r"(?P<rel>last|this|next|past|previous|current|coming)"
_COUNT = r"(?P<count>\d+|" + "|".join(sorted(COUNTS, key=len, reverse=True)) + ")"
_UNIT = r"(?P<unit>day|week|month|quarter|year|decade)s?"
_RANGE = r"(?:\s*(?:-|–|to|and)\s*\d{1,2}(?:st|nd|rd|th)?)?"
_YEAR_WORDS = r"(?:(?:of\s+)?(?:the\s+)?(?:fiscal\s+(?:year\s+)?)?" + _YEAR
_YEAR_WORDS += r"|(?:of\s+)?(?P<yrel>last|this|next|the\s+previous|the\s+current)\s+year)"

_PREFIX_RX = re.compile(
    r"^(?:(?:since|between|until|till|by|from|through|before|after|during|in|on|of|at|around|"
    r"about|circa|as\s+early\s+as|as\s+late\s+as|the|very|early|earlier|late|later|mid|middle|"
    r"end|start|beginning|close|turn)(?:\s*-\s*|\s+))+"
)
_EDGE_RX = re.compile(r"\b(?:end|start|beginning|close|turn|middle)\b")
_DIGIT_YEAR_RX = re.compile(r"\b\d{4}\b")
_RELATIVE_HINT_RX = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|ago|last|next|this|that|past|previous|current|coming|"
    r"recent|recently|earlier|later|upcoming|weekend|same|following|before|after|prior|"
    + "|".join(WEEKDAYS)
    + r")\b"
)

_HOLIDAY = "|".join(re.escape(h) for h in sorted(HOLIDAYS, key=len, reverse=True))
_QUARTER = r"(?:q(?P<qnum>[1-4])|(?P<ordinal>" + "|".join(ORDINALS) + r")\s+quarter)"
_TIME_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|tonight))?"

_YEARS = rf"(?:\s+(?:{_YEAR_WORDS}))?"
_DAY_WORD = r"(?P<word>today|tonight|yesterday|tomorrow)"
_PATTERNS: list[tuple[str, Handler, bool]] = [
    (r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b", resolve_iso_day, False),
    (r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b", resolve_iso_day, False),
    (rf"\b{_MONTH}\s+{_DAY}{_RANGE}\b,?\s*(?:{_YEAR_WORDS})?\b", resolve_month_day, False),
    (rf"\b{_DAY}{_RANGE}\s+(?:of\s+)?{_MONTH}(?:,?\s*(?:{_YEAR_WORDS}))?\b",
     resolve_month_day, False),
    (rf"^{_REL}\s+quarter$", resolve_relative_quarter, True),
    (rf"\b{_QUARTER}{_YEARS}\b", resolve_quarter, False),
    (rf"\b(?P<ordinal>first|1st|second|2nd)\s+half{_YEARS}\b", resolve_half, False),
    (rf"\b(?:{_REL}\s+)?(?P<season>spring|summer|autumn|fall|winter){_YEARS}$",
     resolve_season, False),
    (rf"\b(?:{_REL}\s+)?{_MONTH}(?:,?\s+(?:{_YEAR_WORDS}))?$", resolve_month, False),
    (r"(?:\b(?P<decade>1[89]\d0|20\d0)|'(?P<short>\d)0)s\b", resolve_decade, False),
    (rf"^{_REL}\s+decade$", resolve_relative_decade, True),
    (rf"^(?:day\s+(?P<around>before|after)\s+)?{_DAY_WORD}{_TIME_OF_DAY}$", resolve_day_word, True),
    (r"^(?P<word>this)\s+(?:morning|afternoon|evening)$", resolve_day_word, True),
    (rf"^{_REL}\s+(?:fiscal\s+)?(?P<unit>week|month|year)$", resolve_relative_unit, True),
    (rf"^{_COUNT}\s+{_UNIT}\s+ago$", resolve_ago, True),
    (rf"^(?:past|last)\s+{_COUNT}\s+{_UNIT}$", resolve_ago, True),
    (rf"^(?:{_REL}\s+)?{_WEEKDAY}{_TIME_OF_DAY}(?:,?\s+(?P<week>this|last|next)\s+week)?$",
     resolve_weekday, True),
    (r"^(?:(?P<rel>this|last|next|past|coming)\s+|holiday\s+|long\s+)?weekend$",
     resolve_weekend, True),
    (rf"^(?P<holiday>{_HOLIDAY})(?:\s+{_YEAR})?$", resolve_holiday, True),
    (r"\b(?:fiscal\s+(?:year\s+)?|fy\s*)?(?P<year>\d{4})\b", resolve_year, False),
]  # fmt: skip
# in order; a search pattern finds a date inside longer text, a full one must match it all
HANDLERS = [(re.compile(pattern), handler, full) for pattern, handler, full in _PATTERNS]


def normalise_date_text(text: str) -> str:
    """Return the lower-cased expression with leading prepositions and qualifiers removed."""
    text = text.lower().replace("’", "'").replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).lstrip(' ,.;:()[]"').rstrip(" ,.;:()[]\"'")
    text = re.sub(r"'s?$", "", text)
    stripped = _PREFIX_RX.sub("", text)
    if _EDGE_RX.search(text[: len(text) - len(stripped)]) and stripped in ("the year", "year"):
        return "this year"
    if re.fullmatch(r"year(?:'s)?[ -]end", text):
        return "this year"
    return stripped or text


@lru_cache(maxsize=16384)
def _resolve(text: str, reference: date | None, tense: Tense) -> Resolution | None:
    for pattern, handler, full in HANDLERS:
        match = pattern.fullmatch(text) if full else pattern.search(text)
        if match:
            return handler(match, reference, tense)
    return _dateparser_fallback(text, reference, tense)


_FALLBACK_RX = re.compile(rf"\b{_MONTH}\b|\b{_WEEKDAY}\b|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}")


def _dateparser_fallback(text: str, reference: date | None, tense: Tense) -> Resolution | None:
    """Return dateparser's reading of a month/weekday/numeric date the regexes missed."""
    if not _FALLBACK_RX.search(text):
        return None
    from dateparser.date import DateDataParser

    relative = not _DIGIT_YEAR_RX.search(text)
    if relative and reference is None:
        return None
    base = datetime.combine(reference or date(2000, 1, 1), datetime.min.time())
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": tense or "past"}
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if data.date_obj is None:
        return None
    precision = data.period if data.period in PRECISIONS else "day"
    found = period_start(data.date_obj.date(), precision)
    return (found, precision, relative) if YEAR_MIN <= found.year <= YEAR_MAX else None


def resolve_date(
    text: str, reference: date | None, *, tense: Tense = None
) -> tuple[date, str, bool] | None:
    """Return (resolved date, precision, is_relative) for a date expression, or None.

    `reference` is the publication date. `tense` ("past", "future") is that of the sentence:
    it says which way bare weekdays, months, days and quarters resolve (default: the latest
    past one, but the nearest for a bare month-day).
    """
    return _resolve(normalise_date_text(text), reference, tense)


_PROBE = date(2000, 6, 15)


def looks_relative(text: str) -> bool:
    """Return whether an expression depends on the publication date (even if unresolvable)."""
    probed = resolve_date(text, _PROBE)
    if probed is not None:
        return probed[2]
    return bool(_RELATIVE_HINT_RX.search(text.lower()))
