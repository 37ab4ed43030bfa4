"""Entity mentions with canonical names: titles stripped, short forms resolved to full names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tasks.extraction.entity_rules import (
    Candidate,
    acronym_definitions,
    is_generic,
    is_jargon,
    resolve_generic,
    table_label,
    trim_span,
)
from tasks.extraction.names import entity_id, surname_key
from tasks.extraction.sentences import sentence_index, sentence_starts

if TYPE_CHECKING:
    from spacy.tokens import Doc

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


def strip_name(text: str, label: str) -> str:
    """Return the name without a leading 'the', a possessive, or (for people) leading titles."""
    name = _ARTICLE.sub("", _POSSESSIVE.sub("", text.strip())).strip()
    words = name.split()
    if label == "PERSON":
        while len(words) > 1 and words[0].lower() in TITLES:
            words = words[1:]
    return " ".join(words)


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


class Resolved(NamedTuple):
    """A mention's canonical name and label, and where the name came from."""

    name: str
    label: str
    source: str  # "article": another name of the article; "none": the mention's own words


def resolve_names(ents: Sequence[Any]) -> list[Resolved]:
    """Return the canonical name and label of each entity, resolving short forms within the doc.

    ents: spans with `text` and `label_` (spaCy's, or `Candidate`s after the span rules).
    """
    stripped = [strip_name(ent.text, ent.label_) for ent in ents]
    people = [n for n, e in zip(stripped, ents, strict=True) if e.label_ == "PERSON" and " " in n]
    resolved: list[Resolved] = []
    for name, ent in zip(stripped, ents, strict=True):
        label = ent.label_
        person_like = label in ("PERSON", "ORG", "GPE", "NORP") and name[:1].isupper()
        full = _full_name_for(name, people) if person_like and name else None
        if full:
            resolved.append(Resolved(full, "PERSON", "article"))
        else:
            name = name or ent.text.strip()
            resolved.append(Resolved(name, table_label(name, label), "none"))
    return _vote(resolved)


def _vote(resolved: list[Resolved]) -> list[Resolved]:
    """Give a name labelled differently in places the label it carries most in the doc."""
    votes: dict[str, Counter[str]] = {}
    for item in resolved:
        votes.setdefault(item.name.casefold(), Counter())[item.label] += 1
    return [r._replace(label=votes[r.name.casefold()].most_common(1)[0][0]) for r in resolved]


def link_short_forms(
    text: str, spans: list[Candidate], names: list[Resolved]
) -> list[Resolved | None]:
    """Return the names with acronyms and generic heads resolved; None drops a mention.

    An acronym the article defines ("the European Community (EC)") takes its long name; a bare
    generic head ("Bank") takes the article's full name ending in it, or is no entity.
    """
    defined = acronym_definitions(
        text, [(s.end_char, n.name, n.label) for s, n in zip(spans, names, strict=True)]
    )
    pairs = [(n.name, n.label) for n in names]
    linked: list[Resolved | None] = []
    for index, item in enumerate(names):
        long_form = defined.get(item.name.replace(".", ""))
        if long_form and long_form[0] != item.name:
            linked.append(Resolved(*long_form, "article"))
        elif is_generic(item.name):
            found = resolve_generic(index, pairs)
            linked.append(Resolved(*found, "article") if found else None)
        else:
            linked.append(item)
    return linked


def entity_candidates(doc: Doc) -> list[Candidate]:
    """Return the doc's name entities, trimmed, without wire jargon."""
    spans = []
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        span = trim_span(ent.start_char, ent.end_char, ent.text, ent.label_)
        if span is not None and not is_jargon(span.text):
            spans.append(span)
    return spans


def extract_mentions(doc: Doc, starts: list[int] | None = None) -> list[dict[str, Any]]:
    """Return one row per named-entity mention with offsets into doc.text and its canonical name."""
    spans = entity_candidates(doc)
    starts = starts if starts is not None else sentence_starts(doc)
    names = link_short_forms(doc.text, spans, resolve_names(spans))
    rows = []
    for span, resolved in zip(spans, names, strict=True):
        if resolved is None:
            continue
        rows.append(
            {
                "start_char": span.start_char,
                "end_char": span.end_char,
                "text": span.text,
                "label": resolved.label,
                "spacy_label": span.label_,
                "sentence_index": sentence_index(starts, span.start_char),
                "canonical_name": resolved.name,
                "entity_id": entity_id(resolved.label, resolved.name),
                "canonical_source": resolved.source,
            }
        )
    return rows
