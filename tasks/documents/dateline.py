"""Find and parse the wire-story dateline at the start of an article text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.lexicon import MONTHS, month_pattern

# a dateline, and any correction note or byline before it, lies in this many leading characters
WINDOW = 250

AGENCIES: tuple[str, ...] = (
    "Reuters",
    "Reuters Breakingviews",
    "Reuters Health",
    "Thomson Reuters Foundation",
    "IFR",
    "AP",
    "Associated Press",
    "The Associated Press",
    "AFP",
    "Agence France-Presse",
    "Bloomberg",
    "UPI",
    "dpa",
    "DPA",
    "Xinhua",
    "Kyodo",
    "Yonhap",
    "TASS",
    "Interfax",
    "ANSA",
    "EFE",
    "PTI",
    "IANS",
    "AAP",
    "CNN",
    "RIA Novosti",
    "Anadolu",
)

# lower case inside a title-cased place name: "Dar es Salaam", "Port-au-Prince", "King of Prussia"
_MINOR_WORDS = frozenset(
    {"of", "de", "del", "da", "das", "do", "dos", "du", "des", "es", "the", "and", "upon", "on"}
    | {"au", "aux", "sur", "am", "y"}
)
_MAX_NAME_WORDS = 6

_WORD = r"[^\W\d_][\w.'’&-]*"
_MONTH = month_pattern(title=True)
_AGENCY = "|".join(re.escape(name) for name in sorted(AGENCIES, key=len, reverse=True))
_SPACE = r"[^\S\r\n]"  # a dateline does not run across a line break
_DATELINE_RX = re.compile(
    rf"(?P<head>{_WORD}(?:(?:{_SPACE}|[,،/]){{1,4}}{_WORD}){{0,19}})?"
    rf"(?:(?:{_SPACE}|,)*\b(?P<month>{_MONTH})\.?{_SPACE}+(?P<day>[0-3]?\d)\b)?"
    rf"(?:{_SPACE}|,)*(?:\((?P<agency>{_AGENCY})\){_SPACE}*)?"
    r"(?<=[\s)])(?:--|[-–—])"
)
_NOTE_RX = re.compile(r"\((?:[^()]|\([^()]*\))*\)\s*")
_NAME = r"(?:(?:[A-ZÀ-Þ]\.)+|[A-ZÀ-Þ](?=[\w'’.-]*[a-zß-ÿ])[\w'’.-]*)"
_PARTICLE = r"(?:and|de|da|del|der|di|du|van|von|bin|ibn|al|el|le|la)"
_BYLINE_RX = re.compile(rf"By\s+(?P<author>{_NAME}(?:,?\s+(?:{_PARTICLE}\s+)*{_NAME}){{0,8}})\s+")
_TOKEN_RX = re.compile(r"\S+")
_LINE_RX = re.compile(r"\n\s*")
_LETTERS_RX = re.compile(r"[^\W\d_]{2}")
_SPLIT_RX = re.compile(r"([\s-]+)")


@dataclass(frozen=True)
class Place:
    """One place a story was filed from: a title-cased name and the region as written."""

    name: str
    region: str | None


@dataclass(frozen=True)
class Dateline:
    """The dateline of a text, what came before it, and where the story body starts."""

    raw: str | None
    places: tuple[Place, ...]
    agency: str | None
    author: str | None
    month_day: tuple[int, int] | None
    preamble: str | None
    body_start: int


def parse_dateline(text: str) -> Dateline:
    """Return the dateline at the start of text, or an empty one when there is none."""
    window = text[:WINDOW]
    start = _skip_space(window, 0)
    found = _scan(window, start)
    if found is None:
        # extracted web pages may put photo captions on lines before a wire dateline
        lines = (_scan(window, line.end()) for line in _LINE_RX.finditer(window, start))
        found = next((f for f in lines if f and f[0]["agency"]), None)
    if found is None:
        return Dateline(None, (), None, None, None, None, _skip_space(text, 0))
    match, author = found
    month = match["month"]
    return Dateline(
        raw=match.group(),
        places=_parse_places(match["head"]) if match["head"] else (),
        agency=match["agency"],
        author=" ".join(author.split()) if author else None,
        month_day=(MONTHS[month.lower()], int(match["day"])) if month else None,
        preamble=window[start : match.start()].strip() or None,
        body_start=_skip_space(text, match.end()),
    )


def _scan(window: str, pos: int) -> tuple[re.Match[str], str | None] | None:
    """Return the dateline match at pos, behind any correction notes and byline, and the author."""
    author = None
    for _ in range(4):
        byline = _BYLINE_RX.match(window, pos)
        if byline:
            author, pos = byline["author"], byline.end()
            continue
        found = _match_dateline(window, pos)
        if found:
            return found, author
        note = _NOTE_RX.match(window, pos)
        if not note:
            return None
        pos = note.end()
    return None


def _match_dateline(window: str, pos: int) -> re.Match[str] | None:
    """Return the dateline match at pos when its places, date and agency are plausible."""
    found = _DATELINE_RX.match(window, pos)
    if not found or not (found["head"] or found["agency"]):
        return None
    if found["month"] and not 1 <= int(found["day"]) <= 31:
        return None
    strict = found["agency"] is None
    if strict and not window[found.end() : found.end() + 1].isspace():
        return None
    if found["head"] and not all(_is_place(seg, strict) for seg in found["head"].split("/")):
        return None
    return found


def _is_place(segment: str, strict: bool) -> bool:
    """Return whether segment reads as a place: capitalised words, upper case when strict."""
    name, region = _split_place(segment)
    words = name.split()
    if not words or len(words) > _MAX_NAME_WORDS or not _is_capitalised(words):
        return False
    if strict and not (segment.partition(",")[0].isupper() and _LETTERS_RX.search(name)):
        return False
    if len(words) > 3 and not name.isupper():
        return False
    return region is None or _is_capitalised(region.split())


def _parse_places(head: str) -> tuple[Place, ...]:
    """Return the places of a dateline head such as "AL-BAB, Syria/BEIRUT"."""
    places = []
    for segment in head.split("/"):
        name, region = _split_place(segment)
        name = " ".join(name.split())
        places.append(Place(_title(name) if name.isupper() else name, region))
    return tuple(places)


def _split_place(segment: str) -> tuple[str, str | None]:
    """Return the name and region of "TAMPA, Fla." (or "ERBIL Iraq", its comma lost)."""
    name, comma, region = segment.replace("،", ",").partition(",")
    if not comma:
        lower = next((t for t in _TOKEN_RX.finditer(name) if not t.group().isupper()), None)
        if lower is None or not name[: lower.start()].isupper():
            return name, None
        name, region = name[: lower.start()], name[lower.start() :]
    region = " ".join(region.split()).strip(", ")
    return name, region or None


def _is_capitalised(words: list[str]) -> bool:
    """Return whether every word starts with a capital (or uncased) letter, minor words aside."""
    return all(not w[0].islower() or w.lower() in _MINOR_WORDS for w in words)


def _title(name: str) -> str:
    """Return an upper-case place name in title case: "PORT-AU-PRINCE" -> "Port-au-Prince"."""
    parts = _SPLIT_RX.split(name)
    return "".join(
        part.lower() if i and part.lower() in _MINOR_WORDS else part[:1].upper() + part[1:].lower()
        for i, part in enumerate(parts)
    )


def _skip_space(text: str, pos: int) -> int:
    """Return the offset of the first non-space character at or after pos."""
    end = len(text)
    while pos < end and text[pos].isspace():
        pos += 1
    return pos
