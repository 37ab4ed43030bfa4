"""Time of each Python extractor against spaCy itself, on the same Docs, in the same run.

Parses the corpus's bodies once with `nlp.pipe` (timed: the baseline), then runs each extractor
(mentions, places, quotes, date mentions, amounts, tone) over the same Docs and prints its time
and its share of the spaCy time. These were timed assertions in the tests once; the tests now
only check what the extractors find, and the time lives here.
Usage: python bench/extractors.py [--corpus PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ingest import DEFAULT_CORPUS  # noqa: E402


def articles(path: Path, limit: int) -> list[dict[str, Any]]:
    """Return the corpus as normalised article rows (what extraction reads)."""
    from datetime import UTC, datetime

    from tasks.documents.batch import parse_batch
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import CsvSource

    context = NormaliseContext(run_id="bench", ingested_at=datetime.now(UTC))
    rows = parse_batch(list(CsvSource("bench", str(path)).read()), context).articles
    return rows[:limit] if limit else rows


def extractors() -> dict[str, Callable[[Any, dict[str, Any]], object]]:
    from tasks.extraction.amounts import extract_amounts
    from tasks.extraction.date_mentions import extract_dates
    from tasks.extraction.mentions import extract_mentions
    from tasks.extraction.places import extract_places, load_gazetteer
    from tasks.extraction.quotes import extract_quotes
    from tasks.extraction.tone import score_tone

    load_gazetteer()  # a one-off cost, not the extractor's
    return {
        "mentions": lambda doc, _: extract_mentions(doc),
        "places": lambda doc, article: extract_places(doc, article["dateline_places"] or []),
        "quotes": lambda doc, _: extract_quotes(doc),
        "date_mentions": lambda doc, article: extract_dates(doc, article["published_at"]),
        "amounts": lambda doc, _: extract_amounts(doc),
        "tone": lambda doc, _: score_tone([sent.text for sent in doc.sents]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    args = parser.parse_args()
    if args.corpus is None:
        parser.error("give --corpus, or set NEWSLAKE_CORPORA (the folder of isot-true-sample/)")

    from tasks.extraction.nlp import load_nlp

    nlp = load_nlp()
    rows = articles(args.corpus, args.limit)
    list(nlp.pipe(row["body"] for row in rows[:20]))  # warm up
    start = time.perf_counter()
    docs = list(nlp.pipe((row["body"] for row in rows), batch_size=64))
    spacy_s = time.perf_counter() - start
    print(f"{len(docs)} articles; spaCy nlp.pipe (baseline) {spacy_s:.2f} s")
    total = 0.0
    for name, extract in extractors().items():
        start = time.perf_counter()
        for doc, row in zip(docs, rows, strict=True):
            extract(doc, row)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"  {name:<14} {elapsed:6.2f} s  {elapsed / spacy_s:6.1%} of spaCy")
    print(f"  {'all extractors':<14} {total:6.2f} s  {total / spacy_s:6.1%} of spaCy")


if __name__ == "__main__":
    main()
