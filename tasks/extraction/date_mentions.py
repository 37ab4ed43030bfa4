"""Date mentions: resolve spaCy DATE entities against the publication date (wire conventions)."""

from __future__ import annotations

import re
from bisect import bisect_right
from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from spacy.tokens import Doc, Span, Token

Resolution = tuple[date, str, bool]
Tense = Literal["past", "future"] | None

# years outside this window are left unresolved (the lake's timeline is modern news), and so are
# look-backs longer than MAX_LOOKBACK_YEARS ("the past 200 years"): spans, not dates
YEAR_MIN, YEAR_MAX = 1900, 2099
MAX_LOOKBACK_YEARS = 30
PRECISIONS = ("day", "week", "month", "quarter", "year", "decade")

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip
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

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
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
_CLOCK_RX = re.compile(r"\s*(?:GMT|UTC|EDT|EST|CDT|CST|PDT|PST|BST|CET|CEST|ET)\b")
_DIGIT_YEAR_RX = re.compile(r"\b\d{4}\b")
_RELATIVE_HINT_RX = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|ago|last|next|this|that|past|previous|current|coming|"
    r"recent|recently|earlier|later|upcoming|weekend|same|following|before|after|prior|"
    + "|".join(WEEKDAYS)
    + r")\b"
)


def _safe_date(year: int, month: int, day: int = 1) -> date | None:
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        return None
    if not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _truncate(day: date, precision: str) -> date:
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
        return min((d for d in starts if d >= _truncate(ref, precision)), default=None)
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


# -- handlers: each takes (match, reference, tense) and returns a Resolution or None ----------


def _iso_day(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    day = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
    return (day, "day", False) if day else None


def _month_day(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
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


def _month(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
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


def _quarter(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    number = int(m["qnum"]) if m["qnum"] else ORDINALS[m["ordinal"]]
    return _period(m, ref, tense, 3, 3 * number - 2)


def _half(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    return _period(m, ref, tense, 6, 1 if ORDINALS[m["ordinal"]] == 1 else 7)


def _season(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    return _period(m, ref, tense, 3, SEASONS[m["season"]])


def _relative_quarter(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    offset = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(m["rel"], 0)
    return _shift(_truncate(ref, "quarter"), offset, "quarter"), "quarter", True


def _decade(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if m["decade"]:
        year = int(m["decade"])
    else:
        digit = int(m["short"])
        year = 1900 + 10 * digit if digit >= 3 else 2000 + 10 * digit if digit <= 1 else 0
    found = _safe_date(year, 1)
    return (found, "decade", False) if found else None


def _relative_decade(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    if m["rel"] in ("this", "current"):
        return _truncate(ref, "decade"), "decade", True
    if m["rel"] == "previous":
        return date(ref.year // 10 * 10 - 10, 1, 1), "decade", True
    if m["rel"] in ("last", "past"):  # a rolling window: "the past decade" began ten years ago
        return date(ref.year - 10, 1, 1), "year", True
    return None


def _year(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    found = _safe_date(int(m["year"]), 1)
    return (found, "year", False) if found else None


def _day_word(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None:
        return None
    offset = {"yesterday": -1, "tomorrow": 1}.get(m["word"], 0)
    offset += {"before": -1, "after": 1}.get(m["around"] or "", 0)
    return ref + timedelta(days=offset), "day", True


def _relative_unit(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    if ref is None or m["rel"] == "coming":  # "the coming weeks": a window, not a date
        return None
    unit = m["unit"]
    offset = {"last": -1, "past": -1, "previous": -1, "next": 1}.get(m["rel"], 0)
    return _truncate(_shift(ref, offset, unit), unit), unit, True


def _ago(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
    count = _count(m["count"])
    if ref is None or count is None:
        return None
    precision = UNIT_PRECISION[m["unit"]]
    found = _truncate(_shift(ref, -count, m["unit"]), precision)
    if (ref - found).days > MAX_LOOKBACK_YEARS * 365:
        return None
    return found, precision, True


def _weekday(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
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


def _weekend(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
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


def _holiday(m: re.Match[str], ref: date | None, tense: Tense) -> Resolution | None:
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


HOLIDAYS = {
    "christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
    "new year's day": (1, 1), "new year's": (1, 1), "new year": (1, 1), "new year's eve": (12, 31),
    "halloween": (10, 31), "valentine's day": (2, 14), "independence day": (7, 4),
    "thanksgiving": (11, 1), "thanksgiving day": (11, 1),
}  # fmt: skip
_HOLIDAY = "|".join(re.escape(h) for h in sorted(HOLIDAYS, key=len, reverse=True))
_QUARTER = r"(?:q(?P<qnum>[1-4])|(?P<ordinal>" + "|".join(ORDINALS) + r")\s+quarter)"
_TIME_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|tonight))?"
_Handler = Callable[[re.Match[str], date | None, Tense], Resolution | None]

_YEARS = rf"(?:\s+(?:{_YEAR_WORDS}))?"
_DAY_WORD = r"(?P<word>today|tonight|yesterday|tomorrow)"
_PATTERNS: list[tuple[str, _Handler, bool]] = [
    (r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b", _iso_day, False),
    (r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b", _iso_day, False),
    (rf"\b{_MONTH}\s+{_DAY}{_RANGE}\b,?\s*(?:{_YEAR_WORDS})?\b", _month_day, False),
    (rf"\b{_DAY}{_RANGE}\s+(?:of\s+)?{_MONTH}(?:,?\s*(?:{_YEAR_WORDS}))?\b", _month_day, False),
    (rf"^{_REL}\s+quarter$", _relative_quarter, True),
    (rf"\b{_QUARTER}{_YEARS}\b", _quarter, False),
    (rf"\b(?P<ordinal>first|1st|second|2nd)\s+half{_YEARS}\b", _half, False),
    (rf"\b(?:{_REL}\s+)?(?P<season>spring|summer|autumn|fall|winter){_YEARS}$", _season, False),
    (rf"\b(?:{_REL}\s+)?{_MONTH}(?:,?\s+(?:{_YEAR_WORDS}))?$", _month, False),
    (r"(?:\b(?P<decade>1[89]\d0|20\d0)|'(?P<short>\d)0)s\b", _decade, False),
    (rf"^{_REL}\s+decade$", _relative_decade, True),
    (rf"^(?:day\s+(?P<around>before|after)\s+)?{_DAY_WORD}{_TIME_OF_DAY}$", _day_word, True),
    (r"^(?P<word>this)\s+(?:morning|afternoon|evening)$", _day_word, True),
    (rf"^{_REL}\s+(?:fiscal\s+)?(?P<unit>week|month|year)$", _relative_unit, True),
    (rf"^{_COUNT}\s+{_UNIT}\s+ago$", _ago, True),
    (rf"^(?:past|last)\s+{_COUNT}\s+{_UNIT}$", _ago, True),
    (rf"^(?:{_REL}\s+)?{_WEEKDAY}{_TIME_OF_DAY}(?:,?\s+(?P<week>this|last|next)\s+week)?$",
     _weekday, True),
    (r"^(?:(?P<rel>this|last|next|past|coming)\s+|holiday\s+|long\s+)?weekend$", _weekend, True),
    (rf"^(?P<holiday>{_HOLIDAY})(?:\s+{_YEAR})?$", _holiday, True),
    (r"\b(?:fiscal\s+(?:year\s+)?|fy\s*)?(?P<year>\d{4})\b", _year, False),
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
    found = _truncate(data.date_obj.date(), precision)
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
_FUTURE_AUX = {"will", "shall", "'ll", "’ll", "wo"}
_PAST_AUX = {"was", "were", "had", "did", "has", "have", "'d"}
_PRESENT_AUX = {"is", "are", "am", "'s", "'re"}
_PLAN_LEMMAS = {"schedule", "due", "set", "plan", "expect"}


def sentence_tense(span: Span) -> Tense:
    """Return the tense of the verb that the date modifies directly ("said on Tuesday"), if any.

    A date inside a noun phrase ("the Nov. 8 election") gets None: the verb says nothing of it.
    """
    token = span.root
    if token.dep_ == "pobj" and token.head.dep_ == "prep":
        token = token.head
    verb = token.head
    if verb is token or verb.pos_ not in ("VERB", "AUX"):
        return None
    return _verb_tense(verb)


def _verb_tense(verb: Token, depth: int = 0) -> Tense:
    auxes = {child.lower_ for child in verb.children if child.dep_ in ("aux", "auxpass")}
    if auxes & _FUTURE_AUX:
        return "future"
    if verb.tag_ == "VBD" or auxes & _PAST_AUX:
        return "past"
    if verb.lemma_ in _PLAN_LEMMAS or (verb.tag_ == "VBG" and auxes & _PRESENT_AUX):
        return "future"  # "is scheduled for", "are meeting on"
    if "to" in auxes and depth == 0 and verb.head is not verb:  # "expects to vote on"
        return "future" if _verb_tense(verb.head, 1) == "future" else None
    return None


def looks_relative(text: str) -> bool:
    """Return whether an expression depends on the publication date (even if unresolvable)."""
    probed = resolve_date(text, _PROBE)
    if probed is not None:
        return probed[2]
    return bool(_RELATIVE_HINT_RX.search(text.lower()))


def extract_dates(doc: Doc, published_at: datetime | None) -> list[dict[str, Any]]:
    """Return one row per DATE entity of the doc."""
    reference = published_at.date() if published_at is not None else None
    sentence_starts = [sent.start for sent in doc.sents]
    doc_text = doc.text  # Doc.text joins every token: read it once
    rows = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        clock = ent.text.isdigit() and _CLOCK_RX.match(doc_text, ent.end_char)
        resolved = None if clock else resolve_date(ent.text, reference, tense=sentence_tense(ent))
        rows.append(
            {
                "text": ent.text,
                "start_char": ent.start_char,
                "end_char": ent.end_char,
                "resolved_date": resolved[0] if resolved else None,
                "precision": resolved[1] if resolved else None,
                "is_relative": resolved[2] if resolved else looks_relative(ent.text),
                "sentence_index": bisect_right(sentence_starts, ent.start) - 1,
            }
        )
    return rows
