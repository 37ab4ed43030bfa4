"""A no-op ingest run (nothing new to read) against an empty Prefect flow, on the same server.

Starts a throwaway Prefect server, ingests examples/ once into a scratch lake, then times N runs of
the `ingest` flow that find nothing new, and N runs of an empty flow, alternating. Prints the median
of each and the ratio (target <= 1.2). Usage: python bench/noop.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TARGET = 1.2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from prefect import flow
    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest import ingest
    from flows.settings import SourceSpec

    @flow(name="empty")
    def empty() -> None:
        return None

    sources = [SourceSpec(name="examples", kind="folder", path=str(ROOT / "examples"))]
    with prefect_test_harness(server_startup_timeout=120), tempfile.TemporaryDirectory() as lake:
        ingest(sources=sources, lake_path=lake)  # the real first run: everything is new
        empty()  # warm both paths
        ingest(sources=sources, lake_path=lake)
        noop_s, empty_s = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            summary = ingest(sources=sources, lake_path=lake)
            noop_s.append(time.perf_counter() - start)
            assert summary["totals"]["records_read"] == 0, summary["totals"]
            start = time.perf_counter()
            empty()
            empty_s.append(time.perf_counter() - start)
    noop, baseline = statistics.median(noop_s), statistics.median(empty_s)
    print(f"empty Prefect flow run : median {baseline * 1000:.0f} ms over {args.runs} runs")
    print(f"no-op ingest flow run  : median {noop * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio no-op / empty    : {noop / baseline:.2f} (target <= {TARGET})")


if __name__ == "__main__":
    main()
