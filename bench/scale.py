"""Scale-out figures: `newslake run` with extraction on 1 and on 2 Dask workers, and the driver's
own ceiling (the same run with extraction off: read, parse, dedupe, validate, commit).

The set is the first --isot ISOT rows (cycled, with a replica mark, past the end), built in a
temporary folder at bench time. Each run is `newslake run --source <set> --lake <tmp>` as a
subprocess with default settings but NEWSLAKE_DASK_WORKERS=N (the run starts a local Dask cluster
of N single-threaded worker processes; each loads the model once) or NEWSLAKE_EXTRACT=false.
Prints articles/s end to end (Prefect's start, the cluster's start and the model's load included)
and in the flow (the `runs` row's duration), the driver's busy time per article (its stages but
the wait for extraction and the one-time loads), and the ratios: 2 workers / 1 worker (target
>= 1.6) and the driver's ceiling / one worker (how many workers one driver keeps busy).
Usage: python bench/scale.py [--corpora PATH] [--isot N] [--batch-size N] [--no-validate]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from throughput import DEFAULT_CORPORA, build_isot_set, last_run, run_e2e  # noqa: E402

TARGET_TWO = 1.6
# stages the driver is not busy in: waiting for the workers, and one-time loading
NOT_DRIVER_WORK = frozenset({"extract", "load models"})


def measure(label: str, source: Path, settings: dict[str, str]) -> dict[str, float]:
    """Run `newslake run` over the source into a fresh lake; print and return its rates."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        wall_s = run_e2e(source, scratch, settings)
        run = last_run(scratch / "lake", scratch)
    articles = run["articles_new"]
    busy_s = sum(v for k, v in run["timings"].items() if k not in NOT_DRIVER_WORK)
    figures = {
        "e2e": articles / wall_s,
        "flow": articles / run["duration_s"],
        "driver": articles / busy_s,
    }
    stages = ", ".join(f"{k} {v:.1f}" for k, v in run["timings"].items())
    print(
        f"{label:<22}: {articles} articles, {wall_s:6.1f} s = {figures['e2e']:6.2f}/s end to end,"
        f" {run['duration_s']:6.1f} s = {figures['flow']:6.2f}/s in the flow; driver busy"
        f" {busy_s:.1f} s = {1000 * busy_s / articles:.0f} ms/article ({stages})",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--isot", type=int, default=1000, help="full ISOT stories")
    parser.add_argument("--batch-size", type=int, default=500, help="NEWSLAKE_BATCH_SIZE")
    parser.add_argument("--no-validate", action="store_true", help="NEWSLAKE_VALIDATE_BATCHES")
    args = parser.parse_args()
    if args.corpora is None:
        parser.error("give --corpora or set NEWSLAKE_CORPORA")
    isot = args.corpora / "isot-true-sample" / "true_sample.csv"
    if not isot.exists():
        parser.error(f"{isot} not found: give --corpora or set NEWSLAKE_CORPORA")
    common = {"NEWSLAKE_BATCH_SIZE": str(args.batch_size)}
    if args.no_validate:
        common["NEWSLAKE_VALIDATE_BATCHES"] = "false"
    print(f"{args.isot} ISOT stories, batch size {args.batch_size}, {os.cpu_count()} CPUs")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        source = build_isot_set(isot, args.isot, Path(folder) / "isot.csv")
        driver = measure("driver, extraction off", source, common | {"NEWSLAKE_EXTRACT": "false"})
        one = measure("1 Dask worker", source, common | {"NEWSLAKE_DASK_WORKERS": "1"})
        two = measure("2 Dask workers", source, common | {"NEWSLAKE_DASK_WORKERS": "2"})
    for kind in ("e2e", "flow"):
        ratio = two[kind] / one[kind]
        print(f"{kind:>4}: 2 workers / 1 worker {ratio:.2f} (target >= {TARGET_TWO})")
    # the driver's own work per article, extraction off, against one worker's rate in its flow:
    # about how many workers one driver keeps busy
    ceiling = driver["driver"]
    print(f"driver ceiling {ceiling:.1f}/s = {ceiling / one['flow']:.1f} x one worker's rate")
    print(f"bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
