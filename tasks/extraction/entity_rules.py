"""Corrections to the model's entity spans within one article: trims, drops and relabels.

Each rule is a small function of a span's text and label (plus, for acronyms and generic
heads, the article's other names), so each can be tested on its own:
- `trim_span`: no leading "the", no trailing possessive (the span names the thing itself);
- `is_jargon`: wire abbreviations ("12 cts", "Shr", "Dlrs") are never entities;
- `table_label`: the gazetteer and demonym tables, org suffixes and known acronyms fix the label;
- `acronym_definitions`: "the European Community (EC)" makes "EC" count as European Community;
- `resolve_generic`: a bare "Bank" or "House" is the article's full name ending in it, or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.extraction.gazetteer import load_gazetteer, normalise_name
from tasks.lexicon import WIRE_JARGON

_LEADING_ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
_TRAILING_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_WORD = re.compile(r"[A-Za-z]+")
_ACRONYM_AFTER = re.compile(r"\s*\(\s*([A-Z][A-Za-z.&]{1,9})\s*\)")
_ACRONYM = re.compile(r"^[A-Z][A-Z.&]{1,7}$")
_SMALL_WORDS = frozenset({"of", "the", "and", "for", "&", "de", "in", "on", "to"})

# a span ending in one of these words is an organisation, whatever the model said
ORG_SUFFIXES = frozenset(
    """inc corp corporation co ltd plc llc lp ag sa nv spa gmbh bank group party association
    holdings airlines airways fund ministry council committee commission agency union
    university institute foundation exchange co-operative cooperative federation league""".split()
)
# ... and a span starting with one of these followed by "of" ("Ministry of Finance")
ORG_PREFIXES = frozenset({"ministry", "department", "bank", "university", "board", "office"})
# acronyms of organisations common in wire copy that the model takes for people or places
KNOWN_ORG_ACRONYMS = frozenset(
    """UN NATO EU EC IMF OPEC WTO WHO FBI CIA NSA SEC FDA EPA ECB BBC CNN NBA NFL FIFA IOC OECD
    GATT ASEAN BT IBM GM AT&T UAW AFL-CIO ANC PLO IRA UCLA MIT NYSE NASDAQ FED""".split()
)
# head nouns that name no one thing on their own ("the Bank said", "the House voted")
GENERIC_HEADS = frozenset(
    """bank house ministry committee court council company group agency department commission
    board union office corporation fund exchange university authority administration
    government party assembly""".split()
)
# people are relabelled as places only for names that are mostly places: countries, first-level
# subdivisions and cities at least this big ("Chad", "Kent"; not "Converse", Texas)
PERSON_TO_PLACE_MIN_POPULATION = 200_000
PLACE_LABELS = ("GPE", "LOC")


@dataclass(frozen=True)
class Candidate:
    """An entity span after trimming: offsets into the doc's text, its text and model label."""

    start_char: int
    end_char: int
    text: str
    label_: str


def trim_span(start: int, end: int, text: str, label: str) -> Candidate | None:
    """Return the span without a leading article or trailing possessive; None if nothing is left."""
    lead = _LEADING_ARTICLE.match(text)
    if lead and len(text) > lead.end():
        start, text = start + lead.end(), text[lead.end() :]
    tail = _TRAILING_POSSESSIVE.search(text)
    if tail and tail.start() > 0:
        end, text = end - len(tail.group()), text[: tail.start()]
    stripped = text.rstrip()
    end -= len(text) - len(stripped)
    return Candidate(start, end, stripped, label) if stripped else None


def is_jargon(text: str) -> bool:
    """Return whether a span is wire jargon: no letters, or its first or last word is jargon."""
    words = [w.casefold() for w in _WORD.findall(text)]
    return not words or words[0] in WIRE_JARGON or words[-1] in WIRE_JARGON


def _is_country_or_big_place(name: str, min_population: int) -> bool:
    """Return whether the gazetteer's best candidate for a name is a country or a big city.

    A city counts by its own name only, not an alternate one ("White House" is a name of
    Casablanca)."""
    key = normalise_name(name)
    found = load_gazetteer().names.get(key)
    if not found:
        return False
    best = found[0]
    if best.precision in ("country", "admin"):
        return True
    return best.population >= min_population and normalise_name(best.name) == key


def _is_demonym(name: str) -> bool:
    """Return whether a name is a demonym of the table ("Nigerien", "Britons")."""
    key = normalise_name(name)
    demonyms = load_gazetteer().demonyms
    return key in demonyms or (key.endswith("s") and key[:-1] in demonyms)


def _looks_like_org(name: str) -> bool:
    """Return whether an org suffix, prefix or known acronym marks the name as an organisation."""
    words = name.replace(",", " ").split()
    if not words:
        return False
    last = words[-1].casefold().rstrip(".")
    first = words[0].casefold()
    return (
        name in KNOWN_ORG_ACRONYMS
        or (len(words) > 1 and last in ORG_SUFFIXES)
        or (len(words) > 2 and first in ORG_PREFIXES and words[1] == "of")
    )


def table_label(name: str, label: str) -> str:
    """Return the label the offline tables give a name the model labelled `label`."""
    if label in ("PERSON", "ORG", "GPE") and _is_demonym(name):
        return "NORP"
    if label != "ORG" and _looks_like_org(name):
        return "ORG"
    if label == "PERSON" and looks_like_acronym(name) and len(name) <= 5:
        return "ORG"  # people are not written in capitals; a short all-caps name is an acronym
    if label == "ORG" and _is_country_or_big_place(name, 100_000):
        return "GPE"
    if label == "PERSON" and _is_country_or_big_place(name, PERSON_TO_PLACE_MIN_POPULATION):
        return "GPE"
    return label


def looks_like_acronym(text: str) -> bool:
    """Return whether a text is written as an acronym: capitals, dots, "&" ("EC", "U.N.")."""
    return bool(_ACRONYM.match(text))


def fits_acronym(acronym: str, name: str) -> bool:
    """Return whether an acronym spells the initials of a name ("EC": "European Community")."""
    letters = acronym.replace(".", "").replace("&", "").upper()
    words = [w for w in re.split(r"[\s-]+", name) if w and w.casefold() not in _SMALL_WORDS]
    initials = "".join(w[0] for w in words).upper()
    return len(letters) >= 2 and (letters == initials or (len(words) == 1 and letters in name))


def acronym_definitions(text: str, spans: list[tuple[int, str, str]]) -> dict[str, tuple[str, str]]:
    """Return acronym -> (long name, label) for names the article follows with "(ACRONYM)".

    spans: (end offset, canonical name, label) of each of the article's names.
    """
    found: dict[str, tuple[str, str]] = {}
    for end, name, label in spans:
        match = _ACRONYM_AFTER.match(text, end)
        if match and " " in name and fits_acronym(match.group(1), name):
            found.setdefault(match.group(1).replace(".", ""), (name, label))
    return found


def resolve_generic(index: int, names: list[tuple[str, str]]) -> tuple[str, str] | None:
    """Return the (name, label) a bare generic head at `index` stands for, or None.

    The nearest name before it that ends in the head ("World Bank" for "Bank") or starts with
    it and "of" ("House of Representatives" for "House") resolves it; failing that, the first
    such name after it.
    """
    head = names[index][0].casefold()

    def resolves(name: str) -> bool:
        words = name.casefold().split()
        return len(words) > 1 and (words[-1] == head or words[:2] == [head, "of"])

    before = [n for n in names[:index] if resolves(n[0])]
    after = [n for n in names[index + 1 :] if resolves(n[0])]
    return before[-1] if before else (after[0] if after else None)


def is_generic(name: str) -> bool:
    """Return whether a name is a bare generic head noun ("Bank", "the House")."""
    return name.casefold() in GENERIC_HEADS
