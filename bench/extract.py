"""Ingest + extraction throughput against raw spaCy on the same texts, in the same run.

Runs (1) the ingest helpers with extraction (read, parse, normalise, dedupe, spaCy extraction of
mentions, places, quotes, dates, amounts, tone, commit to a fresh lake) over the ISOT sample, and
(2) plain `nlp.pipe` over the same article bodies with the same components and n_process. Prints
both throughputs and the ratio (target >= 0.85), then (3) the pipeline again with validation of
every batch, printing the time validation adds (target <= 10%).
No Prefect: its start-up is a fixed cost per run.
Usage: python bench/extract.py [--corpus PATH] [--n-process N] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ingest import DEFAULT_CORPUS, ingest_once  # noqa: E402

TARGET_RATIO = 0.85
VALIDATION_BUDGET = 0.10


def bodies(path: Path) -> list[str]:
    """Return the article bodies the pipeline extracts from (dateline removed)."""
    from datetime import UTC, datetime

    from tasks.documents.batch import parse_batch
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import CsvSource

    context = NormaliseContext(run_id="bench", ingested_at=datetime.now(UTC))
    batch = parse_batch(list(CsvSource("isot", str(path)).read()), context)
    return [article["body"] for article in batch.articles]


def head(corpus: Path, limit: int, out: Path) -> Path:
    """Write the first `limit` rows of the corpus to `out`."""
    csv.field_size_limit(sys.maxsize)
    with corpus.open(newline="", encoding="utf-8") as src, out.open("w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(row for _, row in zip(range(limit), reader, strict=False))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N rows")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    if args.corpus is None:
        parser.error("give --corpus, or set NEWSLAKE_CORPORA (the folder of isot-true-sample/)")

    from tasks.extraction.nlp import load_nlp

    nlp = load_nlp()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = (
            head(args.corpus, args.limit, Path(scratch) / "head.csv") if args.limit else args.corpus
        )
        texts = bodies(corpus)
        list(nlp.pipe(texts[:20]))  # warm up both runs alike

        start = time.perf_counter()
        for _ in nlp.pipe(texts, n_process=args.n_process, batch_size=64):
            pass
        raw_s = time.perf_counter() - start

        figures = ingest_once(corpus, Path(scratch) / "lake", args.batch_size, nlp, args.n_process)
        checked = ingest_once(
            corpus, Path(scratch) / "checked", args.batch_size, nlp, args.n_process, validate=True
        )

    raw_rate = len(texts) / raw_s
    print(f"components: {', '.join(nlp.pipe_names)}; n_process={args.n_process}")
    print(
        f"raw spaCy nlp.pipe       : {len(texts)} articles in {raw_s:.1f} s"
        f" = {raw_rate:.1f} articles/s"
    )
    print(
        f"ingest + extract + commit: {figures['articles']:.0f} articles in "
        f"{figures['seconds']:.1f} s = {figures['per_s']:.1f} articles/s"
    )
    ratio = figures["per_s"] / raw_rate
    print(f"ratio pipeline / raw spaCy: {ratio:.3f} (target >= {TARGET_RATIO})")
    overhead = checked["seconds"] / figures["seconds"] - 1
    print(
        f"... + validation (GX suites, Data Docs): {checked['seconds']:.1f} s, "
        f"overhead {overhead:+.1%} (target <= +{VALIDATION_BUDGET:.0%})"
    )


if __name__ == "__main__":
    main()
