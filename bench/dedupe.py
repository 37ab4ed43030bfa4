"""Near-duplicate scaling: per-item dedupe time at 1k vs 4k near-identical stories, and a feed.

Part 1 (in process, a fresh lake each): N fictional stories, each one story of our own with two
words changed, deduped and committed in batches of --batch-size as the flow does (DedupIndex over
the writer connection, `committed` after each commit). Prints the per-item time of dedupe alone and
of dedupe + commit at --small and --large, their ratio (target <= 1.5) and whether every story
after the first was flagged as a near-duplicate of the first.

Part 2 (`newslake run` as a subprocess): one RSS file of --feed items, every item the same story
with its own update line (near-identical, not exact repeats), extraction off; prints the run's
seconds (target < 60) and its parse/dedupe stage time from `runs.timings`.
Usage: python bench/dedupe.py [--small N] [--large N] [--feed N] [--batch-size N]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from throughput import check_finished, last_run, newslake_env, run_command  # noqa: E402

TARGET_RATIO = 1.5
TARGET_FEED_S = 60.0
START = datetime(2026, 11, 2, 6, tzinfo=UTC)
STORY = (
    "The ferry company that links the islands of Varro and Kesh said on Monday it would add a "
    "night crossing from March, after a winter in which storms cancelled more than forty sailings "
    "and left lorries queueing for a day at the harbour in Port Ellin. Its director, Tomas "
    "Rehnquist, told reporters the new vessel, built in a yard on the mainland, could carry "
    "ninety vehicles and would cut the crossing to three hours. Shopkeepers on Kesh welcomed "
    "the plan but said fares had risen twice in a year, and the island council asked the company "
    "to keep a discount for residents and for pupils who travel to the college in Varro. The "
    "first night sailing is due to leave at eleven on the first Friday of the month, weather "
    "permitting, and tickets go on sale next week at the harbour office and online."
)


def edited(rng: random.Random, swaps: int = 2) -> str:
    """Return the story with `swaps` words replaced by made-up ones."""
    words = STORY.split()
    for _ in range(swaps):
        words[rng.randrange(len(words))] = f"word{rng.randrange(10**9)}"
    return " ".join(words)


def articles(count: int, seed: int) -> list[dict[str, Any]]:
    """Return `count` article rows as parse gives them, near-identical bodies."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        body = STORY if i == 0 else edited(rng)
        rows.append(
            {
                "article_id": f"a{i:06d}",
                "raw_id": f"raw-{i:06d}",
                "source": "bench",
                "title": f"Ferry story {i}",
                "body": body,
                "content_hash": f"hash-{i}",
                "duplicate_of": None,
                "ingested_at": START + timedelta(seconds=i),
                "run_id": "bench",
            }
        )
    return rows


def scale_run(count: int, batch_size: int, scratch: Path) -> tuple[float, float, bool]:
    """Dedupe and commit `count` stories into a fresh lake; return per-item dedupe seconds,
    per-item dedupe + commit seconds, and whether every story but the first was flagged."""
    from tasks import lake
    from tasks.documents.batch import ParsedBatch, dedupe_batch
    from tasks.documents.dedupe import DedupIndex
    from tasks.documents.normalise import NormaliseContext

    con = lake.connect(lake.LakeLocation.local(scratch / f"lake-{count}"))
    index = DedupIndex(con)
    context = NormaliseContext("bench", START)
    rows = articles(count, seed=count)
    dedupe_s = commit_s = 0.0
    flagged = 0
    try:
        for first in range(0, count, batch_size):
            start = time.perf_counter()
            parsed = ParsedBatch(records=[], articles=rows[first : first + batch_size])
            result = dedupe_batch(parsed, index, context)
            middle = time.perf_counter()
            lake.commit_batch(con, result.tables)
            index.committed(result.tables["articles"].column("article_id").to_pylist())
            commit_s += time.perf_counter() - middle
            dedupe_s += middle - start
            flagged += result.counts["near_duplicates"]
    finally:
        con.close()
    return dedupe_s / count, (dedupe_s + commit_s) / count, flagged == count - 1


def write_feed(count: int, out: Path) -> Path:
    """Write an RSS file of `count` items: the story, each with its own update line."""
    items = []
    for i in range(count):
        body = f"{STORY} Update {i}: the harbour office opens at {7 + i % 5} tomorrow."
        when = format_datetime(START + timedelta(minutes=i))
        items.append(
            f"<item><title>Ferry update {i}</title>"
            f"<link>https://ferries.example/updates/{i}</link>"
            f"<pubDate>{when}</pubDate><description>{escape(body)}</description></item>"
        )
    out.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Ferry updates</title><link>https://ferries.example/</link>"
        f"{''.join(items)}</channel></rss>",
        encoding="utf-8",
    )
    return out


def feed_run(count: int, scratch: Path) -> dict[str, Any]:
    """Run `newslake run` over a near-identical feed (extraction off); return seconds and run."""
    feed = write_feed(count, scratch / "ferries.rss")
    start = time.perf_counter()
    done = subprocess.run(
        run_command(feed, scratch / "lake"),
        cwd=scratch,
        env=newslake_env(scratch, {"NEWSLAKE_EXTRACT": "false"}),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    check_finished(done)
    return {"seconds": seconds} | last_run(scratch / "lake", scratch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=4000)
    parser.add_argument("--feed", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        scale_run(args.batch_size, args.batch_size, scratch / "warm")  # imports, first lake
        figures = {n: scale_run(n, args.batch_size, scratch) for n in (args.small, args.large)}
    for n, (dedupe, total, all_flagged) in figures.items():
        print(
            f"{n:>6} near-identical stories: dedupe {dedupe * 1000:6.2f} ms/item, "
            f"dedupe + commit {total * 1000:6.2f} ms/item, "
            f"every one flagged: {'yes' if all_flagged else 'NO'}"
        )
    small, large = figures[args.small], figures[args.large]
    print(
        f"per-item ratio {args.large} / {args.small}: dedupe {large[0] / small[0]:.2f}, "
        f"with commit {large[1] / small[1]:.2f} (target <= {TARGET_RATIO})"
    )
    with tempfile.TemporaryDirectory() as folder:
        run = feed_run(args.feed, Path(folder))
    timings = run["timings"]
    print(
        f"{args.feed}-item feed of one story: newslake run {run['seconds']:.1f} s "
        f"(target < {TARGET_FEED_S:.0f} s, start-up included, extraction off); "
        f"{run['articles_new']} new, {run['duplicates']} duplicates, "
        f"{run['near_duplicates']} near-duplicates"
    )
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    print(f"run's own timings: {run['duration_s']:.1f} s in the flow; {stages}")


if __name__ == "__main__":
    main()
