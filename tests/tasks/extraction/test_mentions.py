from __future__ import annotations

import pytest

from tasks.extraction.mentions import entity_id, extract_mentions, resolve_names, strip_name

pytestmark = pytest.mark.unit

STORY = (
    "U.S. President Donald Trump and Russian President Vladimir Putin on Tuesday agreed to "
    "reopen talks after the strike on an air base used by Syrian President Bashar al-Assad, "
    "a White House statement said. Putin told reporters in Moscow the talks would start soon. "
    "Trump, speaking at the White House, said Assad had to go."
)


def test_titles_articles_and_possessives_are_stripped() -> None:
    assert strip_name("President Donald Trump", "PERSON") == "Donald Trump"
    assert strip_name("the White House", "ORG") == "White House"
    assert strip_name("Putin’s", "PERSON") == "Putin"
    assert strip_name("President", "PERSON") == "President"


def test_short_forms_resolve_to_full_names_within_the_article(nlp) -> None:
    rows = extract_mentions(nlp(STORY))
    names = {(r["text"], r["canonical_name"], r["label"]) for r in rows}
    assert ("Putin", "Vladimir Putin", "PERSON") in names
    assert ("Assad", "Bashar al-Assad", "PERSON") in names
    assert ("Donald Trump", "Donald Trump", "PERSON") in names
    houses = {r["entity_id"] for r in rows if r["canonical_name"] == "White House"}
    assert len(houses) == 1
    for row in rows:
        assert STORY[row["start_char"] : row["end_char"]] == row["text"]
    numeric = {"DATE", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "TIME", "ORDINAL"}
    assert not {r["spacy_label"] for r in rows} & numeric


class FakeSpan:
    def __init__(self, text: str, label: str) -> None:
        self.text, self.label_ = text, label


def test_a_wrongly_labelled_short_form_takes_the_full_names_label() -> None:
    spans = [FakeSpan("Donald Trump", "PERSON"), FakeSpan("Trump", "ORG")]
    resolved = [(r.name, r.label, r.source) for r in resolve_names(spans)]
    assert resolved == [("Donald Trump", "PERSON", "none"), ("Donald Trump", "PERSON", "article")]


def test_entity_ids_ignore_case_and_spacing() -> None:
    assert entity_id("ORG", "White  House") == entity_id("ORG", "white house")
    assert entity_id("ORG", "White House") != entity_id("FAC", "White House")
