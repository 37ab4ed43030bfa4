"""One test per article-level entity correction rule; the stories are our own, 1987 wire style."""

from __future__ import annotations

import pytest

from tasks.extraction.entity_rules import (
    acronym_definitions,
    fits_acronym,
    is_jargon,
    resolve_generic,
    table_label,
    trim_span,
)
from tasks.extraction.mentions import extract_mentions

pytestmark = pytest.mark.unit

EARNINGS = (
    "Harbour Lumber Corp said it expects fourth quarter earnings to improve.\n"
    "Shr 12 cts vs 10 cts\n"
    "Net 5.3 mln dlrs vs 4.1 mln\n"
    "Revs 88.2 mln vs 79.5 mln\n"
    "Avg shrs 44.1 mln vs 43.9 mln\n"
    "Nine mths\n"
    "Shr 41 cts vs 35 cts\n"
    "Net 18.2 mln dlrs vs 15.6 mln\n"
)
COMMUNITY = (
    "Finance ministers of the European Community (EC) met in Brussels on Monday to discuss farm "
    "prices. EC officials said the Bank would not change its rates. Jacques Delors said the "
    "talks went well."
)
TOKYO = (
    "The Bank of Japan bought dollars in Tokyo on Tuesday, dealers said. The Bank intervened "
    "twice in the morning session. The House voted on the trade bill later in the day."
)
TOYS = (
    "Tonka Corp said it agreed to buy Kenner Parker Toys Inc for 555 mln dlrs. Tonka said its "
    "chairman Stephen Shank would lead the group. Shank said the deal would close in June. "
    "Oper shr loss two cts vs profit 15 cts."
)


def mentions(nlp, text: str) -> list[tuple[str, str, str, str]]:
    """Return (text, label, canonical name, canonical source) of each mention of a story."""
    rows = extract_mentions(nlp(text))
    for row in rows:
        assert text[row["start_char"] : row["end_char"]] == row["text"]
    return [(r["text"], r["label"], r["canonical_name"], r["canonical_source"]) for r in rows]


def test_spans_lose_a_leading_the_and_a_trailing_possessive() -> None:
    span = trim_span(10, 30, "the Democratic Party’s", "ORG")
    assert span is not None
    assert (span.start_char, span.end_char, span.text) == (14, 28, "Democratic Party")
    assert trim_span(0, 3, "The", "ORG") is not None  # nothing but "the": kept as it is
    assert trim_span(0, 4, "Bush", "PERSON") == trim_span(0, 4, "Bush", "PERSON")


@pytest.mark.parametrize("text", ["cts", "CTS", "12 cts", "Dlrs", "mln dlrs", "Avg", "Revs", "Shr"])
def test_wire_jargon_is_never_an_entity(text: str) -> None:
    assert is_jargon(text)


@pytest.mark.parametrize("text", ["Harbour Lumber Corp", "Netanyahu", "Avgerinos", "Revson"])
def test_names_that_merely_start_like_jargon_are_kept(text: str) -> None:
    assert not is_jargon(text)


def test_an_earnings_table_gives_no_jargon_mentions(nlp) -> None:
    found = mentions(nlp, EARNINGS)
    assert found == [("Harbour Lumber Corp", "ORG", "Harbour Lumber Corp", "none")]
    # the model alone takes "cts" for an organisation and "Revs", "Avg" for people
    raw = {(e.text, e.label_) for e in nlp(EARNINGS).ents}
    assert {("cts", "ORG"), ("Revs", "PERSON")} <= raw


def test_an_acronym_the_article_defines_counts_as_its_long_form(nlp) -> None:
    assert fits_acronym("EC", "European Community")
    assert fits_acronym("DSA", "Democratic Socialists of America")
    assert not fits_acronym("EC", "Bank of Japan")
    assert acronym_definitions(
        "the European Community (EC) met", [(22, "European Community", "ORG")]
    ) == {"EC": ("European Community", "ORG")}
    found = mentions(nlp, COMMUNITY)
    ec = [m for m in found if m[0] == "EC"]
    assert ec and all(m[1:] == ("ORG", "European Community", "article") for m in ec)
    assert ("European Community", "ORG", "European Community", "none") in found


def test_a_bare_generic_head_takes_the_articles_full_name_or_is_dropped(nlp) -> None:
    names = [("World Bank", "ORG"), ("Bank", "ORG"), ("House of Representatives", "ORG")]
    assert resolve_generic(1, names) == ("World Bank", "ORG")
    assert resolve_generic(0, [("House", "ORG"), ("House of Lords", "ORG")]) == (
        "House of Lords",
        "ORG",
    )
    assert resolve_generic(0, [("Court", "ORG"), ("Tokyo", "GPE")]) is None
    tokyo = mentions(nlp, TOKYO)
    assert ("Bank", "ORG", "Bank of Japan", "article") in tokyo
    assert not [m for m in tokyo if m[0] == "House"]  # nothing in the story resolves it
    community = mentions(nlp, COMMUNITY)
    assert not [m for m in community if m[0] == "Bank"]  # "Bundesbank" is no "... Bank"


@pytest.mark.parametrize(
    ("name", "label", "expected"),
    [
        ("Tunisia", "ORG", "GPE"),  # a country the model took for an organisation
        ("Chad", "PERSON", "GPE"),  # ... or for a person
        ("Texas", "PERSON", "GPE"),  # a first-level subdivision
        ("Washington", "ORG", "GPE"),  # a big city by its own name
        ("White House", "ORG", "ORG"),  # an alternate name of Casablanca does not count
        ("Converse", "PERSON", "PERSON"),  # a town of 27,000 is not enough for a person
        ("Nigerien", "GPE", "NORP"),  # demonyms
        ("Britons", "PERSON", "NORP"),
        ("Harbour Lumber Corp", "PERSON", "ORG"),  # org suffixes
        ("Bay Area Lab Co-Operative", "LOC", "ORG"),
        ("Ministry of Finance", "GPE", "ORG"),
        ("BT", "GPE", "ORG"),  # known acronyms
        ("IMF", "PERSON", "ORG"),
        ("Shank", "ORG", "ORG"),  # nothing to say: the model's label stays
    ],
)
def test_offline_tables_correct_the_models_label(name: str, label: str, expected: str) -> None:
    assert table_label(name, label) == expected


def test_a_surname_in_the_article_still_wins_over_the_tables(nlp) -> None:
    found = mentions(nlp, TOYS)
    assert ("Shank", "PERSON", "Stephen Shank", "article") in found
    assert not [m for m in found if "cts" in m[0]]
