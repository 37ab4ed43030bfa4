"""Date mentions: one row per spaCy DATE entity, resolved in the tense of its sentence."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from spacy.tokens import Doc, Span, Token

from tasks.extraction.date_handlers import Tense
from tasks.extraction.date_resolution import looks_relative, resolve_date
from tasks.extraction.sentences import sentence_index, sentence_starts

_CLOCK_RX = re.compile(r"\s*(?:GMT|UTC|EDT|EST|CDT|CST|PDT|PST|BST|CET|CEST|ET)\b")
_FUTURE_AUX = {"will", "shall", "'ll", "’ll", "wo"}
_PAST_AUX = {"was", "were", "had", "did", "has", "have", "'d"}
_PRESENT_AUX = {"is", "are", "am", "'s", "'re"}
_PLAN_LEMMAS = {"schedule", "due", "set", "plan", "expect"}


def sentence_tense(span: Span) -> Tense:
    """Return the tense of the verb that the date modifies directly ("said on Tuesday"), if any.

    A date inside a noun phrase ("the Nov. 8 election") gets None: the verb says nothing of it.
    """
    token = span.root
    if token.dep_ == "pobj" and token.head.dep_ == "prep":
        token = token.head
    verb = token.head
    if verb is token or verb.pos_ not in ("VERB", "AUX"):
        return None
    return _verb_tense(verb)


def _verb_tense(verb: Token, depth: int = 0) -> Tense:
    auxes = {child.lower_ for child in verb.children if child.dep_ in ("aux", "auxpass")}
    if auxes & _FUTURE_AUX:
        return "future"
    if verb.tag_ == "VBD" or auxes & _PAST_AUX:
        return "past"
    if verb.lemma_ in _PLAN_LEMMAS or (verb.tag_ == "VBG" and auxes & _PRESENT_AUX):
        return "future"  # "is scheduled for", "are meeting on"
    if "to" in auxes and depth == 0 and verb.head is not verb:  # "expects to vote on"
        return "future" if _verb_tense(verb.head, 1) == "future" else None
    return None


def extract_dates(doc: Doc, published_at: datetime | None) -> list[dict[str, Any]]:
    """Return one row per DATE entity of the doc."""
    reference = published_at.date() if published_at is not None else None
    starts = sentence_starts(doc)
    doc_text = doc.text  # Doc.text joins every token: read it once
    rows = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        clock = ent.text.isdigit() and _CLOCK_RX.match(doc_text, ent.end_char)
        resolved = None if clock else resolve_date(ent.text, reference, tense=sentence_tense(ent))
        rows.append(
            {
                "text": ent.text,
                "start_char": ent.start_char,
                "end_char": ent.end_char,
                "resolved_date": resolved[0] if resolved else None,
                "precision": resolved[1] if resolved else None,
                "is_relative": resolved[2] if resolved else looks_relative(ent.text),
                "sentence_index": sentence_index(starts, ent.start_char),
            }
        )
    return rows
