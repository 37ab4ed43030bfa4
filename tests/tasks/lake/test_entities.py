"""Tests for the `entities` aggregate: its row depends on the mentions, not on their order."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from tasks.lake.entities import batch_entities
from tasks.schema import MENTIONS

pytestmark = pytest.mark.unit


def mention(n: int, name: str, label: str, article: str) -> dict[str, object]:
    return {
        "mention_id": f"m{n}", "article_id": article, "start_char": 0, "end_char": len(name),
        "text": name, "label": label, "spacy_label": label, "sentence_index": 0,
        "canonical_name": name, "entity_id": "e1",
    }  # fmt: skip


def test_a_tied_name_and_label_are_chosen_the_same_whatever_the_order() -> None:
    rows = [
        mention(1, "Harbour Committee", "ORG", "a1"),
        mention(2, "Harbour committee", "ORG", "a2"),
        mention(3, "Harbour committee", "FAC", "a3"),
        mention(4, "Harbour Committee", "FAC", "a3"),
    ]
    seen = set()
    for order in itertools.permutations(rows):
        (row,) = batch_entities(pa.Table.from_pylist(list(order), schema=MENTIONS)).to_pylist()
        seen.add((row["canonical_name"], row["label"], row["mention_count"]))
    assert seen == {("Harbour Committee", "FAC", 4)}  # two each: the first alphabetically


def test_the_most_used_name_wins() -> None:
    rows = [mention(n, "Harbour committee", "ORG", "a1") for n in range(2)]
    rows.append(mention(9, "Harbour Committee", "ORG", "a2"))
    (row,) = batch_entities(pa.Table.from_pylist(rows, schema=MENTIONS)).to_pylist()
    assert (row["canonical_name"], row["article_count"]) == ("Harbour committee", 2)
