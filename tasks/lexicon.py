"""Words the parsers share: month names and their numbers."""

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
