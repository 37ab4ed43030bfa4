"""Tests for offline place resolution and the focus country."""

from __future__ import annotations

import pycountry
import pytest
import spacy
from spacy.tokens import Doc

from tasks.extraction.places import extract_places, focus_country, load_gazetteer, resolve_place

ROW_KEYS = {
    "text",
    "start_char",
    "end_char",
    "origin",
    "name",
    "country_code",
    "admin1_code",
    "admin1_name",
    "latitude",
    "longitude",
    "gazetteer_id",
    "precision",
}
COUNTRY_CODES = {country.alpha_2 for country in pycountry.countries}


def dateline(*places: tuple[str, str | None]) -> list[dict[str, str | None]]:
    return [{"name": name, "region": region} for name, region in places]


def tagged(text: str, *ents: tuple[str, str]) -> Doc:
    """Return a blank-pipeline doc of text with the given (substring, label) entities."""
    doc = spacy.blank("en")(text)
    spans, start = [], 0
    for part, label in ents:
        begin = text.index(part, start)
        span = doc.char_span(begin, begin + len(part), label=label)
        assert span is not None, part
        spans.append(span)
        start = begin + len(part)
    doc.ents = spans
    return doc


def resolved(name: str, region: str | None = None) -> dict:
    place = resolve_place(name, region)
    assert place is not None, (name, region)
    return place


def by_origin(rows: list[dict], origin: str) -> list[dict]:
    return [row for row in rows if row["origin"] == origin]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("U.S.", "US"),
        ("US", "US"),
        ("the United States", "US"),
        ("America", "US"),
        ("UK", "GB"),
        ("Britain", "GB"),
        ("Great Britain", "GB"),
        ("Russia", "RU"),
        ("South Korea", "KR"),
        ("North Korea’s", "KP"),
        ("Iran", "IR"),
        ("Syria", "SY"),
        ("West Bank", "PS"),
        ("Congo", "CD"),
        ("Ivory Coast", "CI"),
        ("Burma", "MM"),
        ("Taiwan", "TW"),
        ("Puerto Rico", "PR"),
    ],
)
def test_resolve_country_names_and_aliases(name: str, expected: str) -> None:
    place = resolve_place(name)
    assert place is not None
    assert (place["country_code"], place["precision"]) == (expected, "country")
    assert place["gazetteer_id"] == f"iso3166:{expected}"


@pytest.mark.unit
def test_resolve_place_returns_the_places_columns() -> None:
    place = resolve_place("Moscow")
    assert place is not None
    assert set(place) == ROW_KEYS - {"text", "start_char", "end_char", "origin"}
    assert place["name"] == "Moscow"
    assert place["country_code"] == "RU"
    assert place["precision"] == "city"
    assert place["latitude"] == pytest.approx(55.75, abs=0.1)
    assert place["longitude"] == pytest.approx(37.62, abs=0.1)
    assert place["gazetteer_id"].startswith("geonames:")


@pytest.mark.unit
def test_resolve_us_state_from_ap_region() -> None:
    place = resolve_place("Tampa", "Fla.")
    assert place == {
        "name": "Tampa",
        "country_code": "US",
        "admin1_code": "FL",
        "admin1_name": "Florida",
        "latitude": pytest.approx(27.95, abs=0.05),
        "longitude": pytest.approx(-82.46, abs=0.05),
        "gazetteer_id": "geonames:4174757",
        "precision": "city",
    }


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "region", "country", "admin1"),
    [
        ("Springfield", "Ill.", "US", "IL"),
        ("Springfield", "Ill", "US", "IL"),
        ("Springfield", "Mo.", "US", "MO"),
        ("Kansas City", "Mo.", "US", "MO"),
        ("Moscow", "Idaho", "US", "ID"),
        ("Vancouver", "Wash.", "US", "WA"),
        ("Vancouver", None, "CA", None),
        ("White Plains", "New York", "US", "NY"),
        ("Birmingham", "Ala.", "US", "AL"),
        ("Birmingham", None, "GB", "ENG"),
        ("Manchester", "England", "GB", "ENG"),
        ("Al-Bab", "Syria", "SY", None),
        ("Goma", "Democratic Republic of Congo", "CD", None),
    ],
)
def test_region_hint_picks_the_city(
    name: str, region: str | None, country: str, admin1: str | None
) -> None:
    place = resolve_place(name, region)
    assert place is not None
    assert place["precision"] == "city"
    assert place["country_code"] == country
    if admin1:
        assert place["admin1_code"] == admin1


@pytest.mark.unit
def test_a_country_beats_a_city_and_the_biggest_city_wins() -> None:
    assert resolved("Georgia")["country_code"] == "GE"
    assert resolved("Singapore")["precision"] == "country"
    assert resolved("Moscow")["country_code"] == "RU"
    assert resolved("Paris")["country_code"] == "FR"
    assert resolved("Tripoli")["country_code"] == "LY"


@pytest.mark.unit
def test_washington_is_the_capital_unless_a_region_says_otherwise() -> None:
    capital = resolved("Washington")
    assert capital is not None
    assert (capital["country_code"], capital["admin1_code"], capital["precision"]) == (
        "US",
        "DC",
        "city",
    )
    assert resolved("Washington", "D.C.") == capital
    assert resolved("Washington D.C.") == capital
    assert resolved("Washington", "Utah")["admin1_code"] == "UT"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "country", "admin1"),
    [
        ("Florida", "US", "FL"),
        ("California", "US", "CA"),
        ("South Florida", "US", "FL"),
        ("Catalonia", "ES", "CT"),
        ("Crimea", "UA", "43"),
        ("Kurdistan", "IQ", "KR"),
        ("Scotland", "GB", "SCT"),
        ("Bavaria", "DE", "BY"),
        ("Xinjiang", "CN", "XJ"),
    ],
)
def test_resolve_first_level_subdivisions(name: str, country: str, admin1: str) -> None:
    place = resolve_place(name)
    assert place is not None
    assert (place["country_code"], place["admin1_code"], place["precision"]) == (
        country,
        admin1,
        "admin",
    )
    assert place["gazetteer_id"] == f"iso3166-2:{country}-{admin1}"
    assert place["latitude"] is None


@pytest.mark.unit
@pytest.mark.parametrize(
    ("name", "expected"),
    [("Kiev", "Kyiv"), ("Raqqa", "Ar Raqqah"), ("Deir al-Zor", "Deir ez-Zor"), ("New York", None)],
)
def test_exonyms_and_spellings_resolve_to_the_geonames_city(
    name: str, expected: str | None
) -> None:
    place = resolve_place(name)
    assert place is not None
    assert place["precision"] == "city"
    assert place["name"] == (expected or "New York City")


@pytest.mark.unit
@pytest.mark.parametrize(
    "name",
    ["Europe", "the Middle East", "Asia", "Gulf", "Caribbean", "Kosovo", "United Nations", ""],
)
def test_continents_regions_and_non_places_do_not_resolve(name: str) -> None:
    assert resolve_place(name) is None


@pytest.mark.unit
def test_unknown_name_falls_back_to_its_region() -> None:
    base = resolve_place("Zorbly Air Base", "Afghanistan")
    assert base is not None
    assert (base["name"], base["country_code"], base["precision"]) == (
        "Afghanistan",
        "AF",
        "country",
    )
    town = resolve_place("Quimbleton", "Iowa")
    assert town is not None
    assert (town["country_code"], town["admin1_code"], town["precision"]) == ("US", "IA", "admin")
    assert resolve_place("Quimbleton") is None


@pytest.mark.unit
def test_gazetteer_tables_are_consistent() -> None:
    gazetteer = load_gazetteer()
    for candidates in gazetteer.names.values():
        assert all(c.country_code in COUNTRY_CODES for c in candidates)
    assert {c.country_code for c in gazetteer.demonyms.values()} <= COUNTRY_CODES
    assert gazetteer.names["europe"] == ()


@pytest.mark.unit
def test_focus_country_sums_weights_and_breaks_ties_by_first_seen() -> None:
    assert focus_country([("FR", 1.0), ("DE", 1.0)]) == "FR"
    assert focus_country([("FR", 1.0), ("DE", 1.0), ("DE", 1.0)]) == "DE"
    assert focus_country([]) is None


@pytest.mark.unit
def test_demonyms_parties_and_religions() -> None:
    text = "Syrians and Chinese diplomats met Republican and Democratic senators and Muslim groups."
    doc = tagged(
        text,
        ("Syrians", "NORP"),
        ("Chinese", "NORP"),
        ("Republican", "NORP"),
        ("Democratic", "NORP"),
        ("Muslim", "NORP"),
    )
    rows, focus = extract_places(doc, [])
    assert [(r["text"], r["country_code"], r["origin"]) for r in rows] == [
        ("Syrians", "SY", "demonym"),
        ("Chinese", "CN", "demonym"),
    ]
    assert all(r["precision"] == "country" for r in rows)
    assert focus == "SY"


@pytest.mark.unit
def test_compound_entities_give_one_row_per_part() -> None:
    text = "The U.S.-China talks and Saudi-Russian output deal and pro-Russian rebels."
    doc = tagged(text, ("U.S.-China", "GPE"), ("Saudi-Russian", "NORP"), ("pro-Russian", "NORP"))
    rows, _ = extract_places(doc, [])
    assert [(r["text"], r["country_code"]) for r in rows] == [
        ("U.S.", "US"),
        ("China", "CN"),
        ("Saudi", "SA"),
        ("Russian", "RU"),
    ]
    assert all(text[r["start_char"] : r["end_char"]] == r["text"] for r in rows)


@pytest.mark.unit
def test_a_person_tagged_as_a_place_is_skipped() -> None:
    text = "Barack Obama spoke. Obama said Obama would return to Chicago."
    doc = tagged(
        text,
        ("Barack Obama", "PERSON"),
        ("Obama", "PERSON"),
        ("Obama", "GPE"),
        ("Chicago", "GPE"),
    )
    rows, focus = extract_places(doc, [])
    assert [r["name"] for r in rows] == ["Chicago"]
    assert focus == "US"


@pytest.mark.unit
def test_the_article_decides_between_namesakes() -> None:
    text = "Voters in Georgia went to the polls, and in Birmingham, Alabama, turnout was high."
    doc = tagged(text, ("Georgia", "GPE"), ("Birmingham", "GPE"), ("Alabama", "GPE"))
    rows, focus = extract_places(doc, dateline(("Atlanta", None)))
    georgia, birmingham = rows[1], rows[2]
    assert (georgia["country_code"], georgia["admin1_code"]) == ("US", "GA")
    assert (birmingham["country_code"], birmingham["admin1_code"]) == ("US", "AL")
    assert focus == "US"
    abroad = tagged("Georgia and Armenia signed a pact.", ("Georgia", "GPE"), ("Armenia", "GPE"))
    rows, _ = extract_places(abroad, dateline(("Tbilisi", None)))
    assert rows[1]["country_code"] == "GE"


@pytest.mark.unit
def test_washington_moscow_wire_story(nlp) -> None:
    body = (
        "U.S. President Alan Stroud told Russian President Pavel Orlov on Friday that a strike "
        "on a Syrian air base was justified, officials in Moscow said."
    )
    rows, focus = extract_places(nlp(body), dateline(("Washington", None), ("Moscow", None)))
    assert all(set(row) == ROW_KEYS for row in rows)
    datelines = by_origin(rows, "dateline")
    assert [(r["text"], r["name"], r["country_code"]) for r in datelines] == [
        ("Washington", "Washington", "US"),
        ("Moscow", "Moscow", "RU"),
    ]
    assert all(r["start_char"] is None and r["end_char"] is None for r in datelines)
    mentions = {r["text"]: r for r in by_origin(rows, "mention")}
    assert mentions["U.S."]["name"] == "United States"
    assert mentions["U.S."]["precision"] == "country"
    moscow = mentions["Moscow"]
    assert (moscow["country_code"], moscow["precision"]) == ("RU", "city")
    assert moscow["latitude"] == pytest.approx(55.75, abs=0.1)
    demonyms = {r["text"]: r["country_code"] for r in by_origin(rows, "demonym")}
    assert demonyms["Syrian"] == "SY"
    assert demonyms["Russian"] == "RU"
    assert focus == "US"
    assert all(body[r["start_char"] : r["end_char"]] == r["text"] for r in rows if r["start_char"])


@pytest.mark.unit
def test_tampa_dateline(nlp) -> None:
    body = "Storm shutters went up along the coast on Monday as residents waited for the rain."
    rows, focus = extract_places(nlp(body), dateline(("Tampa", "Fla.")))
    assert rows[0]["text"] == "Tampa"
    assert (rows[0]["name"], rows[0]["admin1_code"], rows[0]["country_code"]) == (
        "Tampa",
        "FL",
        "US",
    )
    assert focus == "US"


@pytest.mark.unit
def test_three_place_dateline(nlp) -> None:
    body = "Turkish-backed fighters entered the town on Thursday, a monitoring group said."
    places = dateline(("Al-Bab", "Syria"), ("Beirut", None), ("Ankara", None))
    rows, focus = extract_places(nlp(body), places)
    datelines = by_origin(rows, "dateline")
    assert [(r["country_code"], r["precision"]) for r in datelines] == [
        ("SY", "city"),
        ("LB", "city"),
        ("TR", "city"),
    ]
    assert focus == "SY"


@pytest.mark.unit
def test_no_place_no_focus(nlp) -> None:
    rows, focus = extract_places(nlp("The committee met on Tuesday and adjourned."), [])
    assert rows == []
    assert focus is None


@pytest.mark.unit
def test_every_mention_of_a_place_gives_a_row(nlp) -> None:
    body = "France said on Monday that France would act. Officials in France agreed."
    rows, focus = extract_places(nlp(body), [])
    france = [r for r in rows if r["country_code"] == "FR"]
    assert len(france) == 3
    assert all(body[r["start_char"] : r["end_char"]] == "France" for r in france)
    assert focus == "FR"


@pytest.mark.slow
def test_isot_sample(isot_docs) -> None:
    load_gazetteer()
    results = [extract_places(doc, article["dateline_places"]) for article, doc in isot_docs]
    missing = [
        article["title"]
        for (article, _), (_, focus) in zip(isot_docs, results, strict=True)
        if focus is None
    ]
    share = 1 - len(missing) / len(isot_docs)
    rows = sum(len(r) for r, _ in results)
    print(f"\nplaces: {rows} rows, focus share {share:.2%}; no focus: {missing}")
    assert share >= 0.98, missing
    for (_, doc), (place_rows, focus) in zip(isot_docs, results, strict=True):
        assert focus is None or focus in COUNTRY_CODES
        for row in place_rows:
            assert set(row) == ROW_KEYS
            assert row["country_code"] in COUNTRY_CODES
            assert row["precision"] in {"country", "admin", "city"}
            if row["origin"] == "dateline":
                assert row["start_char"] is None and row["end_char"] is None
            else:
                assert doc.text[row["start_char"] : row["end_char"]] == row["text"]
