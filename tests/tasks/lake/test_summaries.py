"""Summary tables kept by each commit must equal a rebuild from all articles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tasks import lake
from tasks.lake import summaries
from tests.sql.test_marts import BIDEN, UN, batch

pytestmark = pytest.mark.unit

NAMES = [s.name for s in summaries.load_summaries()]


def rows_of(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    return {name: con.execute(f"select * from {name} order by all").fetchall() for name in NAMES}


def rebuilt(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Return what a full rebuild would hold, leaving the lake as it was."""
    con.execute("begin")
    try:
        summaries.rebuild_summaries(con)
        return rows_of(con)
    finally:
        con.execute("rollback")


def part(tables: dict[str, pa.Table], article_ids: set[str]) -> dict[str, pa.Table]:
    """Return the rows of a batch that belong to some articles (all rows without an article)."""
    keep = pa.array(sorted(article_ids))
    out = {}
    for name, table in tables.items():
        if "article_id" not in table.column_names:
            out[name] = table if "a1" in article_ids else table.slice(0, 0)
            continue
        ids = table.column("article_id")
        mask = pc.is_in(ids, keep)
        if "a1" in article_ids:
            mask = pc.or_(mask, pc.is_null(ids))
        out[name] = table.filter(pc.fill_null(mask, False))
    return out


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    yield connection
    connection.close()


def test_commits_keep_every_summary_equal_to_a_rebuild(con: duckdb.DuckDBPyConnection) -> None:
    tables = batch()
    # a3 and a4 share a day but arrive in different commits; a1 and a2 share pairs and speakers
    for ids in ({"a1", "a3"}, {"a2", "a5"}, {"a4"}):
        lake.commit_batch(con, part(tables, ids))
        assert rows_of(con) == rebuilt(con)
    assert con.execute(
        "select weight from sum_co_mentions where entity_a_id = ? and entity_b_id = ?", [UN, BIDEN]
    ).fetchall() == [(2,)]
    # committing the same articles again changes nothing
    before = rows_of(con)
    lake.commit_batch(con, tables)
    assert rows_of(con) == before


def test_reextraction_replaces_counts_and_a_rebuild_tightens_dates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    tables = batch()
    lake.commit_batch(con, tables)
    # a2 loses its UN mention and its quotes; a3 now names only Biden
    mentions = tables["mentions"].filter(
        pc.invert(
            pc.or_(
                pc.and_(
                    pc.equal(tables["mentions"].column("article_id"), "a2"),
                    pc.equal(tables["mentions"].column("entity_id"), UN),
                ),
                pc.and_(
                    pc.equal(tables["mentions"].column("article_id"), "a3"),
                    pc.equal(tables["mentions"].column("entity_id"), UN),
                ),
            )
        )
    )
    targets = pa.array(["a2", "a3"])
    children = {
        name: table.filter(pc.is_in(table.column("article_id"), targets))
        for name, table in {**tables, "mentions": mentions}.items()
        if name in ("mentions", "places", "quotes")
    }
    children["quotes"] = children["quotes"].filter(
        pc.not_equal(children["quotes"].column("article_id"), "a2")
    )
    fields = (
        tables["articles"]
        .filter(pc.is_in(tables["articles"].column("article_id"), targets))
        .select(["article_id", "tone", "focus_country"])
    )
    lake.replace_extraction(con, children, fields)

    now, exact = rows_of(con), rebuilt(con)
    # refreshed by day, or additive with only counts and sums: exact at once
    for name in ("sum_entity_days", "sum_entity_timeline", "sum_country_days"):
        assert now[name] == exact[name], name
    # additive: counts exact at once; the (UN, Biden) pair keeps only a4
    assert now["sum_city_mentions"] == exact["sum_city_mentions"]
    count_columns = {"sum_co_mentions": 3, "sum_speakers": 3}
    for name, width in count_columns.items():
        assert [r[:width] for r in now[name]] == [r[:width] for r in exact[name]], name
    assert con.execute(
        "select weight from sum_co_mentions where entity_a_id = ? and entity_b_id = ?", [UN, BIDEN]
    ).fetchall() == [(1,)]
    con.execute("begin")
    summaries.rebuild_summaries(con)
    con.execute("commit")
    assert rows_of(con) == exact


def test_many_commits_compact_a_summary_into_few_files(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summaries, "MAX_DATA_FILES", 3)
    tables = batch()
    for article_id in ("a1", "a2", "a3", "a4", "a5"):
        lake.commit_batch(con, part(tables, {article_id}))
    files = con.execute("select count(*) from ducklake_list_files('lake', 'sum_entity_days')")
    assert files.fetchone()[0] <= 4
    assert rows_of(con) == rebuilt(con)


def test_a_changed_definition_rebuilds_its_summary(con: duckdb.DuckDBPyConnection) -> None:
    lake.commit_batch(con, batch())
    speakers = next(s for s in summaries.load_summaries() if s.name == "sum_speakers")
    changed = summaries.Summary(
        speakers.name,
        speakers.select.replace("count(*) as quotes", "count(*) * 10 as quotes"),
        speakers.key,
        speakers.merge,
        speakers.staging,
    )
    assert summaries.ensure_summaries(con, [changed]) == ["sum_speakers"]
    assert summaries.ensure_summaries(con, [changed]) == []
    quotes = con.execute("select quotes from sum_speakers where entity_id = ?", [BIDEN]).fetchone()
    assert quotes == (20,)
    # the shipped definition comes back on the next writer connection
    assert summaries.ensure_summaries(con, summaries.load_summaries()) == ["sum_speakers"]
    quotes = con.execute("select quotes from sum_speakers where entity_id = ?", [BIDEN]).fetchone()
    assert quotes == (2,)
    # so does a change of the staging views it reads
    restaged = [
        summaries.Summary(s.name, s.select, s.key, s.merge, "another stg_quotes")
        for s in summaries.load_summaries()
    ]
    assert len(summaries.ensure_summaries(con, restaged)) == len(restaged)


def test_a_commit_over_busy_days_leaves_them_to_the_end_of_the_run(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summaries, "REFRESH_NOW_ARTICLES", 1)
    tables = batch()
    lake.commit_batch(con, part(tables, {"a1", "a3"}))  # two articles on their days: over 1
    now, exact = rows_of(con), rebuilt(con)
    assert now["sum_entity_timeline"] == [] != exact["sum_entity_timeline"]
    assert {n: r for n, r in now.items() if n != "sum_entity_timeline"} == {
        n: r for n, r in exact.items() if n != "sum_entity_timeline"
    }
    assert summaries.has_pending(con)
    assert lake.refresh_pending_summaries(con) == 2  # 1 and 3 March
    assert rows_of(con) == rebuilt(con)
    assert not summaries.has_pending(con)
    assert lake.refresh_pending_summaries(con) == 0


def test_a_writer_connection_catches_up_days_a_stopped_run_left_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    first = lake.connect(location)
    monkeypatch.setattr(summaries, "REFRESH_NOW_ARTICLES", 1)
    lake.commit_batch(first, batch())
    first.close()  # the run stopped before its end
    monkeypatch.undo()
    second = lake.connect(location)
    try:
        assert not summaries.has_pending(second)
        assert rows_of(second) == rebuilt(second)
        assert rows_of(second)["sum_entity_timeline"]
    finally:
        second.close()


def test_a_lake_from_before_summaries_gets_them_built_on_connect(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    con = lake.connect(location)
    lake.commit_batch(con, batch())
    exact = rows_of(con)
    # what a lake written by the version before summaries holds: no sum_* tables, no marts on them
    con.execute("begin")
    for view in con.execute(
        "select view_name from duckdb_views() where database_name = 'lake' "
        "and view_name like 'mart_%'"
    ).fetchall():
        con.execute(f"drop view {view[0]}")
    for name in [*NAMES, summaries.PENDING]:
        con.execute(f"drop table {name}")
    con.execute("commit")
    con.close()
    again = lake.connect(location)
    try:
        assert rows_of(again) == exact
    finally:
        again.close()
