from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import duckdb_extensions
import psycopg
import pyarrow as pa
import pytest

from tasks import lake
from tasks.schema import ARTICLES, RAW_DOCUMENTS
from tests.pg import Cluster, postgres_cluster_fixture  # noqa: F401

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


@pytest.mark.unit
def test_commit_adds_to_every_table_and_a_repeat_adds_nothing(con) -> None:
    tables = {"raw_documents": raw_rows(["a", "b"]), "articles": article_rows(["a", "b"])}
    assert lake.commit_batch(con, tables)["articles"] == 2
    before = lake.snapshot_id(con)
    added = lake.commit_batch(con, tables)
    assert added["articles"] == 0 and added["raw_documents"] == 0
    counts = lake.table_counts(con)
    assert counts["articles"] == 2 and counts["raw_documents"] == 2
    assert lake.snapshot_id(con) >= before


@pytest.mark.unit
def test_failed_commit_leaves_nothing_visible(con) -> None:
    lake.commit_batch(con, {"articles": article_rows(["a"])})
    snapshot = lake.snapshot_id(con)
    bad = {"raw_documents": raw_rows(["b"]), "articles": pa.table({"nope": [1]})}
    with pytest.raises(ValueError, match="field names"):
        lake.commit_batch(con, bad)
    assert lake.table_counts(con)["raw_documents"] == 0
    assert lake.table_counts(con)["articles"] == 1
    assert lake.snapshot_id(con) == snapshot


@pytest.mark.unit
def test_places_round_trip_as_structs(con) -> None:
    lake.commit_batch(con, {"articles": article_rows(["a"])})
    row = con.execute("select dateline_places[1].name from articles").fetchone()
    assert row == ("Washington",)


@pytest.mark.unit
def test_source_state_keeps_the_latest_value(con) -> None:
    lake.commit_batch(con, {}, lake.state_table("feed", {"etag https://x": '"1"'}, "r1"))
    lake.commit_batch(con, {}, lake.state_table("feed", {"etag https://x": '"2"'}, "r2"))
    assert lake.load_state(con, "feed") == {"etag https://x": '"2"'}
    assert lake.load_state(con, "other") == {}


@pytest.mark.unit
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


@pytest.mark.unit
def test_read_only_connection_sees_committed_rows(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    writer = lake.connect(location)
    lake.commit_batch(writer, {"articles": article_rows(["a", "b"])})
    reader = lake.connect(location, read_only=True)
    assert reader.execute("select count(*) from articles").fetchone() == (2,)
    with pytest.raises((duckdb.Error, pa.ArrowException)):
        reader.execute("delete from articles")


@pytest.mark.integration
def test_a_locked_down_reader_reads_a_postgres_catalog_lake(
    tmp_path: Path,
    postgres_cluster_fixture: Cluster,  # noqa: F811
) -> None:
    with psycopg.connect(postgres_cluster_fixture.conninfo(), autocommit=True) as pg:
        pg.execute("create database store_catalog")
    catalog = f"postgres:{postgres_cluster_fixture.conninfo(database='store_catalog')}"
    location = lake.LakeLocation(catalog=catalog, data_path=f"{tmp_path / 'data'}/")
    writer = lake.connect(location)
    try:
        lake.commit_batch(writer, {"articles": article_rows(["a", "b"])})
        reader = lake.connect(location, read_only=True)
        try:
            settings = reader.execute(
                "select current_setting('enable_external_access'), "
                "current_setting('lock_configuration')"
            ).fetchone()
            assert settings == (False, True)
            rows = lake.run_query(reader, "select title from articles order by 1").fetchall()
            assert rows == [("ta",), ("tb",)]
            lake.commit_batch(writer, {"articles": article_rows(["c"])})
            assert lake.run_query(reader, "select count(*) from articles").fetchall() == [(3,)]
            with pytest.raises(duckdb.Error, match="disabled"):
                attach = f"attach '{postgres_cluster_fixture.conninfo()}' as p (type postgres)"
                reader.execute(attach)
            with pytest.raises(lake.QueryRefused, match="postgres_execute"):
                lake.run_query(
                    reader,
                    "select * from postgres_execute('__ducklake_metadata_lake', "
                    "'delete from ducklake_snapshot')",
                )
        finally:
            reader.close()
    finally:
        writer.close()


@pytest.mark.unit
def test_a_reader_of_a_lake_an_older_version_wrote_gets_the_views_it_lacks(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    writer = lake.connect(location)
    writer.execute("drop view mart_runs")  # as a lake from before mart_runs existed
    writer.execute("create or replace view mart_entities as select 1 as stale")
    writer.close()
    reader = lake.connect(location, read_only=True)
    try:
        assert reader.execute("select count(*) from mart_runs").fetchone() == (0,)
        columns = [d[0] for d in reader.execute("select * from mart_entities").description]
        assert "stale" not in columns and "entity_id" in columns
    finally:
        reader.close()


@pytest.mark.unit
def test_a_reader_of_a_lake_whose_tables_are_not_created_yet_gets_a_clear_error(
    tmp_path: Path,
) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    (tmp_path / "lake" / "data").mkdir(parents=True)
    con = duckdb.connect()
    for name in lake.extensions_for(location.catalog):
        duckdb_extensions.import_extension(name, con=con)
    con.execute(location.attach_sql())  # the catalog a first run makes before its tables
    con.close()
    with pytest.raises(lake.LakeNotReady, match="no tables yet"):
        lake.connect(location, read_only=True)


@pytest.mark.unit
def test_a_reader_skips_views_whose_tables_the_lake_lacks(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    writer = lake.connect(location)
    lake.commit_batch(writer, {"articles": article_rows(["a"])})
    writer.execute("drop view mart_runs")
    writer.execute("drop table runs")  # as a lake from before runs were recorded
    writer.close()
    reader = lake.connect(location, read_only=True)
    try:
        assert reader.execute("select count(*) from articles").fetchone() == (1,)
        with pytest.raises(duckdb.CatalogException, match="mart_runs"):
            reader.execute("select * from mart_runs")
    finally:
        reader.close()
