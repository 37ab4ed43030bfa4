from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import duckdb_extensions
import pyarrow as pa
import pytest

from tasks import lake
from tasks.schema import ARTICLES, RAW_DOCUMENTS

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 6, 12, 0, tzinfo=UTC)


def raw_rows(ids: list[str]) -> pa.Table:
    rows = [
        {
            "raw_id": f"raw-{i}",
            "source": "s",
            "source_kind": "files",
            "locator": f"f{i}",
            "media_type": "text/plain",
            "payload": b"x",
            "payload_bytes": 1,
            "fetched_at": NOW,
            "article_id": i,
            "is_duplicate": False,
            "run_id": "r",
        }
        for i in ids
    ]
    return pa.Table.from_pylist(rows, schema=RAW_DOCUMENTS)


def article_rows(ids: list[str]) -> pa.Table:
    rows = [
        {
            "article_id": i,
            "raw_id": f"raw-{i}",
            "source": "s",
            "title": f"t{i}",
            "body": "b",
            "dateline_places": [{"name": "Washington", "region": None}],
            "word_count": 1,
            "content_hash": f"h{i}",
            "ingested_at": NOW,
            "run_id": "r",
        }
        for i in ids
    ]
    return pa.Table.from_pylist(rows, schema=ARTICLES)


@pytest.fixture
def con(tmp_path: Path):
    connection = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    yield connection
    connection.close()


def test_commit_adds_to_every_table_and_a_repeat_adds_nothing(con) -> None:
    tables = {"raw_documents": raw_rows(["a", "b"]), "articles": article_rows(["a", "b"])}
    assert lake.commit_batch(con, tables)["articles"] == 2
    before = lake.snapshot_id(con)
    added = lake.commit_batch(con, tables)
    assert added["articles"] == 0 and added["raw_documents"] == 0
    counts = lake.table_counts(con)
    assert counts["articles"] == 2 and counts["raw_documents"] == 2
    assert lake.snapshot_id(con) >= before


def test_failed_commit_leaves_nothing_visible(con) -> None:
    lake.commit_batch(con, {"articles": article_rows(["a"])})
    snapshot = lake.snapshot_id(con)
    bad = {"raw_documents": raw_rows(["b"]), "articles": pa.table({"nope": [1]})}
    with pytest.raises(ValueError, match="field names"):
        lake.commit_batch(con, bad)
    assert lake.table_counts(con)["raw_documents"] == 0
    assert lake.table_counts(con)["articles"] == 1
    assert lake.snapshot_id(con) == snapshot


def test_places_round_trip_as_structs(con) -> None:
    lake.commit_batch(con, {"articles": article_rows(["a"])})
    row = con.execute("select dateline_places[1].name from articles").fetchone()
    assert row == ("Washington",)


def test_source_state_keeps_the_latest_value(con) -> None:
    lake.commit_batch(con, {}, lake.state_table("feed", {"etag https://x": '"1"'}, "r1"))
    lake.commit_batch(con, {}, lake.state_table("feed", {"etag https://x": '"2"'}, "r2"))
    assert lake.load_state(con, "feed") == {"etag https://x": '"2"'}
    assert lake.load_state(con, "other") == {}


def test_runs_record_counts_and_status(con) -> None:
    lake.record_run(
        con,
        "run-1",
        NOW,
        ["examples"],
        "completed",
        {"records_read": 3, "articles_new": 2},
        {"parse": 0.5},
    )
    row = con.execute("select status, records_read, articles_new, sources from runs").fetchone()
    assert row == ("completed", 3, 2, ["examples"])


def test_read_only_connection_sees_committed_rows(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    writer = lake.connect(location)
    lake.commit_batch(writer, {"articles": article_rows(["a", "b"])})
    reader = lake.connect(location, read_only=True)
    assert reader.execute("select count(*) from articles").fetchone() == (2,)
    with pytest.raises((duckdb.Error, pa.ArrowException)):
        reader.execute("delete from articles")


def reader_on_copy(location: lake.LakeLocation) -> duckdb.DuckDBPyConnection:
    """Return a DuckDB connection attached to the lake's read-only copy, as a BI tool would be."""
    reader = duckdb.connect(config={"autoinstall_known_extensions": False})
    for name in lake.EXTENSIONS:
        duckdb_extensions.import_extension(name, con=reader)
    reader.execute(location.attach_sql(reader_copy=True))
    return reader


def test_commits_replace_the_readers_copy_whole(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path)
    con = lake.connect(location)
    copy = Path(location.reader_catalog.removeprefix("sqlite:"))
    assert copy != Path(location.catalog.removeprefix("sqlite:"))
    inode = copy.stat().st_ino
    reader = reader_on_copy(location)
    reader.execute("begin")
    assert reader.execute("select count(*) from lake.articles").fetchone() == (0,)
    lake.commit_batch(con, {"articles": article_rows(["a"])})
    assert copy.stat().st_ino != inode  # a new file, renamed over the old one
    # a transaction keeps its snapshot; the next one reads the new copy
    assert reader.execute("select count(*) from lake.articles").fetchone() == (0,)
    reader.execute("commit")
    assert reader.execute("select count(*) from lake.articles").fetchone() == (1,)
    assert not list(tmp_path.glob(".*readonly*"))  # no partial copies left behind


def test_a_reader_of_the_copy_does_not_wait_for_a_locked_catalog(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path)
    con = lake.connect(location)
    lake.commit_batch(con, {"articles": article_rows(["a", "b"])})
    con.close()
    # what a commit in progress does to the catalog: an exclusive lock. The holder and the reader
    # are separate processes, as a writer and a BI tool are (POSIX locks of one process never
    # conflict with each other). A reader of the catalog itself would wait 5 s, then fail.
    blocker = subprocess.Popen(
        [sys.executable, "-c", HOLD_EXCLUSIVE, location.catalog.removeprefix("sqlite:")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert blocker.stdout is not None and blocker.stdout.readline().strip() == "locked"
        reader = subprocess.run(
            [sys.executable, "-c", READ_COPY, str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        blocker.communicate("", timeout=30)
    assert reader.returncode == 0, reader.stderr
    count, elapsed = reader.stdout.split()
    assert int(count) == 2
    assert float(elapsed) < 0.5


ROOT = Path(__file__).resolve().parents[2]
HOLD_EXCLUSIVE = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("begin exclusive")
print("locked", flush=True)
sys.stdin.read()
con.execute("rollback")
"""
READ_COPY = """
import sys, time
from tests.tasks.test_lake import reader_on_copy
from tasks import lake
reader = reader_on_copy(lake.LakeLocation.local(sys.argv[1]))
started = time.monotonic()
count = reader.execute("select count(*) from lake.articles").fetchone()[0]
print(count, time.monotonic() - started)
"""
