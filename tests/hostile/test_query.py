"""`newslake sql` is read-only: its connection writes no file, attaches, loads or sets nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tasks import lake
from tasks.documents.batch import dedupe_batch, parse_batch
from tasks.documents.dedupe import DedupIndex
from tasks.documents.normalise import NormaliseContext
from tasks.lake.connection import QUERY_DATABASE
from tasks.records import RawRecord

ROOT = Path(__file__).resolve().parents[2]
STORY = "{title}\n\nKOTOR (Reuters) - {title}, the harbour master said on Monday.\n"
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def commit_stories(con: duckdb.DuckDBPyConnection, titles: list[str]) -> None:
    """Commit small fictional stories through the ingest helpers."""
    records = [
        RawRecord("harbour", "files", f"{t}.txt", STORY.format(title=t).encode(), "text/plain", AT)
        for t in titles
    ]
    context = NormaliseContext(run_id="r1", ingested_at=AT)
    tables = dedupe_batch(parse_batch(records, context), DedupIndex(), context).tables
    lake.commit_batch(con, tables)


def build_lake(root: Path) -> lake.LakeLocation:
    """Return a lake with two articles, a deleted row (a delete file) and an expired snapshot, so
    that maintenance functions would find files to remove."""
    location = lake.LakeLocation.local(root)
    writer = lake.connect(location)
    try:
        commit_stories(writer, ["Ferry lanes reopen", "Cranes return to the quay", "Tugs idle"])
        writer.execute("delete from articles where title = 'Tugs idle'")
        writer.execute("call ducklake_expire_snapshots('lake', older_than => now())")
    finally:
        writer.close()
    return location


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> lake.LakeLocation:
    """One lake for the tests that must leave it as it is (each checks that they do)."""
    return build_lake(tmp_path_factory.mktemp("hostile") / "lake")


def files_under(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


HOSTILE = [
    "copy (select * from articles) to '{outside}/stolen.csv'",
    "copy (select * from articles) to '{data}stolen.parquet'",
    "copy articles from '{outside}/stolen.csv'",
    "export database '{outside}/exported'",
    "attach 'sqlite:{catalog}' as again",
    "attach 'ducklake:sqlite:{catalog}' as again (data_path '{data}')",
    "attach '{outside}/new.duckdb' as other",
    "attach ':memory:' as scratch",
    "detach lake",
    "use memory",
    "install httpfs",
    "load httpfs",
    "set enable_external_access = true",
    "reset lock_configuration",
    "set threads = 1",
    "pragma enable_profiling",
    "call ducklake_expire_snapshots('lake', older_than => now())",
    "checkpoint",
    "begin",
    "delete from articles",
    "create temp table grabbed as select * from articles",
    "select count(*) from articles; delete from articles",
    "explain analyze copy (select 1) to '{outside}/x.csv'",
    "select * from ducklake_cleanup_old_files('lake', cleanup_all => true)",
    "select * from ducklake_delete_orphaned_files('lake', cleanup_all => true)",
    "select * from ducklake_merge_adjacent_files('lake')",
    "select * from \"DuckLake_Rewrite_Data_Files\"('lake')",
    "select * from ducklake_set_option('lake', 'data_inlining_row_limit', 10)",
    "select * from query('select 1')",
    "select * from sqlite_attach('{catalog}')",
    "select * from sqlite_scan('{catalog}', 'ducklake_snapshot')",
    "select * from read_csv('/etc/passwd')",
    "with t as (select * from json_execute_serialized_sql(json_serialize_sql('select 1'))) "
    "select * from t",
]


@pytest.fixture(scope="module")
def query_con(built: lake.LakeLocation) -> Iterator[duckdb.DuckDBPyConnection]:
    """One read-only connection for the refused statements (refused ones change nothing)."""
    con = lake.connect(built, read_only=True)
    yield con
    con.close()


@pytest.mark.unit
@pytest.mark.parametrize("statement", HOSTILE)
def test_a_query_connection_refuses_writes_attach_load_and_settings(
    built: lake.LakeLocation, query_con: duckdb.DuckDBPyConnection, tmp_path: Path, statement: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = Path(built.data_path).parent
    before = files_under(root)
    catalog = built.catalog.removeprefix("sqlite:")
    text = statement.format(outside=outside, data=built.data_path, catalog=catalog)
    with pytest.raises(lake.QueryRefused):
        lake.run_query(query_con, text)
    assert lake.run_query(query_con, "select count(*) from articles").fetchall() == [(2,)]
    assert list(outside.iterdir()) == []
    assert files_under(root) == before


@pytest.mark.unit
def test_the_lock_down_holds_without_the_statement_check(
    built: lake.LakeLocation, tmp_path: Path
) -> None:
    """DuckDB's own settings stop what they can even for SQL run straight on the connection."""
    outside = tmp_path / "outside"
    outside.mkdir()
    catalog = built.catalog.removeprefix("sqlite:")
    con = lake.connect(built, read_only=True)
    try:
        settings = con.execute(
            "select current_setting('enable_external_access'), "
            "current_setting('lock_configuration')"
        ).fetchone()
        assert settings == (False, True)
        for statement in (
            f"copy (select * from articles) to '{outside}/stolen.csv'",
            "select * from read_csv('/etc/passwd')",
            f"attach '{outside}/new.duckdb' as other",
            "install httpfs",
            "load httpfs",
            "set enable_external_access = true",
            "set allowed_directories = ['/']",
            "delete from articles",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(statement)
        # the sqlite extension opens files past enable_external_access, but every database this
        # connection attaches is read-only, so the catalog cannot be written behind the lake
        con.execute(f"attach 'sqlite:{catalog}' as again")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from again.ducklake_data_file")
        # the reported attack: detach the lake, attach its catalog again read-write, delete
        con.execute(f"use {QUERY_DATABASE}")
        con.execute("detach lake")
        con.execute(f"attach 'ducklake:{built.catalog}' as lake (data_path '{built.data_path}')")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from lake.articles")
        assert con.execute("select count(*) from lake.articles").fetchone() == (2,)
    finally:
        con.close()
    assert list(outside.iterdir()) == []


@pytest.mark.unit
def test_normal_queries_still_work_and_see_new_commits(tmp_path: Path) -> None:
    built = build_lake(tmp_path / "lake")
    con = lake.connect(built, read_only=True)
    try:
        titles = lake.run_query(con, "select title from articles order by title").fetchall()
        assert titles == [("Cranes return to the quay",), ("Ferry lanes reopen",)]
        for statement in (
            "describe articles",
            "show tables",
            "summarize articles",
            "from articles limit 1",
            "select count(*) from ducklake_snapshots('lake')",
            "select count(*) from duckdb_tables()",
            "with t as (select word_count from articles) select max(word_count) from t",
            "select * from range(3)",
        ):
            assert lake.run_query(con, statement).fetchall(), statement
        writer = lake.connect(built)
        try:
            commit_stories(writer, ["Pilots end their strike"])
        finally:
            writer.close()
        assert lake.run_query(con, "select count(*) from articles").fetchall() == [(3,)]
    finally:
        con.close()


@pytest.mark.integration
def test_newslake_sql_prints_a_clear_error_and_writes_nothing(
    built: lake.LakeLocation, tmp_path: Path
) -> None:
    target = tmp_path / "stolen.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "sql",
            f"copy (select * from articles) to '{target}'",
            "--lake",
            str(Path(built.data_path).parent),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "query failed" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not target.exists()
