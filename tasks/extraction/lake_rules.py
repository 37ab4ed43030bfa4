"""What the lake knows about entities, and the rules that apply it to a batch's mentions.

Extraction runs in worker processes without a lake connection, so the lake's part runs where the
batch is collected: the run reads an `EntityKnowledge` snapshot once (from `entities`), and each
batch's mention rows go through `apply_knowledge`. A snapshot read once per run keeps the rows the
same whatever the batch size or number of workers.
- ruler: a mention's words that the lake has seen in many articles under one label take it;
- surname: a bare surname becomes the one full name the lake knows with that surname, and is
  left alone when the lake knows several (or none);
- acronym: an acronym the lake has seen defined ("EC" for European Community) takes the long name.
Rows changed by a rule say `canonical_source = 'lake'`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from tasks.extraction.entity_rules import fits_acronym, looks_like_acronym
from tasks.extraction.names import entity_id, surname_key

# a mention's words act as a ruler once seen in this many articles ...
RULER_MIN_ARTICLES = 5
# ... with one label carrying at least this share of them
RULER_MIN_SHARE = 0.9
# a full name counts for the surname rule once seen in this many articles
SURNAME_MIN_ARTICLES = 3
PLACE_LABELS = ("GPE", "LOC")


@dataclass(frozen=True)
class EntityKnowledge:
    """A small, picklable snapshot of the lake's entities for the lake-level rules."""

    # folded surface form -> (label, canonical name under that label)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    # surname key -> every full PERSON name with it seen often enough
    surnames: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # acronym -> (long name, label), when the lake has seen one long form only
    acronyms: dict[str, tuple[str, str]] = field(default_factory=dict)


def fold(text: str) -> str:
    """Return a surface form folded for look-up: case and spacing ignored."""
    return " ".join(text.casefold().split())


def build_knowledge(entities: Iterable[dict[str, Any]]) -> EntityKnowledge:
    """Return the snapshot implied by `entities` rows (canonical_name, label, aliases, counts)."""
    rows = list(entities)
    return EntityKnowledge(labels=_ruler(rows), surnames=_surnames(rows), acronyms=_acronyms(rows))


def _ruler(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Return surface forms seen in enough articles under one dominant label."""
    weights: dict[str, Counter[tuple[str, str]]] = {}
    for row in rows:
        for alias in row["aliases"] or ():
            weights.setdefault(fold(alias), Counter())[(row["label"], row["canonical_name"])] += (
                row["article_count"]
            )
    ruler = {}
    for key, counts in weights.items():
        by_label: Counter[str] = Counter()
        for (label, _), count in counts.items():
            by_label[label] += count
        label, count = min(by_label.items(), key=lambda item: (-item[1], item[0]))
        total = sum(by_label.values())
        if total >= RULER_MIN_ARTICLES and count / total >= RULER_MIN_SHARE:
            named = [(c, name) for (lab, name), c in counts.items() if lab == label]
            ruler[key] = (label, min(named, key=lambda item: (-item[0], item[1]))[1])
    return ruler


def _surnames(rows: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Return each surname's full PERSON names seen in enough articles."""
    found: dict[str, set[str]] = {}
    for row in rows:
        name = row["canonical_name"]
        if (
            row["label"] == "PERSON"
            and " " in name
            and row["article_count"] >= SURNAME_MIN_ARTICLES
        ):
            found.setdefault(surname_key(name.split()[-1]), set()).add(name)
    return {key: tuple(sorted(names)) for key, names in found.items()}


def _acronyms(rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Return acronyms the lake has seen standing for exactly one long name."""
    found: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        name = row["canonical_name"]
        for alias in row["aliases"] or ():
            if " " in name and looks_like_acronym(alias) and fits_acronym(alias, name):
                found.setdefault(alias.replace(".", ""), set()).add((name, row["label"]))
    return {key: next(iter(pairs)) for key, pairs in found.items() if len(pairs) == 1}


def apply_to_row(row: dict[str, Any], knowledge: EntityKnowledge) -> dict[str, Any]:
    """Return a mention row with the lake's rules applied (unchanged when none fits)."""
    if row["canonical_source"] != "none":
        return row  # the article itself resolved it: the article knows best
    name, label = row["canonical_name"], row["label"]
    ruled = knowledge.labels.get(fold(row["text"]))
    if ruled and ruled[0] != label:
        label = ruled[0]
        if label in PLACE_LABELS:  # the lake's name of the place ("U.S." -> "United States")
            name = ruled[1]
    long_form = knowledge.acronyms.get(name.replace(".", ""))
    if long_form and long_form[0] != name:
        name, label = long_form
    elif _may_be_surname(name, label, ruled):
        full = knowledge.surnames.get(surname_key(name), ())
        if len(full) == 1:  # several full names: ambiguous, left as the article wrote it
            name, label = full[0], "PERSON"
    if (name, label) == (row["canonical_name"], row["label"]):
        return row
    source = "lake" if name != row["canonical_name"] else "none"
    return row | {
        "canonical_name": name,
        "label": label,
        "entity_id": entity_id(label, name),
        "canonical_source": source,
    }


def _may_be_surname(name: str, label: str, ruled: tuple[str, str] | None) -> bool:
    """Return whether a mention may be a bare surname: one capitalised word, labelled a person,
    or an organisation (the model's usual mistake for "Shank said") the ruler has no word on."""
    if " " in name or not name[:1].isupper():
        return False
    return label == "PERSON" or (label == "ORG" and ruled is None)


def apply_knowledge(mentions: pa.Table, knowledge: EntityKnowledge | None) -> pa.Table:
    """Return a batch's mentions with the lake's rules applied (as they were without knowledge)."""
    if knowledge is None or mentions.num_rows == 0:
        return mentions
    rows = [apply_to_row(row, knowledge) for row in mentions.to_pylist()]
    return pa.Table.from_pylist(rows, schema=mentions.schema)
