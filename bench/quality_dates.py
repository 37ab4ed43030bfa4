"""Date quality on the hand-labelled pages: day accuracy of newslake against htmldate alone.

Reads the pages tests/fixtures/labels/dates.json lists: shared newspaper fixtures from the
corpora folder (NEWSLAKE_CORPORA or --corpora) and our own pages in tests/fixtures/dates/.
newslake is the parse path (trafilatura + htmldate once, the page's own date candidates, the
plausibility rule) read as the local calendar date; htmldate is `find_date` with its defaults.
Usage: python bench/quality_dates.py [--corpora PATH] [--json] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tasks.quality.date_quality import evaluate, load_labels, summarise  # noqa: E402

LABELS_FILE = ROOT / "tests" / "fixtures" / "labels" / "dates.json"
OWN_PAGES = ROOT / "tests" / "fixtures" / "dates"
CORPORA_ENV = os.environ.get("NEWSLAKE_CORPORA")
DEFAULT_CORPORA = Path(CORPORA_ENV) if CORPORA_ENV else ROOT.parent / "shared" / "corpora"


def main() -> None:
    """Print day accuracy per set (and the misses with --misses)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--misses", action="store_true", help="list pages either reader got wrong")
    args = parser.parse_args()
    corpus_dir = args.corpora / "newspaper-fixtures" / "html"
    if not corpus_dir.is_dir():
        sys.exit(f"corpus not found at {corpus_dir}")
    pages, fetched_at = load_labels(LABELS_FILE, corpus_dir, OWN_PAGES)
    results = evaluate(pages, fetched_at)
    summary = summarise(results)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{'set':<8}{'pages':>6}{'newslake':>10}{'htmldate':>10}{'offsets':>9}")
        for name, row in summary.items():
            print(
                f"{name:<8}{row['pages']:>6}{row['newslake']:>10.3f}{row['htmldate']:>10.3f}"
                f"{row['newslake_offset']:>9.3f}"
            )
    if args.misses:
        for r in results:
            if r.newslake_day != r.page.day or r.htmldate_day != r.page.day:
                print(
                    f"{r.page.name:<32} label {r.page.day} newslake {r.newslake_day} "
                    f"(offset {r.newslake_offset}) htmldate {r.htmldate_day}"
                )


if __name__ == "__main__":
    main()
