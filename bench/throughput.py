"""End-to-end `newslake run` throughput against raw spaCy on the same texts, in the same run.

Two sets, each built in a temporary folder at bench time: --stories short stories (the BBC corpus,
each story cut into 120-word windows, written as .txt files; the first window of every story, then
later windows, so the bodies are distinct) and --isot full ISOT stories (the first rows of the CSV,
cycled with a replica mark past its end). For each set: raw `nlp.pipe` of the pipeline newslake
loads, as the model ships (`load_nlp(cached_rules=False)`: same components, spaCy's own rule
components) over the parsed bodies, in one process and in --raw-processes processes, and
newslake's own pipeline (the same model with its rule components cached, identical annotations)
in --raw-processes processes, for what the run costs beyond spaCy; then
`newslake run --source <set> --lake <tmp>` as a subprocess with default settings (Prefect's
temporary server and spaCy's load included in its time). Prints articles/s for each, the
ratios e2e / raw (targets >= 1.0 against one process, >= 0.8 against several) and the run's own
stage timings from the lake's `runs` table.

The timed runs share one Prefect home, set up first by a run of a few stories (untimed in the
ratios): Prefect creates and migrates its database on a home's first run (~12 s here), once per
machine as for any installed tool, not per run. The bench prints that first run's seconds and a
second one's on the same stories, so the one-off cost shows.
Usage: python bench/throughput.py [--corpora PATH] [--set short|isot|both] [--stories N]
       [--isot N] [--n-process N] [--raw-processes N] [--batch-size N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the corpora folder NEWSLAKE_CORPORA names (as for the tests), unless --corpora gives one
CORPORA_ENV = os.environ.get("NEWSLAKE_CORPORA")
DEFAULT_CORPORA = Path(CORPORA_ENV) if CORPORA_ENV else None
NEWSLAKE = Path(sys.executable).with_name("newslake")
WINDOW_WORDS = 120
TARGET_ONE = 1.0
TARGET_MANY = 0.8


def bbc_stories(bbc: Path) -> list[tuple[str, list[str]]]:
    """Return (headline, body words) of every BBC story, each distinct body once."""
    stories, seen = [], set()
    for path in sorted(bbc.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # sport/199.txt is latin-1
            text = raw.decode("latin-1")
        headline, _, body = text.strip().partition("\n")
        if body.strip() and body not in seen:
            seen.add(body)
            stories.append((headline.strip(), body.split()))
    return stories


def story_windows(stories: list[tuple[str, list[str]]]) -> Iterator[tuple[str, str]]:
    """Yield (title, body) windows: window 0 of every story, then window 1, and so on."""
    for window in range(max(len(words) for _, words in stories) // WINDOW_WORDS + 1):
        for headline, words in stories:
            cut = words[window * WINDOW_WORDS : (window + 1) * WINDOW_WORDS]
            if len(cut) >= WINDOW_WORDS // 2:
                yield (
                    (headline if window == 0 else f"{headline} (part {window + 1})"),
                    " ".join(cut),
                )


def build_short_set(bbc: Path, count: int, out: Path) -> Path:
    """Write `count` short stories cut from the BBC corpus as .txt files under `out`."""
    out.mkdir(parents=True)
    windows = list(story_windows(bbc_stories(bbc)))
    for i in range(count):
        title, body = windows[i % len(windows)]
        if i >= len(windows):  # past every window: a replica mark keeps the body its own
            body = f"{body}\n\n(Replica {i // len(windows)}.)"
        (out / f"story-{i:05d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return out


def build_isot_set(isot: Path, count: int, out: Path) -> Path:
    """Write the first `count` ISOT rows (cycled, with a replica mark, past the end) to `out`."""
    csv.field_size_limit(sys.maxsize)
    with isot.open(newline="", encoding="utf-8") as src:
        reader = csv.DictReader(src)
        fields, rows = reader.fieldnames or [], list(reader)
    with out.open("w", newline="", encoding="utf-8") as dst:
        writer = csv.DictWriter(dst, fieldnames=fields)
        writer.writeheader()
        for i in range(count):
            row, copy = rows[i % len(rows)], i // len(rows)
            if copy:
                row = row | {
                    "title": f"{row['title']} [copy {copy}]",
                    "text": f"{row['text']} (Replica {copy}.)",
                }
            writer.writerow(row)
    return out


def bodies(path: Path) -> list[str]:
    """Return the bodies the pipeline extracts from: the set read and parsed as newslake does."""
    from datetime import UTC, datetime

    from tasks.documents.batch import parse_batch
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import kind_of_path, source_from_config

    source = source_from_config({"name": "bench", "kind": kind_of_path(path), "path": str(path)})
    context = NormaliseContext(run_id="bench", ingested_at=datetime.now(UTC))
    return [article["body"] for article in parse_batch(list(source.read()), context).articles]


def time_pipe(nlp: Any, texts: list[str], n_process: int, batch_size: int) -> float:
    """Return the seconds `nlp.pipe` takes to give every Doc of the texts."""
    start = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=n_process, batch_size=batch_size):
        pass
    return time.perf_counter() - start


def newslake_env(
    scratch: Path, settings: dict[str, str], prefect_home: Path | None = None
) -> dict[str, str]:
    """Return the environment of a `newslake` subprocess: default settings, the Prefect home given
    (default: a fresh one under scratch).

    No NEWSLAKE_* but `settings`, no PREFECT_API_URL: the run starts its own temporary server.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NEWSLAKE_") and k != "PREFECT_API_URL"
    }
    return (
        env
        | settings
        | {
            "PREFECT_HOME": str(prefect_home or scratch / "prefect"),
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            "PREFECT_LOGGING_TO_API_ENABLED": "false",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "COLUMNS": "200",
        }
    )


def run_command(source: Path, lake: Path) -> list[str]:
    """Return the `newslake run` command line for one source into one lake."""
    return [str(NEWSLAKE), "run", "--source", str(source), "--lake", str(lake)]


def check_finished(done: subprocess.CompletedProcess[str]) -> None:
    """Exit with the command's output when it failed."""
    if done.returncode:
        command = " ".join(map(str, done.args))
        sys.exit(f"{command} exited {done.returncode}\n{done.stdout}\n{done.stderr}")


def run_e2e(
    source: Path, scratch: Path, settings: dict[str, str], prefect_home: Path | None = None
) -> float:
    """Run `newslake run` over the source into a fresh lake under scratch; return its seconds."""
    # the scratch folder as working directory: no newslake.toml, so default settings
    scratch.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    done = subprocess.run(
        run_command(source, scratch / "lake"),
        cwd=scratch,
        env=newslake_env(scratch, settings, prefect_home),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    check_finished(done)
    return seconds


def last_run(lake: Path, scratch: Path) -> dict[str, Any]:
    """Return the lake's latest `runs` row (timings parsed), read with `newslake sql`."""
    query = (
        "select articles_new, records_read, duplicates, near_duplicates, rejected, duration_s,"
        " timings from runs order by started_at desc limit 1"
    )
    done = subprocess.run(
        [str(NEWSLAKE), "sql", query, "--format", "json", "--lake", str(lake)],
        cwd=scratch,
        env=newslake_env(scratch, {}),
        capture_output=True,
        text=True,
    )
    check_finished(done)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return row | {"timings": json.loads(row["timings"] or "{}")}


def prepare_prefect_home(bbc: Path, scratch: Path) -> Path:
    """Return a Prefect home that has seen a run (its database created), after two runs of a few
    stories into fresh lakes: the home's first run and a second; print both runs' seconds."""
    home = scratch / "prefect-home"
    stories = build_short_set(bbc, 3, scratch / "warm-up")
    first = run_e2e(stories, scratch / "first", {}, home)
    second = run_e2e(stories, scratch / "second", {}, home)
    print(
        f"3 stories on a fresh Prefect home: {first:.1f} s; again on the same home: "
        f"{second:.1f} s (the timed runs below use that home)"
    )
    return home


def bench_set(
    label: str,
    source: Path,
    scratch: Path,
    args: argparse.Namespace,
    nlp: Any,
    prefect_home: Path,
) -> None:
    """Time raw spaCy (1 and N processes) and `newslake run` over one set; print the figures."""
    from tasks.extraction.nlp import load_nlp

    texts = bodies(source)
    list(nlp.pipe(texts[:20]))  # warm up
    one_s = time_pipe(nlp, texts, 1, args.batch_size)
    many_s = time_pipe(nlp, texts, args.raw_processes, args.batch_size)
    cached = load_nlp()
    list(cached.pipe(texts[:20]))  # warm up as the stock pipeline was
    cached_s = time_pipe(cached, texts, args.raw_processes, args.batch_size)
    settings = {"NEWSLAKE_N_PROCESS": str(args.n_process)} if args.n_process else {}
    e2e_s = run_e2e(source, scratch, settings, prefect_home)
    run = last_run(scratch / "lake", scratch)
    words = sum(len(t.split()) for t in texts) / max(len(texts), 1)
    one, many, e2e = (len(texts) / s for s in (one_s, many_s, e2e_s))
    n_process = args.n_process or "default"
    print(f"== {label}: {len(texts)} articles, {words:.0f} words each on average")
    print(f"raw nlp.pipe, 1 process       : {one_s:7.1f} s = {one:6.1f} articles/s")
    print(
        f"raw nlp.pipe, {args.raw_processes:>2} processes   : {many_s:7.1f} s = "
        f"{many:6.1f} articles/s"
    )
    print(
        f"raw, cached rules, {args.raw_processes:>2} proc.: {cached_s:7.1f} s = "
        f"{len(texts) / cached_s:6.1f} articles/s (newslake's pipeline; same annotations)"
    )
    print(
        f"newslake run (n_process {n_process}): {e2e_s:7.1f} s = {e2e:6.1f} articles/s "
        f"(start-up included; {run['articles_new']} new, {run['duplicates']} duplicates, "
        f"{run['near_duplicates']} near-duplicates, {run['rejected']} rejected)"
    )
    print(f"ratio e2e / raw 1 process     : {e2e / one:.2f} (target >= {TARGET_ONE})")
    print(
        f"ratio e2e / raw {args.raw_processes} processes   : {e2e / many:.2f} "
        f"(target >= {TARGET_MANY}; against the cached-rules pipeline: "
        f"{cached_s / e2e_s:.2f})"
    )
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in run["timings"].items())
    print(f"run's own timings: {run['duration_s']:.1f} s in the flow; {stages}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--set", choices=("short", "isot", "both"), default="both")
    parser.add_argument("--stories", type=int, default=2000, help="short stories from the BBC")
    parser.add_argument("--isot", type=int, default=1000, help="full ISOT stories")
    parser.add_argument(
        "--n-process", type=int, default=0, help="NEWSLAKE_N_PROCESS for the run (default: unset)"
    )
    parser.add_argument(
        "--raw-processes", type=int, default=os.cpu_count() or 1, help="raw nlp.pipe n_process"
    )
    parser.add_argument("--batch-size", type=int, default=0, help="raw nlp.pipe batch_size")
    args = parser.parse_args()
    if args.corpora is None:
        parser.error("give --corpora or set NEWSLAKE_CORPORA")
    bbc = args.corpora / "bbc-news" / "bbc"
    isot = args.corpora / "isot-true-sample" / "true_sample.csv"
    wanted = {"short", "isot"} if args.set == "both" else {args.set}
    for needed in [bbc] + [isot] * ("isot" in wanted):  # the Prefect home's warm-up reads bbc
        if not needed.exists():
            parser.error(f"{needed} not found: give --corpora or set NEWSLAKE_CORPORA")

    from tasks.extraction.nlp import load_nlp

    nlp = load_nlp(cached_rules=False)  # the model as it ships: the baseline
    args.batch_size = args.batch_size or nlp.batch_size  # spaCy's own default
    print(
        f"model {nlp.meta['lang']}_{nlp.meta['name']}: {', '.join(nlp.pipe_names)}; "
        f"raw batch_size {args.batch_size}; {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as shared:
        home = prepare_prefect_home(bbc, Path(shared))
        if "short" in wanted:
            with tempfile.TemporaryDirectory() as scratch:
                folder = build_short_set(bbc, args.stories, Path(scratch) / "short")
                label = f"short BBC stories ({WINDOW_WORDS} words)"
                bench_set(label, folder, Path(scratch), args, nlp, home)
        if "isot" in wanted:
            with tempfile.TemporaryDirectory() as scratch:
                sample = build_isot_set(isot, args.isot, Path(scratch) / "isot.csv")
                bench_set("full ISOT stories", sample, Path(scratch), args, nlp, home)


if __name__ == "__main__":
    main()
