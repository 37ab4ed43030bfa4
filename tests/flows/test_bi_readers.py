from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb_extensions
import psycopg
import pytest
from sqlalchemy import create_engine, text

from tasks import lake
from tasks.serving.bi import connection_recipes
from tests.flows.test_atomicity import cli_env
from tests.pg import Cluster, postgres_cluster_fixture  # noqa: F401
from tests.tasks.serving.test_report_html import build_small_lake, small_batch

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.perf]  # reader waits

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 1.0  # the limit on a reader's lock wait
LOCKUP_S = 5.0
ISOT_ROWS = 240  # the first rows of the sample, extracted: ~15 s of spaCy in 6 commits
RUN_CLI = "import sys; from flows.cli import app; app(sys.argv[1:], prog_name='newslake')"
QUERIES = {
    "articles": "select count(*) from stg_articles",
    "per_day": "select coalesce(sum(articles), 0) from mart_articles_per_day",
    # marts over summary tables, which every commit rewrites in part
    "mentions": "select coalesce(sum(mentions), 0) from mart_entity_mentions_daily",
    "pairs": "select coalesce(sum(weight), 0) from mart_co_mentions",
    "timeline": "select coalesce(sum(articles), 0) from mart_entity_timeline",
}


def head_of(corpus: Path, rows: int, out: Path) -> Path:
    """Write the header and first `rows` records of a CSV corpus to `out`."""
    with corpus.open(newline="", encoding="utf-8") as source, out.open("w", newline="") as sink:
        reader = csv.reader(source)
        writer = csv.writer(sink)
        writer.writerow(next(reader))
        for _, row in zip(range(rows), reader, strict=False):
            writer.writerow(row)
    return out


class LockWaitExceededError(AssertionError):
    """A reader query waited longer than the issue allows."""


def postgres_catalog(cluster: Cluster, name: str) -> str:
    """Create an empty database for a lake catalog in the test cluster; return the catalog."""
    with psycopg.connect(cluster.conninfo(), autocommit=True) as connection:
        connection.execute(f"drop database if exists {name}")
        connection.execute(f"create database {name}")
    return f"postgres:{cluster.conninfo(database=name)}"


@pytest.mark.parametrize(
    "catalog_kind",
    [
        # Measured: a reader of a SQLite catalog that meets a commit waits in whole seconds (the
        # SQLite inside sqlite_scanner has no sub-second sleep); usually 1.0-1.1 s, once 2 s.
        # Reading a copy of the catalog or WAL mode avoids the waits but gives readers mixed
        # snapshots (NOTES.md), so the default SQLite catalog keeps them: only this criterion
        # may fail for it; every other assertion below fails the test.
        pytest.param(
            "sqlite",
            marks=pytest.mark.xfail(
                raises=LockWaitExceededError, strict=False, reason="SQLite catalog lock waits"
            ),
        ),
        "postgres",
    ],
)
def test_superset_reader_sees_growing_counts_while_an_ingest_commits(
    prefect_harness: None,
    isot_csv: Path,
    tmp_path: Path,
    catalog_kind: str,
    request: pytest.FixtureRequest,
) -> None:
    path = tmp_path / "lake"
    catalog = None
    if catalog_kind == "postgres":
        cluster = request.getfixturevalue("postgres_cluster_fixture")
        catalog = postgres_catalog(cluster, "bi_readers_catalog")
    initial = small_batch(days=2, per_day=2)
    location = build_small_lake(path, initial, catalog)
    first = initial["articles"].num_rows
    for name in lake.extensions_for(location.catalog):
        duckdb_extensions.import_extension(name)  # the Superset recipe's one-time install
    recipes = connection_recipes(location)
    # as Superset connects: the URI and engine parameters of the recipe
    engine = create_engine(recipes["superset_uri"], **json.loads(recipes["superset_engine_params"]))
    source = head_of(isot_csv, ISOT_ROWS, tmp_path / "isot_head.csv")
    writer = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "run", "--source", str(source), "--lake", str(path)],
        cwd=ROOT,
        env=cli_env(ISOT_ROWS // 6)
        | {"NEWSLAKE_EXTRACT": "true"}
        | ({"NEWSLAKE_CATALOG": catalog} if catalog else {}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen: list[dict[str, int]] = []
    timings: list[tuple[float, str, float]] = []
    deadline = time.monotonic() + 300

    def read() -> dict[str, int]:
        counts = {}
        # one checkout and statement per query: each runs in its own transaction, on the newest
        # snapshot, as a dashboard refresh would
        for name, sql in QUERIES.items():
            started = time.monotonic()
            with engine.connect() as connection:
                counts[name] = int(connection.execute(text(sql)).scalar_one())
            timings.append((started, name, time.monotonic() - started))
        return counts

    try:
        while writer.poll() is None and time.monotonic() < deadline:
            counts = read()
            if seen:
                assert all(counts[k] >= seen[-1][k] for k in counts), (counts, seen[-1])
            seen.append(counts)
            time.sleep(0.05)
        output = writer.communicate(timeout=60)[0]
        assert writer.returncode == 0, output
        final = read()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.communicate(timeout=60)
        engine.dispose()

    assert seen and seen[0]["articles"] >= first
    assert final["articles"] == first + ISOT_ROWS, final
    assert final["per_day"] >= final["articles"] - 50 and final["per_day"] >= seen[-1]["per_day"]
    # the summary-backed marts grew with the extracted articles
    for name in ("mentions", "pairs", "timeline"):
        assert final[name] > seen[0][name], (name, seen[0], final)
    # the reader saw the lake grow mid-run: several snapshots between the first and the last
    middle = {c["articles"] for c in seen if first < c["articles"] < first + ISOT_ROWS}
    assert len(middle) >= 2, (seen[:3], seen[-3:])
    # a plain read-only connection to the catalog itself agrees with what the reader ended on
    con = lake.connect(location, read_only=True)
    try:
        assert {n: con.execute(q).fetchone()[0] for n, q in QUERIES.items()} == final
    finally:
        con.close()
    # a lock-up, not a wait: fail hard
    assert max(e for _, _, e in timings) < LOCKUP_S, sorted(e for _, _, e in timings)[-5:]
    # the first query of each kind opens the reader's caches (a cold start, not a wait), and on a
    # loaded 2-core machine a few queries in a thousand pass 1 s with no writer in sight: a
    # reader that waits for commits waits on most of them (the SQLite catalog: dozens)
    warm = timings[len(QUERIES) :]
    slow = [(round(t - timings[0][0], 2), n, round(e, 3)) for t, n, e in warm if e >= WAIT_S]
    if len(slow) > max(2, len(warm) // 200):
        raise LockWaitExceededError(f"{len(slow)} of {len(timings)} queries waited >= 1 s: {slow}")
