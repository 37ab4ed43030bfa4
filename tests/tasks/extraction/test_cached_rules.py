"""The cached attribute ruler and lemmatizer give the stock components' annotations."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from tasks.extraction.cached_rules import CachedAttributeRuler, CachedLemmatizer, use_cached_rules
from tests.conftest import SPACY_MODEL

OWN_TEXT = [
    "Gonna be fine, y'all said, and let's see: there is a storm coming, c'mon.",
    "The mayor ain't gotta sign it; the council's votes were counted twice.",
    "  Spaces\n\n\tand\u00a0odd   whitespace stay tokens of their own.  ",
    "",
    "Der Bürgermeister sagte: «Wir warten.» — and $4.5bn (£3.6bn) went to the fund.",
]


def annotations(doc) -> list[tuple]:
    """Every token's annotations the two components set or read, as strings."""
    return [
        (t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_)
        for t in doc
    ]


@pytest.fixture(scope="module")
def stock_nlp():
    from tasks.extraction.nlp import load_nlp

    return load_nlp(SPACY_MODEL, cached_rules=False)


@pytest.mark.unit
def test_the_pipeline_newslake_loads_uses_both_cached_components(nlp) -> None:
    kinds = {name: type(component) for name, component in nlp.pipeline}
    assert kinds["attribute_ruler"] is CachedAttributeRuler
    assert kinds["lemmatizer"] is CachedLemmatizer


@pytest.mark.unit
def test_own_sentences_get_the_stock_annotations(nlp, stock_nlp) -> None:
    for text in OWN_TEXT:
        assert annotations(nlp(text)) == annotations(stock_nlp(text)), text


def ruler_pair(patterns: list[dict]):
    """Return a blank English pipeline's stock attribute ruler with the patterns, and its cache."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add_patterns(patterns)
    return nlp, ruler, CachedAttributeRuler.of(ruler)


@pytest.mark.unit
def test_later_rules_win_single_and_longer_patterns_alike() -> None:
    from spacy.tokens import Doc

    patterns = [
        {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "MORPH": "Number=Sing"}},
        {"patterns": [[{"LOWER": "data", "TAG": "NN"}]], "attrs": {"MORPH": "Number=Plur"}},
        {
            "patterns": [[{"LOWER": "new"}, {"LOWER": "york"}]],
            "attrs": {"POS": "PROPN"},
            "index": -1,
        },
        {"patterns": [[{"TAG": {"IN": ["VBZ", "VBP"]}}]], "attrs": {"POS": "VERB"}},
        {"patterns": [[{"LOWER": {"REGEX": "^x+$"}}]], "attrs": {"LEMMA": "x"}},
        {"patterns": [[{"LOWER": "york"}]], "attrs": {"POS": "X"}},
        {
            "patterns": [[{"DEP": {"NOT_IN": ["nsubj", "amod"]}, "TAG": "NN"}]],
            "attrs": {"LEMMA": "other"},
        },
        {"patterns": [[{"LOWER": "san"}, {"LOWER": "jose"}]], "attrs": {"POS": "PROPN"}},
        {
            "patterns": [[{"DEP": "nsubj", "TAG": "NN"}], [{"IS_SPACE": True}]],
            "attrs": {"TAG": "XX"},
        },
    ]
    nlp, stock, cached = ruler_pair(patterns)
    assert cached is not None
    words = "Data is new York and san jose xxx data new york san".split()
    tags = ["NN", "VBZ", "JJ", "NNP", "CC", "NN", "NNP", "NN", "NN", "JJ", "NN", "NN"]
    deps = ["nsubj", "ROOT", "amod", "dobj", "cc", "conj", "flat", "dep", "nsubj", "amod", "x", "y"]
    for _ in range(2):  # the second pass answers from the cache
        docs = [
            Doc(nlp.vocab, words=words, tags=tags, deps=deps, heads=[1] * len(words))
            for _ in range(2)
        ]
        assert annotations(cached(docs[0])) == annotations(stock(docs[1]))
    assert len(cached.cache) < len(words)  # repeated keys looked up, not matched again


@pytest.mark.unit
@pytest.mark.parametrize(
    "pattern",
    [
        {"patterns": [[{"LOWER": "a", "OP": "+"}]], "attrs": {"POS": "DET"}},
        {"patterns": [[{"LOWER": "a"}]], "attrs": {"IS_STOP": True}},
        {"patterns": [[{"LOWER": "a"}]], "attrs": {"POS": "DET"}, "index": 1},
    ],
    ids=["operator", "lexical-attribute", "index-past-the-token"],
)
def test_rules_outside_the_cache_keep_the_stock_ruler(pattern: dict) -> None:
    _, _, cached = ruler_pair([pattern])
    assert cached is None


@pytest.mark.unit
def test_a_pipeline_without_the_components_is_left_as_it_is() -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    assert [type(c).__name__ for _, c in use_cached_rules(nlp).pipeline] == ["Sentencizer"]


@pytest.mark.integration
def test_corpora_get_the_stock_annotations_token_for_token(
    nlp, stock_nlp, bbc_dir: Path, isot_csv: Path
) -> None:
    texts = [p.read_bytes().decode("latin-1") for p in sorted(bbc_dir.glob("*/*.txt"))[::30]]
    csv.field_size_limit(sys.maxsize)
    with isot_csv.open(newline="", encoding="utf-8") as rows:
        texts += [row["text"] for _, row in zip(range(40), csv.DictReader(rows), strict=False)]
    cached = list(nlp.pipe(texts))
    stock = list(stock_nlp.pipe(texts))
    assert sum(len(doc) for doc in stock) > 50_000
    for text, a, b in zip(texts, cached, stock, strict=True):
        assert annotations(a) == annotations(b), text[:80]
