"""Ingest throughput and memory: parse + normalise + dedupe + commit of the ISOT sample, no NLP.

Prints articles/s against the 300 articles/s target, and the peak RSS of a run over 1x and 10x the
sample (replicated with new ids), each in its own process; the ratio shows the input is streamed.
Usage: python bench/ingest.py [--corpus PATH] [--batch-size N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the ISOT sample inside the corpora folder that NEWSLAKE_CORPORA names (as for the tests)
DEFAULT_CORPUS = (
    Path(os.environ["NEWSLAKE_CORPORA"]) / "isot-true-sample" / "true_sample.csv"
    if os.environ.get("NEWSLAKE_CORPORA")
    else None
)
TARGET_PER_S = 300


def replicate(corpus: Path, copies: int, out: Path) -> Path:
    """Write `copies` of the corpus, each copy with changed titles and bodies (new ids)."""
    csv.field_size_limit(sys.maxsize)
    with corpus.open(newline="", encoding="utf-8") as src, out.open("w", newline="") as dst:
        reader = csv.DictReader(src)
        rows = list(reader)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for copy in range(copies):
            for row in rows:
                if copy:
                    row = row | {
                        "title": f"{row['title']} [copy {copy}]",
                        "text": f"{row['text']} (Replica {copy}.)",
                    }
                writer.writerow(row)
    return out


def ingest_once(
    path: Path,
    lake_dir: Path,
    batch_size: int,
    nlp: Any = None,
    n_process: int = 1,
    validate: bool = False,
) -> dict[str, float]:
    """Run the ingest helpers (no Prefect) over a CSV into a fresh lake; return the figures.

    With `nlp`, each batch is also extracted before its commit, as the ingest flow does; with
    `validate`, every batch also goes through the expectation suites (GX import included).
    """
    from tasks import lake
    from tasks.documents.batch import batched, dedupe_batch, parse_batch, with_tables
    from tasks.documents.dedupe import DedupIndex
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import CsvSource

    start = time.perf_counter()
    validator = None
    if validate:
        from tasks.quality.validate import Validator, load_suites

        validator = Validator(load_suites(), lake_dir / "docs")
    con = lake.connect(lake.LakeLocation.local(lake_dir))
    index = DedupIndex(con)
    context = NormaliseContext(run_id="bench", ingested_at=datetime.now(UTC))
    articles = 0
    for batch, records in enumerate(batched(CsvSource("isot", str(path)).read(), batch_size)):
        result = dedupe_batch(parse_batch(records, context), index, context)
        accepted = result.tables["articles"].column("article_id").to_pylist()
        if nlp is not None:
            from tasks.extraction.tables import extract_tables

            children, extracted = extract_tables(nlp, result.tables["articles"], n_process)
            result = with_tables(result, children | {"articles": extracted})
        if validator is not None:
            from tasks.quality.validate import validate_batch

            result = validate_batch(validator, result, "bench", batch)
        lake.commit_batch(con, result.tables)
        index.committed(accepted)  # with the ones validation rejected: the lake has the rest
        articles += result.counts["articles_new"]
    if validator is not None:
        validator.build_docs()
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "articles": articles,
        "seconds": elapsed,
        "per_s": articles / elapsed,
        "peak_rss_mb": peak_mb,
    }


def run_child(path: Path, batch_size: int) -> dict[str, float]:
    """Run ingest_once in a fresh process so its peak RSS is its own."""
    with tempfile.TemporaryDirectory() as lake_dir:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(path),
                "--lake",
                lake_dir,
                "--batch-size",
                str(batch_size),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--child", type=Path)
    parser.add_argument("--lake", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(ingest_once(args.child, args.lake, args.batch_size)))
        return
    if args.corpus is None:
        parser.error("give --corpus, or set NEWSLAKE_CORPORA (the folder of isot-true-sample/)")
    with tempfile.TemporaryDirectory() as scratch:
        tenfold = replicate(args.corpus, 10, Path(scratch) / "isot_x10.csv")
        once = run_child(args.corpus, args.batch_size)
        ten = run_child(tenfold, args.batch_size)
    print(
        f"ISOT sample x1 : {once['articles']:>6.0f} articles in {once['seconds']:.2f} s = "
        f"{once['per_s']:.0f} articles/s (target {TARGET_PER_S}: "
        f"ratio {once['per_s'] / TARGET_PER_S:.2f}x), peak RSS {once['peak_rss_mb']:.0f} MB"
    )
    print(
        f"ISOT sample x10: {ten['articles']:>6.0f} articles in {ten['seconds']:.2f} s = "
        f"{ten['per_s']:.0f} articles/s, peak RSS {ten['peak_rss_mb']:.0f} MB"
    )
    growth = ten["peak_rss_mb"] / once["peak_rss_mb"] - 1
    print(f"peak RSS x10 vs x1: {growth:+.1%} (target < +30%)")


if __name__ == "__main__":
    main()
