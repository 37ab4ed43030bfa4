from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tasks import lake
from tasks.schema import RAW_DOCUMENTS, REJECTED
from tasks.serving.status import lake_size, recent_runs, source_freshness
from tests.tasks.serving.test_report_html import build_small_lake, small_batch

pytestmark = pytest.mark.unit

FRESHNESS_COLUMNS = ["source", "articles", "latest_published", "latest_ingested", "hours_ago"]
RUN_COLUMNS = ["started", "status", "read", "new", "dups", "rejected", "seconds", "error"]


def batch_with_raw_and_rejected() -> dict[str, pa.Table]:
    """Return small_batch's tables, its articles' raw documents, one exact duplicate, one late
    article in its own source, and two rejected records (one from a source with no articles)."""
    tables = small_batch()
    articles = tables["articles"].to_pylist()
    late = articles[1] | {
        "article_id": "late-1",
        "raw_id": "r-late-1",
        "source": "late",
        "content_hash": "h-late-1",
        "published_at": None,
        "ingested_at": datetime(2017, 12, 1, 5, 30, tzinfo=UTC),
    }
    articles.append(late)
    raw = [
        {"raw_id": a["raw_id"], "source": a["source"], "article_id": a["article_id"]}
        | {"is_duplicate": False}
        for a in articles
    ]
    raw += [
        {"raw_id": "dup", "source": "wire", "article_id": "a000", "is_duplicate": True},
        {"raw_id": "bad-1", "source": "broken", "article_id": None, "is_duplicate": False},
        {"raw_id": "bad-2", "source": "wire", "article_id": None, "is_duplicate": False},
    ]
    rejected = [
        {"rejected_id": "x1", "raw_id": "bad-1", "source": "broken", "reason": "empty body"},
        {"rejected_id": "x2", "raw_id": "bad-2", "source": "wire", "reason": "empty body"},
    ]
    return tables | {
        "articles": pa.Table.from_pylist(articles, schema=tables["articles"].schema),
        "raw_documents": pa.Table.from_pylist(raw, schema=RAW_DOCUMENTS),
        "rejected": pa.Table.from_pylist(rejected, schema=REJECTED),
    }


@pytest.fixture(scope="module")
def lake_with_runs(tmp_path_factory: pytest.TempPathFactory) -> lake.LakeLocation:
    location = build_small_lake(
        tmp_path_factory.mktemp("status") / "lake", batch_with_raw_and_rejected()
    )
    con = lake.connect(location)
    try:
        for day, status, error in [
            (1, "completed", None),
            (3, "failed", "x" * 80),
            (2, "partial", "one source unreachable"),
        ]:
            counts = {"records_read": 10 * day, "articles_new": day, "duplicates": day - 1}
            started = datetime(2024, 5, day, 6, 30, tzinfo=UTC)
            lake.record_run(con, f"run-{day}", started, ["wire"], status, counts, {}, error)
    finally:
        con.close()
    return location


def read_only(location: lake.LakeLocation) -> duckdb.DuckDBPyConnection:
    return lake.connect(location, read_only=True)


def test_source_freshness_counts_each_source_with_articles(
    lake_with_runs: lake.LakeLocation,
) -> None:
    con = read_only(lake_with_runs)
    try:
        columns, rows = source_freshness(con)
        now = datetime.now(UTC)
    finally:
        con.close()
    assert columns == FRESHNESS_COLUMNS
    articles = batch_with_raw_and_rejected()["articles"].to_pylist()
    counts = Counter(a["source"] for a in articles)
    # "broken" has only a rejected record, so no freshness; "late" has no publication date
    assert [(source, n) for source, n, *_ in rows] == sorted(counts.items())
    assert [row[:4] for row in rows] == [
        ("feeds", counts["feeds"], "2017-11-08 10:00", "2017-11-09 09:00"),
        ("late", 1, None, "2017-12-01 05:30"),
        ("pages", counts["pages"], "2017-11-07 10:00", "2017-11-09 09:00"),
        ("wire", counts["wire"], "2017-11-08 11:00", "2017-11-09 09:00"),
    ]
    ingested = {"late": datetime(2017, 12, 1, 5, 30, tzinfo=UTC)}
    for source, *_, hours_ago in rows:
        at = ingested.get(source, datetime(2017, 11, 9, 9, tzinfo=UTC))
        assert hours_ago == pytest.approx((now - at).total_seconds() / 3600, abs=0.1)
        assert hours_ago == round(hours_ago, 1)


def test_source_freshness_agrees_with_the_latest_articles(
    lake_with_runs: lake.LakeLocation,
) -> None:
    articles = batch_with_raw_and_rejected()["articles"].to_pylist()
    con = read_only(lake_with_runs)
    try:
        _, rows = source_freshness(con)
    finally:
        con.close()
    for source, _, latest_published, _, _ in rows:
        dated = [a["published_at"] for a in articles if a["source"] == source and a["published_at"]]
        expected = max(dated).strftime("%Y-%m-%d %H:%M") if dated else None
        assert latest_published == expected, source


def test_recent_runs_are_newest_first_with_counts_and_a_short_error(
    lake_with_runs: lake.LakeLocation,
) -> None:
    con = read_only(lake_with_runs)
    try:
        columns, rows = recent_runs(con, limit=2)
        _, every = recent_runs(con)
    finally:
        con.close()
    assert columns == RUN_COLUMNS
    assert [row[:6] for row in rows] == [
        ("2024-05-03 06:30", "failed", 30, 3, 2, 0),
        ("2024-05-02 06:30", "partial", 20, 2, 1, 0),
    ]
    assert rows[0][7] == "x" * 60 and rows[1][7] == "one source unreachable"
    assert all(seconds > 0 and seconds == round(seconds, 1) for *_, seconds, _ in rows)
    assert [row[1] for row in every] == ["failed", "partial", "completed"]
    assert every[2][7] is None


def test_lake_size_counts_articles_raw_documents_and_rejected(
    lake_with_runs: lake.LakeLocation,
) -> None:
    tables = batch_with_raw_and_rejected()
    con = read_only(lake_with_runs)
    try:
        size = lake_size(con, Path(lake_with_runs.data_path).parent)
        snapshot = lake.snapshot_id(con)
    finally:
        con.close()
    assert {k: size[k] for k in ("snapshot_id", "articles", "raw_documents", "rejected")} == {
        "snapshot_id": snapshot,
        "articles": tables["articles"].num_rows,
        "raw_documents": tables["raw_documents"].num_rows,
        "rejected": tables["rejected"].num_rows,
    }
    assert size["files"] > 0 and size["size_mb"] > 0
    assert size["disk_mb"] >= size["size_mb"]  # the catalog and older snapshots' files too


def test_a_lake_with_no_runs_and_no_articles_shows_empty_tables(tmp_path: Path) -> None:
    location = build_small_lake(tmp_path / "lake", tables={})
    con = read_only(location)
    try:
        runs, freshness = recent_runs(con), source_freshness(con)
        size = lake_size(con, tmp_path / "lake")
        elsewhere = lake_size(con, tmp_path / "missing")
    finally:
        con.close()
    assert runs == (RUN_COLUMNS, [])
    assert freshness == (FRESHNESS_COLUMNS, [])
    assert (size["articles"], size["raw_documents"], size["rejected"]) == (0, 0, 0)
    assert (size["files"], size["size_mb"]) == (0, 0)  # the current snapshot's, from the catalog
    assert (elsewhere["files"], elsewhere["size_mb"]) == (size["files"], size["size_mb"])
    assert elsewhere["disk_mb"] is None and size["disk_mb"] > 0  # no local folder to measure


def test_articles_without_runs_still_show_their_freshness(tmp_path: Path) -> None:
    location = build_small_lake(tmp_path / "lake")
    con = read_only(location)
    try:
        runs, (_, rows) = recent_runs(con), source_freshness(con)
    finally:
        con.close()
    assert runs == (RUN_COLUMNS, [])
    counts = Counter(a["source"] for a in small_batch()["articles"].to_pylist())
    assert [(source, n) for source, n, *_ in rows] == sorted(counts.items())
