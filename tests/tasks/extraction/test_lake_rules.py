"""The lake-level entity rules on mention rows: ruler, surname merge, acronym pairs."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tasks.extraction.lake_rules import apply_knowledge, apply_to_row, build_knowledge
from tasks.extraction.names import entity_id
from tasks.schema import MENTIONS

pytestmark = pytest.mark.unit


def entity(name: str, label: str, articles: int, *aliases: str) -> dict:
    """Return an `entities` row as read_knowledge reads it."""
    return {
        "canonical_name": name,
        "label": label,
        "aliases": [name, *aliases],
        "article_count": articles,
    }


KNOWLEDGE = build_knowledge(
    [
        entity("Stephen Shank", "PERSON", 4, "Shank"),
        entity("John Baker", "PERSON", 5, "Baker"),
        entity("Mary Baker", "PERSON", 3),
        entity("Ann Rare", "PERSON", 2),  # too few articles to stand for "Rare"
        entity("European Community", "ORG", 6, "EC"),
        entity("Kenner Parker", "ORG", 9),
        entity("Kenner Parker", "PERSON", 1),
        entity("United States", "GPE", 40, "U.S."),
    ]
)


def mention(text: str, label: str, name: str | None = None, source: str = "none") -> dict:
    """Return a mention row as extraction makes it."""
    name = name or text
    return {
        "mention_id": f"m-{text}",
        "article_id": "a",
        "start_char": 0,
        "end_char": len(text),
        "text": text,
        "label": label,
        "spacy_label": label,
        "sentence_index": 0,
        "canonical_name": name,
        "entity_id": entity_id(label, name),
        "canonical_source": source,
    }


def resolved(row: dict) -> tuple[str, str, str]:
    out = apply_to_row(row, KNOWLEDGE)
    assert out["entity_id"] == entity_id(out["label"], out["canonical_name"])
    return out["canonical_name"], out["label"], out["canonical_source"]


def test_a_bare_surname_merges_with_the_one_full_name_the_lake_knows() -> None:
    assert resolved(mention("Shank", "PERSON")) == ("Stephen Shank", "PERSON", "lake")
    assert resolved(mention("Shank", "ORG")) == ("Stephen Shank", "PERSON", "lake")
    assert resolved(mention("Kenner", "GPE")) == ("Kenner", "GPE", "none")  # places stay


def test_an_ambiguous_or_rare_surname_is_left_alone() -> None:
    assert resolved(mention("Baker", "PERSON")) == ("Baker", "PERSON", "none")
    assert resolved(mention("Rare", "PERSON")) == ("Rare", "PERSON", "none")


def test_a_name_the_article_resolved_is_not_touched() -> None:
    row = mention("Shank", "PERSON", "Peter Shank", "article")
    assert apply_to_row(row, KNOWLEDGE) is row


def test_an_acronym_the_lake_knows_takes_its_long_form() -> None:
    assert resolved(mention("EC", "ORG")) == ("European Community", "ORG", "lake")
    assert resolved(mention("E.C.", "GPE")) == ("European Community", "ORG", "lake")


def test_the_lakes_dominant_label_acts_as_a_ruler() -> None:
    assert resolved(mention("Kenner Parker", "PERSON")) == ("Kenner Parker", "ORG", "none")
    # a place takes the lake's name of it
    assert resolved(mention("U.S.", "ORG")) == ("United States", "GPE", "lake")


def test_a_table_of_mentions_keeps_its_schema_and_rows() -> None:
    table = pa.Table.from_pylist([mention("Shank", "PERSON"), mention("Tonka", "ORG")], MENTIONS)
    out = apply_knowledge(table, KNOWLEDGE)
    assert out.schema == MENTIONS and out.num_rows == 2
    assert out.column("canonical_name").to_pylist() == ["Stephen Shank", "Tonka"]
    assert apply_knowledge(table, None) is table
