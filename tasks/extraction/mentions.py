"""Entity mentions with canonical names: titles stripped, short forms resolved to full names."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from spacy.tokens import Doc, Span

from tasks.extraction.sentences import sentence_index, sentence_starts
from tasks.ids import stable_id

# entity labels that name things; numbers and dates go to their own tables
NAME_LABELS = frozenset(
    {
        "PERSON",
        "ORG",
        "GPE",
        "LOC",
        "NORP",
        "FAC",
        "EVENT",
        "PRODUCT",
        "LAW",
        "WORK_OF_ART",
        "LANGUAGE",
    }
)
TITLES = frozenset(
    """president vice prime minister foreign defence defense finance interior secretary
    senator sen. rep. representative congressman congresswoman governor gov. mayor judge justice
    chancellor king queen prince princess crown pope general gen. lt. col. capt. adm. sgt. maj.
    mr. mrs. ms. miss dr. sir lord lady dame chief spokesman spokeswoman spokesperson leader
    speaker ambassador envoy director chairman chairwoman chair ceo commissioner attorney
    candidate nominee sheikh emir ayatollah cardinal archbishop bishop rev. reverend former
    acting deputy state u.s. us federal opposition house senate majority minority democratic
    republican first lady pm""".split()
)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
_NAME_PARTICLE = re.compile(r"^(?:al|el|bin|ibn|van|von|de|da|di|du|le|la)[-‐]", re.I)


def strip_name(text: str, label: str) -> str:
    """Return the name without a leading 'the', a possessive, or (for people) leading titles."""
    name = _ARTICLE.sub("", _POSSESSIVE.sub("", text.strip())).strip()
    words = name.split()
    if label == "PERSON":
        while len(words) > 1 and words[0].lower() in TITLES:
            words = words[1:]
    return " ".join(words)


def surname_key(word: str) -> str:
    """Return a word's comparable core: 'al-Assad' -> 'assad'."""
    return _NAME_PARTICLE.sub("", word).casefold()


def entity_id(label: str, name: str) -> str:
    """Return the lake-wide id of an entity: its label and case-blind canonical name."""
    return stable_id(label, " ".join(name.casefold().split()), size=24)


def _full_name_for(name: str, people: list[str]) -> str | None:
    """Return the longest person name whose trailing words this shorter name repeats."""
    words = [surname_key(w) for w in name.split()]
    best = None
    for person in people:
        full = [surname_key(w) for w in person.split()]
        if (
            len(full) > len(words)
            and full[-len(words) :] == words
            and (best is None or len(person.split()) > len(best.split()))
        ):
            best = person
    return best


def resolve_names(ents: list[Span]) -> list[tuple[str, str]]:
    """Return (canonical name, label) for each entity, resolving short forms within the doc."""
    stripped = [strip_name(ent.text, ent.label_) for ent in ents]
    people = [n for n, e in zip(stripped, ents, strict=True) if e.label_ == "PERSON" and " " in n]
    resolved: list[tuple[str, str]] = []
    for name, ent in zip(stripped, ents, strict=True):
        label = ent.label_
        person_like = label in ("PERSON", "ORG", "GPE", "NORP") and name[:1].isupper()
        full = _full_name_for(name, people) if person_like and name else None
        if full:
            name, label = full, "PERSON"
        resolved.append((name or ent.text.strip(), label))
    # a name labelled differently in one place takes the label it carries most in the doc
    votes: dict[str, Counter[str]] = {}
    for name, label in resolved:
        votes.setdefault(name.casefold(), Counter())[label] += 1
    return [(name, votes[name.casefold()].most_common(1)[0][0]) for name, _ in resolved]


def extract_mentions(doc: Doc, starts: list[int] | None = None) -> list[dict[str, Any]]:
    """Return one row per named-entity mention with offsets into doc.text and its canonical name."""
    ents = [ent for ent in doc.ents if ent.label_ in NAME_LABELS]
    starts = starts if starts is not None else sentence_starts(doc)
    rows = []
    for ent, (name, label) in zip(ents, resolve_names(ents), strict=True):
        rows.append(
            {
                "start_char": ent.start_char,
                "end_char": ent.end_char,
                "text": ent.text,
                "label": label,
                "spacy_label": ent.label_,
                "sentence_index": sentence_index(starts, ent.start_char),
                "canonical_name": name,
                "entity_id": entity_id(label, name),
            }
        )
    return rows
