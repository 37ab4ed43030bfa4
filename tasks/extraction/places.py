"""Resolve place names against the offline gazetteer and pick an article's focus country."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from spacy.tokens import Doc, Span

from tasks.extraction.gazetteer import Gazetteer, Location, load_gazetteer, normalise_name

ENTITY_LABELS = frozenset({"GPE", "LOC", "NORP"})  # NORP for demonyms ("Syrian")
# the first dateline place is where the story was filed; later ones are contributing bureaus
DATELINE_WEIGHTS = (5.0, 3.0)
# a mention that names a person elsewhere in the text is no place if it is only a town this small
PERSON_TOWN_MAX_POPULATION = 100_000
# a city in a state the article names beats a namesake up to this many times its size
CONTEXT_POPULATION_RATIO = 10

_DIRECTION_RX = re.compile(
    r"^(?:(?:north|south)(?: ?(?:east|west))?(?:ern)?|(?:east|west)(?:ern)?|central|upstate) (.+)$"
)
_WATER_RX = re.compile(r" (?:sea|ocean|river|strait|straits|channel|peninsula)$")
_PART_RX = re.compile(r"[^\s\-–—]+(?:\s+[^\s\-–—]+)*")


class _Hit(NamedTuple):
    text: str
    start: int | None
    end: int | None
    origin: str
    candidates: tuple[Location, ...]
    region: Location | None


@dataclass(frozen=True)
class _Context:
    country: str | None
    admins: frozenset[tuple[str, str | None]]


def resolve_place(name: str, region: str | None = None) -> dict[str, Any] | None:
    """Resolve a place name (optionally with a region hint such as 'Fla.', 'Syria') offline."""
    gazetteer = load_gazetteer()
    found = _choose(gazetteer, _candidates(gazetteer, name), _region(gazetteer, region), None)
    return found.fields() if found else None


def extract_places(
    doc: Doc, dateline_places: list[dict[str, str | None]]
) -> tuple[list[dict[str, Any]], str | None]:
    """Return the rows of the dateline places and place entities, and the focus country or None."""
    gazetteer = load_gazetteer()
    entities = [ent for ent in doc.ents if ent.label_ in ENTITY_LABELS]
    # a name tagged PERSON as often as a place is taken for a person ("Obama", a town in Japan)
    people = Counter(_key(tok.text) for ent in doc.ents if ent.label_ == "PERSON" for tok in ent)
    people.subtract(_key(ent.text) for ent in entities)
    hits = list(_dateline_hits(gazetteer, dateline_places))
    for ent in entities:
        hits += _entity_hits(gazetteer, ent, people)
    # first each hit on its own, then ambiguous names again in the light of the whole article
    first = [_choose(gazetteer, hit.candidates, hit.region, None) for hit in hits]
    context = _context(hits, first)
    chosen = [
        _choose(gazetteer, hit.candidates, None, context) if _is_ambiguous(hit) else found
        for hit, found in zip(hits, first, strict=True)
    ]
    rows = [
        {"text": hit.text, "start_char": hit.start, "end_char": hit.end, "origin": hit.origin}
        | found.fields()
        for hit, found in zip(hits, chosen, strict=True)
        if found is not None
    ]
    return rows, focus_country(_weights(hits, chosen))


def focus_country(weighted: Iterable[tuple[str, float]]) -> str | None:
    """Return the country with the highest total weight, the first seen on a tie, or None."""
    scores: dict[str, float] = {}
    for country, weight in weighted:
        scores[country] = scores.get(country, 0.0) + weight
    return max(scores, key=scores.__getitem__, default=None)


def _weights(hits: list[_Hit], chosen: list[Location | None]) -> Iterator[tuple[str, float]]:
    """Yield (country, weight) per resolved hit: datelines weigh heavily, mentions count once."""
    datelines = 0
    for hit, found in zip(hits, chosen, strict=True):
        weight = 1.0
        if hit.origin == "dateline":
            weight = DATELINE_WEIGHTS[min(datelines, len(DATELINE_WEIGHTS) - 1)]
            datelines += 1
        if found is not None:
            yield found.country_code, weight


def _is_ambiguous(hit: _Hit) -> bool:
    """Return whether a hit has several candidates and no region to choose between them."""
    return hit.region is None and len(hit.candidates) > 1


def _context(hits: list[_Hit], first: list[Location | None]) -> _Context:
    """Return the provisional focus country (from unambiguous hits) and the states named."""
    clear = [
        (hit, found)
        for hit, found in zip(hits, first, strict=True)
        if found is not None
        and (hit.region or all(c.country_code == found.country_code for c in hit.candidates))
    ]
    admins = frozenset(
        (found.country_code, found.admin1_code)
        for hit, found in clear
        if found.precision == "admin" or (hit.origin == "dateline" and found.admin1_code)
    )
    weights = _weights([hit for hit, _ in clear], [found for _, found in clear])
    return _Context(focus_country(weights), admins)


def _dateline_hits(gazetteer: Gazetteer, places: list[dict[str, str | None]]) -> Iterator[_Hit]:
    """Yield one hit per dateline place; its region narrows the candidates."""
    for place in places:
        name = place.get("name") or ""
        region = _region(gazetteer, place.get("region"))
        yield _Hit(name, None, None, "dateline", _candidates(gazetteer, name), region)


def _entity_hits(gazetteer: Gazetteer, ent: Span, people: Counter[str]) -> list[_Hit]:
    """Return the hits of one entity: the whole text, or each part of "U.S.-China"."""
    norp = ent.label_ == "NORP"
    found = _lookup(gazetteer, ent.text, norp)
    if found and _is_person(ent.text, found[1], people):
        return []
    if found:
        return [_Hit(ent.text, ent.start_char, ent.end_char, *found, None)]
    parts = list(_PART_RX.finditer(ent.text))
    if len(parts) < 2 or not all(part.group()[0].isupper() for part in parts):
        return []
    hits = []
    for part in parts:
        found = _lookup(gazetteer, part.group(), norp)
        if found is None:
            return []
        start, end = ent.start_char + part.start(), ent.start_char + part.end()
        hits.append(_Hit(part.group(), start, end, *found, None))
    return hits


def _is_person(text: str, candidates: tuple[Location, ...], people: Counter[str]) -> bool:
    """Return whether a text names a person as often as a place and could only be a small town."""
    return people[_key(text)] >= 0 and all(
        c.precision == "city" and c.population < PERSON_TOWN_MAX_POPULATION for c in candidates
    )


def _lookup(gazetteer: Gazetteer, text: str, norp: bool) -> tuple[str, tuple[Location, ...]] | None:
    """Return the origin and candidates of an entity text: a place name or a demonym."""
    demonym = _demonym(gazetteer, text)
    if norp and demonym:
        return "demonym", (demonym,)
    candidates = _candidates(gazetteer, text)
    if candidates:
        return "mention", candidates
    return ("demonym", (demonym,)) if demonym else None


def _candidates(gazetteer: Gazetteer, name: str) -> tuple[Location, ...]:
    """Return the locations a name may denote, best first ("southern Syria" -> Syria)."""
    key = _key(name)
    found = gazetteer.names.get(key)
    if found is not None:
        return found
    if _WATER_RX.search(key):
        return ()
    direction = _DIRECTION_RX.match(key)
    if direction is None:
        return ()
    return tuple(c for c in gazetteer.names.get(direction[1], ()) if c.precision != "city")


def _demonym(gazetteer: Gazetteer, text: str) -> Location | None:
    """Return the country of a demonym ("Syrians", "Syrian Kurdish"), or None."""
    key = _key(text)
    found = gazetteer.demonyms.get(key)
    if found is None and key.endswith("s"):
        found = gazetteer.demonyms.get(key[:-1])
    words = text.split()
    if found is None and len(words) > 1:
        found = gazetteer.demonyms.get(_key(words[0]))
    return found


def _region(gazetteer: Gazetteer, region: str | None) -> Location | None:
    """Return the state or country a dateline region names ("Fla.", "Syria"), or None."""
    if not region:
        return None
    key = _key(region)
    found = gazetteer.regions.get(key)
    if found is not None:
        return found
    return next((c for c in gazetteer.names.get(key, ()) if c.precision != "city"), None)


def _choose(
    gazetteer: Gazetteer,
    candidates: tuple[Location, ...],
    region: Location | None,
    context: _Context | None,
) -> Location | None:
    """Return the best candidate: inside the region if given, else fitting the article."""
    if region is not None:
        strict = (region.country_code, region.admin1_code) in gazetteer.city_admins
        inside = (c for c in candidates if _is_within(c, region, strict))
        return next(inside, region)
    if not candidates:
        return None
    best = candidates[0]
    if context is None:
        return best
    if best.precision != "city":
        # "Georgia" in a story about the United States is the state
        local = (
            c for c in candidates if c.precision != "city" and c.country_code == context.country
        )
        return next(local, best)
    # "Birmingham" in a story that names Alabama is the city in Alabama
    named = (
        c
        for c in candidates
        if (c.country_code, c.admin1_code) in context.admins
        and c.population * CONTEXT_POPULATION_RATIO >= best.population
    )
    return next(named, best)


def _is_within(location: Location, region: Location, strict: bool) -> bool:
    """Return whether a location lies in a region (comparing states only where codes agree)."""
    if location.country_code != region.country_code:
        return False
    if region.precision == "country":
        return True
    if location.precision == "country":
        return False
    return not strict or location.admin1_code == region.admin1_code


@lru_cache(maxsize=1 << 16)
def _key(text: str) -> str:
    """Return the look-up key of a name: accents, case, dots, "the" and "'s" dropped."""
    return normalise_name(text)
