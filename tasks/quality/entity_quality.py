"""Entity quality on a hand-labelled set: the stories it points at, and P/R/F1 per label.

The labels (tests/fixtures/labels/entities.json) hold spans and story ids only, never corpus
text: each document names a story of ../shared/corpora (an ISOT row or a BBC file), the length of
the labelled region at the start of its normalised body, a hash of that region (so a change in
parsing shows up as an error, not as worse figures) and its (start, end, label) spans.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LABELS = ("PERSON", "ORG", "GPE", "LOC")


class LabelsOutOfDate(ValueError):
    """A labelled region no longer hashes as it did: the parsed body changed under the labels."""


def load_labels(path: Path) -> list[dict[str, Any]]:
    """Return the labelled documents of a labels file."""
    return list(json.loads(path.read_text(encoding="utf-8"))["documents"])


def region_hash(text: str) -> str:
    """Return the short hash a labels file keeps of a labelled region."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def labelled_articles(corpora: Path, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the normalised article row of each labelled story, in the labels' order."""
    from tasks.documents.batch import parse_batch
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import CsvSource, TextFilesSource

    if not corpora.is_dir():
        raise FileNotFoundError(f"no corpora folder at {corpora}")
    context = NormaliseContext(run_id="labels", ingested_at=datetime.now(UTC))
    isot: list[Any] = []
    articles = []
    for document in documents:
        if document["corpus"] == "isot-true-sample":
            if not isot:  # read every row (cheap), parse only the labelled ones
                isot = list(
                    CsvSource("isot", str(corpora / "isot-true-sample" / "true_sample.csv")).read()
                )
            article = parse_batch([isot[document["row"]]], context).articles[0]
        else:
            path = corpora / "bbc-news" / "bbc" / document["path"]
            article = parse_batch(list(TextFilesSource("bbc", str(path)).read()), context).articles[
                0
            ]
        if region_hash(article["body"][: document["region_end"]]) != document["region_sha256"]:
            raise LabelsOutOfDate(f"labelled region of {document['id']} changed")
        articles.append(article)
    return articles


def in_region(spans: Iterable[tuple[int, int, str]], end: int) -> set[tuple[int, int, str]]:
    """Return the spans of the scored labels that lie inside the labelled region."""
    return {(s, e, label) for s, e, label in spans if label in LABELS and e <= end}


def score(
    gold: list[set[tuple[int, int, str]]], predicted: list[set[tuple[int, int, str]]]
) -> dict[str, dict[str, float]]:
    """Return precision, recall and F1 per label and over all labels (exact span and label)."""
    counts = {label: [0, 0, 0] for label in (*LABELS, "ALL")}  # true pos, predicted, gold
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        for label in LABELS:
            g = {s for s in gold_spans if s[2] == label}
            p = {s for s in predicted_spans if s[2] == label}
            for key in (label, "ALL"):
                counts[key][0] += len(g & p)
                counts[key][1] += len(p)
                counts[key][2] += len(g)
    return {label: _figures(*values) for label, values in counts.items()}


def _figures(hits: int, predicted: int, gold: int) -> dict[str, float]:
    """Return P/R/F1 (rounded to three places) and the counts behind them."""
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "gold": gold,
        "predicted": predicted,
    }
