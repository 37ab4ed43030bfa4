"""Peak memory of `newslake run`: --stories new short stories into an empty and a filled lake.

Generates synthetic fictional stories at bench time (about 120 words each, sentences drawn from
templates with random names, places, organisations and numbers, so every body is its own), then
runs `newslake run` as a subprocess, default settings (extraction on unless --no-extract), over
the same --stories stories into (a) an empty lake and (b) a lake pre-filled with --lake-size other
synthetic articles (ingested by `newslake run` without extraction or validation, not timed). The
whole process tree (the CLI, Prefect's temporary server, spaCy workers) is sampled from /proc
every 0.2 s; prints each run's peak summed RSS (and PSS, which counts shared pages once), the
largest single process, and the ratio (b) / (a). Targets: <= 1.5 GB, (b) within 10% of (a).
Usage: python bench/memory.py [--stories N] [--lake-size N] [--no-extract] [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from throughput import newslake_env, run_command  # noqa: E402

TARGET_MB = 1536
TARGET_GROWTH = 0.10
STORY_WORDS = 120
SAMPLE_S = 0.2

FIRST = (
    "Amara Bastien Cora Dmitri Elin Farid Greta Hollis Ines Jovan Kaia Lorcan Mireille Nadia "
    "Osric Priya Quentin Rosalind Soren Talia Ulric Vesna Wendell Xiomara Yusuf Zelda Anselm "
    "Brigid Casimir Delphine Emrys Fenna Gideon Halima Ivo Juno Kasimir Leocadia Matthias Noor"
).split()
LAST = (
    "Abernethy Balogun Castellanos Drummond Eklund Fairweather Grimaldi Haddad Ishikawa Jovanovic "
    "Kowalczyk Lindqvist Moreau Nakamura Okonkwo Pellegrini Quigley Rasmussen Szabo Thackeray "
    "Uchenna Varga Whitcombe Xanthopoulos Yildiz Zapata Achterberg Brennan Ciobanu Dasgupta"
).split()
PLACES = (
    "Lisbon, Nairobi, Osaka, Glasgow, Valparaiso, Krakow, Hobart, Tbilisi, Montevideo, Dakar, "
    "Bergen, Cebu, Tampere, Accra, Porto Alegre, Ljubljana, Halifax, Da Nang, Windhoek, Lyon, "
    "Eastbrook, Marrowdale, Port Linden, Saltmere, Kestrel Bay, Northvale, Ashford Cross"
).split(", ")
ORGS = (
    "the Harbour Authority, Veldmark Energy, the Coastal Rail Company, Orrin Biotech, the "
    "Northvale Council, Castellan Bank, the Federation of Millers, Lumen Telecom, the Tidewater "
    "Hospital Trust, Brightwell Motors, the National Weather Office, Quarry Lane Studios"
).split(", ")
THINGS = (
    "bridge, tram line, wind farm, school, harbour wall, library, data centre, reservoir, "
    "stadium, ferry service, vaccine plant, housing estate, airport terminal, flood barrier"
).split(", ")
MONTHS = (
    "January February March April May June July August September October November December"
).split()
SENTENCES = (
    "{person}, a spokesperson for {org}, said the {thing} in {place} would open in {month}.",
    "Officials in {place} confirmed on {weekday} that {num} people had signed the petition.",
    '"We have waited {num} years for this," said {person}, who has lived in {place} since {year}.',
    "{org} said it would spend ${money} million on the {thing} over the next {small} years.",
    "The plan was approved by {num} votes to {small} after a debate that lasted {small} hours.",
    "Critics, including {person} of {org}, warned that costs could rise by {pct} percent.",
    "According to figures released in {month} {year}, demand in {place} grew {pct} percent.",
    "{person} told reporters in {place} that talks with {org} would resume next week.",
    "The {thing} had been closed since {month} after inspectors found {small} serious faults.",
    "Residents of {place} will be asked to vote on the {thing} on {weekday}, {day} {month}.",
    "Shares in {org} rose {pct} percent on {weekday} after the announcement.",
    "{person} and {person2} led a march of about {num} people through central {place}.",
    '"This is not the end of the matter," {person} said in a statement on {weekday}.',
    "Engineers expect the {thing} near {place} to carry {num} passengers a day by {year}.",
    "A report by {org} found that {pct} percent of households in {place} backed the scheme.",
    "The mayor of {place}, {person}, has promised to publish the full accounts in {month}.",
    "Police in {place} said {small} people were questioned and later released without charge.",
    "{org} has faced criticism since {year} over delays to the {thing}.",
    "The budget for the {thing} was cut from ${money} million to ${money2} million in {year}.",
    "{person}, {age}, who runs a bakery in {place}, said business had fallen sharply.",
    "Ministers will meet {org} in {place} on {weekday} to discuss the next stage.",
    "Work on the {thing} is due to start in {month} {year} and take {small} years.",
    "In a letter to {org}, {person} asked for an independent review of the {thing}.",
    "The weather office said rainfall in {place} was {pct} percent above the average for {month}.",
    "{person2} said the decision showed that {org} was listening to people in {place}.",
    "About {num} jobs are expected to be created in and around {place}.",
    "The last {thing} built in {place} cost ${money} million and opened in {year}.",
    "{person} of {org} declined to say whether the {thing} would be ready on time.",
    "Campaigners have collected {num} signatures calling for the {thing} to be moved.",
    "A court in {place} will hear the case brought by {person} on {day} {month}.",
    "{org} expects profits of ${money} million this year, up from ${money2} million.",
    "Visitors to {place} rose to {num} last {month}, the highest figure since {year}.",
    "The council in {place} said it had received {num} objections to the {thing}.",
    '"People deserve better," said {person2}, a teacher from {place}.',
    "Talks between {org} and unions in {place} broke down on {weekday} evening.",
    "The {thing} will be named after {person}, who died in {year}.",
    "Fares on the {thing} will rise by {pct} percent from {month}, {org} said.",
    "An inquiry into the {thing} is expected to report its findings in {month} {year}.",
    "{person} said {small} options were still being considered for the site in {place}.",
    "Half of the ${money} million cost will be met by {org}, the rest by the state.",
)
TITLES = (
    "{org} backs new {thing} in {place}",
    "{place} votes on {thing} plan",
    "Row over {thing} costs in {place}",
    "{person} criticises {org} over {thing}",
    "Delays hit {place} {thing}",
)


def fill(template: str, rng: random.Random) -> str:
    """Return the template with every slot given a random value."""

    def person() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    text = template.format(
        person=person(),
        person2=person(),
        place=rng.choice(PLACES),
        org=rng.choice(ORGS),
        thing=rng.choice(THINGS),
        month=rng.choice(MONTHS),
        weekday=rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
        day=rng.randint(1, 28),
        year=rng.randint(1990, 2024),
        num=f"{rng.randint(120, 98_000):,}",
        small=rng.randint(2, 19),
        money=rng.randint(5, 900),
        money2=rng.randint(5, 900),
        pct=rng.randint(2, 60),
        age=rng.randint(19, 88),
    )
    return text[0].upper() + text[1:]


def synthetic_story(rng: random.Random) -> tuple[str, str]:
    """Return the (title, body) of one fictional story of about STORY_WORDS words."""
    sentences: list[str] = []
    words = 0
    for template in rng.sample(SENTENCES, len(SENTENCES)):
        if words >= STORY_WORDS:
            break
        sentences.append(fill(template, rng))
        words += len(sentences[-1].split())
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return fill(rng.choice(TITLES), rng), "\n\n".join(paragraphs)


def write_story_folder(count: int, seed: int, out: Path) -> Path:
    """Write `count` synthetic stories as .txt files (title line, blank line, body) under `out`."""
    out.mkdir(parents=True)
    rng = random.Random(seed)
    for i in range(count):
        title, body = synthetic_story(rng)
        (out / f"story-{i:06d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return out


def write_story_csv(count: int, seed: int, out: Path) -> Path:
    """Write `count` synthetic stories as one CSV (title, text, date) to `out`."""
    rng = random.Random(seed)
    with out.open("w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(["title", "text", "date"])
        for _ in range(count):
            title, body = synthetic_story(rng)
            date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2016, 2025)}"
            writer.writerow([title, body, date])
    return out


def tree_pids(root: int) -> list[int]:
    """Return the pid of `root` and of every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """Return (RSS, PSS) of one process in kB, or zeros when it is gone."""
    rss = pss = 0
    try:
        for line in Path("/proc", str(pid), "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        for line in Path("/proc", str(pid), "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


def measure_run(command: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Run a command, sampling its process tree; return its seconds and peak memory in MB."""
    peak_rss = peak_pss = most = 0
    start = time.perf_counter()
    with (cwd / "run.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            sizes = [memory_kb(p) for p in tree_pids(proc.pid)]
            peak_rss = max(peak_rss, sum(rss for rss, _ in sizes))
            peak_pss = max(peak_pss, sum(pss for _, pss in sizes))
            most = max(most, len(sizes))
            time.sleep(SAMPLE_S)
    seconds = time.perf_counter() - start
    if proc.returncode:
        log_text = (cwd / "run.log").read_text()
        sys.exit(f"{' '.join(command)} exited {proc.returncode}\n{log_text}")
    return {
        "seconds": seconds,
        "rss_mb": peak_rss / 1024,
        "pss_mb": peak_pss / 1024,
        "largest_mb": usage.ru_maxrss / 1024,  # the largest single process of the tree
        "processes": most,
    }


def prefill(lake: Path, count: int, seed: int, scratch: Path) -> float:
    """Ingest `count` synthetic articles into the lake (no extraction, no validation); seconds."""
    source = write_story_csv(count, seed, scratch / "prefill.csv")
    settings = {"NEWSLAKE_EXTRACT": "false", "NEWSLAKE_VALIDATE_BATCHES": "false"}
    start = time.perf_counter()
    done = subprocess.run(
        run_command(source, lake),
        cwd=scratch,
        env=newslake_env(scratch, settings),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"pre-fill exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=10_000, help="new stories per run")
    parser.add_argument("--lake-size", type=int, default=100_000, help="articles pre-filled")
    parser.add_argument("--no-extract", action="store_true", help="NEWSLAKE_EXTRACT=false")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if not Path("/proc/self/smaps_rollup").exists():
        parser.error("this benchmark reads /proc (Linux)")
    settings = {"NEWSLAKE_EXTRACT": "false"} if args.no_extract else {}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        stories = write_story_folder(args.stories, args.seed, scratch / "stories")
        filled = scratch / "filled"
        filled.mkdir()
        fill_s = prefill(filled / "lake", args.lake_size, args.seed + 1, filled)
        runs = {}
        for label, folder in (("empty", scratch / "empty"), ("filled", filled)):
            folder.mkdir(exist_ok=True)
            runs[label] = measure_run(
                run_command(stories, folder / "lake"), folder, newslake_env(folder, settings)
            )
    extraction = "off" if args.no_extract else "on"
    print(
        f"{args.stories} synthetic stories of ~{STORY_WORDS} words, extraction {extraction}; "
        f"pre-fill of {args.lake_size} articles took {fill_s:.0f} s"
    )
    for label, size in (("empty", 0), ("filled", args.lake_size)):
        run = runs[label]
        print(
            f"lake of {size:>7} articles: peak RSS {run['rss_mb']:6.0f} MB "
            f"(PSS {run['pss_mb']:.0f} MB, largest process {run['largest_mb']:.0f} MB, "
            f"up to {run['processes']} processes) in {run['seconds']:.0f} s"
        )
    ratio = runs["filled"]["rss_mb"] / runs["empty"]["rss_mb"]
    worst = max(runs["empty"]["rss_mb"], runs["filled"]["rss_mb"])
    print(f"peak RSS, worst: {worst:.0f} MB (target <= {TARGET_MB} MB)")
    print(f"ratio filled / empty: {ratio:.2f} (target <= {1 + TARGET_GROWTH:.2f})")


if __name__ == "__main__":
    main()
