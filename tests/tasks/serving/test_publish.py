from __future__ import annotations

import json
import math
import subprocess
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest
from psycopg.conninfo import make_conninfo

from tasks import lake
from tasks.lake.views import load_views, register_views
from tasks.schema import (
    AMOUNTS,
    ARTICLE_FINGERPRINTS,
    ARTICLES,
    DATE_MENTIONS,
    MENTIONS,
    PLACES,
    QUOTES,
    RAW_DOCUMENTS,
)
from tasks.serving.publish import PublishError, publish
from tests.pg import find_bindir, postgres_cluster_fixture, postgres_url  # noqa: F401

pytestmark = pytest.mark.integration

READER = "newslake_reader"
DAY = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)


def batch(ids: list[int]) -> dict[str, pa.Table]:
    """Return lake batch tables for articles numbered `ids` (one per day, two sources)."""
    articles, raws, prints, mentions, places, quotes, dates, amounts = ([] for _ in range(8))
    for i in ids:
        aid, published = f"a{i}", DAY + timedelta(days=i // 2, hours=i)
        raws.append(
            {
                "raw_id": f"raw-{i}",
                "source": "isot" if i % 2 else "bbc",
                "source_kind": "csv",
                "locator": f"row {i}",
                "media_type": "text/csv",
                "payload": b"\x00\xffpayload",
                "payload_bytes": 9,
                "fetched_at": published,
                "article_id": aid,
                "is_duplicate": False,
                "run_id": "r1",
            }
        )
        articles.append(
            {
                "article_id": aid,
                "raw_id": f"raw-{i}",
                "source": "isot" if i % 2 else "bbc",
                "source_kind": "csv",
                "title": f"Title {i}",
                "body": f"WASHINGTON (Reuters) - Story {i} about Putin.",
                "dateline_raw": "WASHINGTON (Reuters)",
                "dateline_places": [{"name": "Washington", "region": None}],
                "agency": "Reuters" if i % 3 else None,
                "published_at": published,
                "published_at_precision": "day",
                "language": "en",
                "word_count": 100 + i,
                "content_hash": f"h{i}",
                "duplicate_of": "a0" if i == 3 else None,
                "tone": 0.25 * i - 1,
                "focus_country": "US",
                "ingested_at": published,
                "run_id": "r1",
            }
        )
        prints.append({"article_id": aid, "minhash": bytes([i % 256]) * 8})
        mentions.append(
            {
                "mention_id": f"m{i}",
                "article_id": aid,
                "start_char": 30,
                "end_char": 35,
                "text": "Putin",
                "label": "PERSON",
                "spacy_label": "PERSON",
                "sentence_index": 0,
                "canonical_name": "Vladimir Putin",
                "entity_id": "e-putin",
            }
        )
        places.append(
            {
                "place_id": f"p{i}",
                "article_id": aid,
                "text": "WASHINGTON",
                "start_char": 0,
                "end_char": 10,
                "origin": "dateline",
                "name": "Washington",
                "country_code": "US",
                "latitude": 38.89511,
                "longitude": -77.03637,
                "precision": "city",
            }
        )
        quotes.append(
            {
                "quote_id": f"q{i}",
                "article_id": aid,
                "quote_text": "we moved",
                "start_char": 40,
                "end_char": 48,
                "speaker_text": "Putin",
                "speaker_entity_id": "e-putin",
                "cue": "said",
                "attribution_method": "cue",
                "sentence_index": 1,
            }
        )
        dates.append(
            {
                "date_mention_id": f"d{i}",
                "article_id": aid,
                "text": "on Tuesday",
                "resolved_date": published.date() - timedelta(days=1),
                "precision": "day",
                "is_relative": True,
                "sentence_index": 0,
            }
        )
        amounts.append(
            {
                "amount_id": f"n{i}",
                "article_id": aid,
                "text": f"${i} billion",
                "kind": "money",
                "value": i * 1e9 + 0.1,
                "unit": "billion",
                "currency": "USD",
                "sentence_index": 0,
            }
        )
    return {
        "raw_documents": pa.Table.from_pylist(raws, schema=RAW_DOCUMENTS),
        "articles": pa.Table.from_pylist(articles, schema=ARTICLES),
        "article_fingerprints": pa.Table.from_pylist(prints, schema=ARTICLE_FINGERPRINTS),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
        "places": pa.Table.from_pylist(places, schema=PLACES),
        "quotes": pa.Table.from_pylist(quotes, schema=QUOTES),
        "date_mentions": pa.Table.from_pylist(dates, schema=DATE_MENTIONS),
        "amounts": pa.Table.from_pylist(amounts, schema=AMOUNTS),
    }


@pytest.fixture
def con(tmp_path: Path):
    """A small lake: six articles with their extracted rows, a run, and the views."""
    connection = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    lake.commit_batch(connection, batch(list(range(6))))
    lake.record_run(connection, "r1", DAY, ["isot", "bbc"], "ok", {"records_read": 6}, {"x": 1.0})
    register_views(connection, load_views())
    yield connection
    connection.close()


def fresh_schema() -> str:
    return f"bi_{uuid.uuid4().hex[:8]}"


def reader_conninfo(url: str) -> str:
    return make_conninfo(url, user=READER)


def marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select view_name from duckdb_views() where database_name = 'lake' "
        "and view_name like 'mart\\_%' escape '\\' order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def norm(value: Any) -> Any:
    """Return a value comparable across DuckDB and PostgreSQL results."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return round(number, 6) if math.isfinite(number) else str(number)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value
    if isinstance(value, (bytes, memoryview, bytearray)):
        return bytes(value)
    if isinstance(value, (list, tuple)):
        return tuple(norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, norm(v)) for k, v in value.items()))
    if isinstance(value, (date, str, timedelta)):
        return value
    return str(value)


def duckdb_rows(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[Any, ...]]:
    rel = con.sql(f"select * from {name}")
    json_columns = [str(t) == "JSON" for t in rel.types]
    rows = []
    for row in rel.fetchall():
        values = [
            json.loads(v) if is_json and v is not None else v
            for v, is_json in zip(row, json_columns, strict=True)
        ]
        rows.append(tuple(norm(v) for v in values))
    return sorted(rows, key=repr)


def pg_rows(pg: psycopg.Connection[Any], schema: str, name: str) -> list[tuple[Any, ...]]:
    rows = pg.execute(f'select * from "{schema}"."{name}"').fetchall()
    return sorted((tuple(norm(v) for v in row) for row in rows), key=repr)


@pytest.mark.perf  # and it takes under 10 s
def test_every_mart_lands_in_postgres_row_for_row(con, postgres_url: str) -> None:  # noqa: F811
    schema = fresh_schema()
    names = marts(con)
    assert "mart_articles_per_day" in names
    started = time.perf_counter()
    counts = publish(con, postgres_url, schema=schema)
    elapsed = time.perf_counter() - started
    assert sorted(counts) == names
    assert elapsed < 10
    with psycopg.connect(postgres_url) as pg:
        tables = pg.execute(
            "select table_name from information_schema.tables where table_schema = %s", [schema]
        ).fetchall()
        assert sorted(t[0] for t in tables) == names
        for name in names:
            expected = duckdb_rows(con, name)
            assert counts[name] == len(expected)
            assert pg_rows(pg, schema, name) == expected, name
        assert counts["mart_articles_per_day"] > 0
        # sum() over integers is a DuckDB hugeint: written as exact numeric, not double
        column_type = pg.execute(
            "select data_type from information_schema.columns "
            "where table_schema = %s and table_name = 'mart_articles_per_day' "
            "and column_name = 'words'",
            [schema],
        ).fetchone()
        assert column_type == ("numeric",)


def test_base_tables_are_copied_with_postgres_types(con, postgres_url: str) -> None:  # noqa: F811
    schema = fresh_schema()
    counts = publish(con, postgres_url, schema=schema, with_base_tables=True)
    assert counts["articles"] == 6 and counts["mentions"] == 6 and counts["entities"] == 1
    assert set(marts(con)) <= set(counts)
    with psycopg.connect(postgres_url) as pg:
        for name in ("articles", "raw_documents", "entities", "date_mentions", "amounts", "runs"):
            assert pg_rows(pg, schema, name) == duckdb_rows(con, name), name
        types = dict(
            pg.execute(
                "select table_name || '.' || column_name, udt_name from information_schema.columns "
                "where table_schema = %s",
                [schema],
            ).fetchall()
        )
    assert types["articles.dateline_places"] == "json"
    assert types["articles.published_at"] == "timestamptz"
    assert types["raw_documents.payload"] == "bytea"
    assert types["entities.aliases"] == "_varchar"
    assert types["date_mentions.resolved_date"] == "date"


def test_reader_role_can_select_but_not_write(con, postgres_url: str) -> None:  # noqa: F811
    schema = fresh_schema()
    publish(con, postgres_url, schema=schema, reader_password="s3cret")
    table = f'"{schema}".mart_articles_per_day'
    with psycopg.connect(reader_conninfo(postgres_url), autocommit=True) as pg:
        assert pg.execute(f"select count(*) from {table}").fetchone()[0] > 0  # type: ignore[index]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            pg.execute(f"insert into {table} (source) values ('x')")
        # even after switching the session to read-write, privileges forbid writes
        pg.execute("set default_transaction_read_only = off")
        for statement, error in [
            (f"insert into {table} (source) values ('x')", psycopg.errors.InsufficientPrivilege),
            (f"update {table} set source = 'x'", psycopg.errors.InsufficientPrivilege),
            (f'create table "{schema}".t (x int)', psycopg.errors.InsufficientPrivilege),
            (f"drop table {table}", psycopg.errors.InsufficientPrivilege),
            ("create schema evil", psycopg.errors.InsufficientPrivilege),
        ]:
            with pytest.raises(error):
                pg.execute(statement)
    with psycopg.connect(postgres_url) as pg:
        role = pg.execute(
            "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolconfig "
            "from pg_roles where rolname = %s",
            [READER],
        ).fetchone()
    assert role == (True, False, False, False, ["default_transaction_read_only=on"])


def test_psql_reads_a_mart_as_the_reader(con, postgres_url: str) -> None:  # noqa: F811
    schema = fresh_schema()
    counts = publish(con, postgres_url, schema=schema)
    bindir = find_bindir()
    psql = next(
        (str(p) for p in (Path("/usr/bin/psql"), (bindir or Path()) / "psql") if p.exists()), None
    )
    if psql is None:
        pytest.skip("psql not installed")
    result = subprocess.run(
        [
            psql,
            reader_conninfo(postgres_url),
            "-X",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            f'select count(*) from "{schema}".mart_articles_per_day',
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(counts["mart_articles_per_day"])


def test_readers_see_the_old_or_the_new_set_never_a_mix(con, postgres_url: str) -> None:  # noqa: F811
    schema = fresh_schema()
    mart = "mart_articles_per_day"
    first = publish(con, postgres_url, schema=schema, with_base_tables=True)
    expected_tables = sorted(first)
    seen: list[tuple[int, int, list[str]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            with psycopg.connect(reader_conninfo(postgres_url), autocommit=True) as pg:
                while not stop.is_set():
                    (count,) = pg.execute(f'select count(*) from "{schema}".{mart}').fetchone()  # type: ignore[misc]
                    (articles,) = pg.execute(f'select count(*) from "{schema}".articles').fetchone()  # type: ignore[misc]
                    tables = pg.execute(
                        "select table_name from information_schema.tables "
                        "where table_schema = %s order by 1",
                        [schema],
                    ).fetchall()
                    seen.append((count, articles, [t[0] for t in tables]))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        time.sleep(0.1)
        lake.commit_batch(con, batch([6, 7, 8, 9]))
        second = publish(con, postgres_url, schema=schema, with_base_tables=True)
        lake.commit_batch(con, batch(list(range(10, 16))))
        third = publish(con, postgres_url, schema=schema, with_base_tables=True)
        time.sleep(0.1)
    finally:
        stop.set()
        reader.join(10)
    assert not errors, errors
    assert len(seen) > 10
    assert all(tables == expected_tables for _, _, tables in seen)
    # each statement sees one published set; a table's counts never go back to an older set
    for column, name in enumerate((mart, "articles")):
        versions = [c[name] for c in (first, second, third)]
        assert len(set(versions)) == 3, name
        observed = [versions.index(sample[column]) for sample in seen]
        assert observed == sorted(observed), name
    with psycopg.connect(postgres_url) as pg:
        leftovers = pg.execute(
            "select nspname from pg_namespace where nspname like %s", [f"{schema}\\_\\_%"]
        ).fetchall()
    assert leftovers == []


@pytest.mark.perf
def test_a_reader_holding_the_old_set_does_not_block_publish(con, postgres_url: str) -> None:  # noqa: F811
    schema = fresh_schema()
    publish(con, postgres_url, schema=schema)
    with psycopg.connect(reader_conninfo(postgres_url)) as reader:
        before = reader.execute(f'select count(*) from "{schema}".mart_articles_per_day')
        old_count = before.fetchone()
        lake.commit_batch(con, batch([20, 22]))
        started = time.perf_counter()
        counts = publish(con, postgres_url, schema=schema, lock_timeout_s=0.3)
        assert time.perf_counter() - started < 5
        # name lookups are not bound to the transaction's snapshot: the next statement reads
        # the new set, while the old set waits (moved aside) until this transaction ends
        again = reader.execute(f'select count(*) from "{schema}".mart_articles_per_day')
        assert again.fetchone() == (counts["mart_articles_per_day"],) != old_count
        with psycopg.connect(postgres_url) as pg:
            moved = pg.execute(
                "select count(*) from pg_namespace where nspname like %s", [f"{schema}\\_\\_old%"]
            ).fetchone()
        assert moved == (1,)
        reader.rollback()
    publish(con, postgres_url, schema=schema)
    with psycopg.connect(postgres_url) as pg:
        leftovers = pg.execute(
            "select nspname from pg_namespace where nspname like %s", [f"{schema}\\_\\_%"]
        ).fetchall()
    assert leftovers == []


def test_unreachable_server_and_bad_url_give_clear_errors(con) -> None:
    with pytest.raises(PublishError, match=r"127\.0\.0\.1:1/nowhere") as caught:
        publish(con, "postgresql://bi:hunter2@127.0.0.1:1/nowhere")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(PublishError, match="invalid PostgreSQL connection string") as caught:
        publish(con, "host=127.0.0.1 password=hunter2 = broken")
    assert "hunter2" not in str(caught.value)


def test_refuses_to_replace_a_schema_it_did_not_create(con, postgres_url: str) -> None:  # noqa: F811
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute("create schema handmade")
        pg.execute("create table handmade.keep (x int)")
    with pytest.raises(PublishError, match="did not create"):
        publish(con, postgres_url, schema="handmade")
    with psycopg.connect(postgres_url) as pg:
        names = pg.execute(
            "select nspname from pg_namespace where nspname like 'handmade%'"
        ).fetchall()
    assert names == [("handmade",)]


def test_refuses_a_schema_holding_only_functions_and_keeps_unmarked_old_ones(
    con,
    postgres_url: str,  # noqa: F811
) -> None:
    """No table is not the same as empty; and only a schema a publish marked is ever dropped."""
    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute("create schema fnonly")
        pg.execute("create function fnonly.keep() returns int language sql as 'select 1'")
        pg.execute("create schema marts")
        pg.execute("create schema marts__old_handmade")
        pg.execute("create table marts__old_handmade.keep (x int)")
    with pytest.raises(PublishError, match="did not create"):
        publish(con, postgres_url, schema="fnonly")
    publish(con, postgres_url, schema="marts")  # an empty schema is replaced
    publish(con, postgres_url, schema="marts")
    with psycopg.connect(postgres_url) as pg:
        kept = pg.execute("select fnonly.keep()").fetchone()
        names = pg.execute(
            "select nspname from pg_namespace where nspname like 'marts%' order by 1"
        ).fetchall()
    assert kept == (1,)
    assert names == [("marts",), ("marts__old_handmade",)]


def test_publishes_from_a_read_only_lake_connection(
    tmp_path: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    """`newslake publish` reads through a locked-down connection; PostgreSQL is written by
    another one."""
    location = lake.LakeLocation.local(tmp_path / "lake")
    writer = lake.connect(location)
    lake.commit_batch(writer, batch(list(range(4))))
    register_views(writer, load_views())
    writer.close()
    reader = lake.connect(location, read_only=True)
    try:
        schema = fresh_schema()
        counts = publish(reader, postgres_url, schema=schema, with_base_tables=True)
        with psycopg.connect(postgres_url) as pg:
            for name in ("articles", "mart_articles_per_day"):
                assert pg_rows(pg, schema, name) == duckdb_rows(reader, name), name
    finally:
        reader.close()
    assert counts["articles"] == 4
