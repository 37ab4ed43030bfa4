"""Tests for tasks/extraction/sentences.py: the sentence index every extracted table carries."""

from __future__ import annotations

import pytest
import spacy

from tasks.extraction.sentences import sentence_index, sentence_starts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("offset", "index"), [(0, 0), (9, 0), (10, 1), (24, 1), (25, 2), (1000, 2)]
)
def test_sentence_index(offset: int, index: int) -> None:
    assert sentence_index([0, 10, 25], offset) == index


def test_sentence_index_without_sentences() -> None:
    assert sentence_index([], 7) == 0
    assert sentence_index([5], 2) == 0


def test_sentence_starts(nlp) -> None:
    text = "Talks resumed on Monday. Both sides said progress was made.\n\nA deal is near."
    doc = nlp(text)
    starts = sentence_starts(doc)
    assert starts == [sent.start_char for sent in doc.sents]
    assert [text[s : s + 4] for s in starts][:2] == ["Talk", "Both"]
    assert sentence_index(starts, text.index("progress")) == 1


def test_sentence_starts_of_a_doc_without_sentences() -> None:
    doc = spacy.blank("en")("No parser ran over this text. So it has no sentences.")
    assert sentence_starts(doc) == [0]
