"""Words the parsers and extractors share: month names and their numbers, wire jargon."""

from __future__ import annotations

MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()

MONTHS: dict[str, int] = {
    **{name: number for number, name in enumerate(MONTH_NAMES, 1)},
    **{name[:3]: number for number, name in enumerate(MONTH_NAMES, 1)},
    "sept": 9,
}


def month_pattern(title: bool = False) -> str:
    """Return a regex alternation of every month name and abbreviation, longest first."""
    names = sorted(MONTHS, key=len, reverse=True)
    return "|".join(name.title() for name in names) if title else "|".join(names)


# Wire-service abbreviations of business stories ("Shr 12 cts vs 10 cts", "Net 5.3 mln dlrs",
# "Avg shrs", "Revs", "4th qtr"): the model takes many of them for names; they never are one.
WIRE_JARGON = frozenset(
    """cts ct dlrs dlr mln mlns bln blns pct avg shr shrs revs rev qtr qtrs vs oper net mths mth
    yr yrs wk wks qtly div divs pfd shrd dil extraord discont""".split()
)
