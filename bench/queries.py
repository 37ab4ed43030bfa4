"""Warm query times of the marts on a synthetic lake, against a 100 ms target.

Builds a temporary DuckLake of --articles synthetic articles (default 100,000) inside DuckDB with
`insert ... select` from range(): ~35 mentions, ~13 places and ~2 quotes per article, 5,000
entities drawn log-uniformly (Zipf-like: entity k is about 1/k as frequent as the first), 365 days,
20 sources, 2% near-duplicates, 1% duplicate raw documents; article ids are 32 hex digits of a
hash, as a real lake's are (`tasks/ids.py`). Then prints, per mart, the median of 5 warm runs of a
full scan (`select count(*) from (select * from mart)`) and of a typical analyst query, with their
ratio to the target. Also prints what keeping the summary tables costs the
writer: the rebuild of them all, and a --batch-article commit published on the latest day or
spread over the whole year (a backfill, whose days are left to the end of the run).
With --search it benchmarks the search instead (docs/search.md): the articles get a synthetic
title and body (120-320 words drawn log-uniformly from 50,000), the index `article_terms` is
built as a writer's backfill would, the index rows of a --batch-article commit are timed, and
typical queries (words, phrases, prefixes, NOT, field filters) are timed warm, both
as the matching ids and as the whole `search()` (attention, top lists, samples).
Usage: python bench/queries.py [--articles N] [--runs N] [--batch N]
       [--search [--lake DIR] [--build-batch N]]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import duckdb  # noqa: E402

from tasks import lake  # noqa: E402
from tasks.lake import summaries  # noqa: E402
from tasks.lake.compaction import compact_fragmented  # noqa: E402
from tasks.lake.search_index import backfill_search_index, index_articles  # noqa: E402
from tasks.lake.writes import first_in_article  # noqa: E402
from tasks.schema import BATCH_TABLES, FIRST_COLUMN, FIRST_OF  # noqa: E402
from tasks.serving.search import DAY_TOTALS, Filters, matching_ids_sql, search  # noqa: E402

TARGET_MS = 100.0
ENTITIES = 5_000
COUNTRIES = 60
# one label per entity, by entity number modulo 10
LABEL = (
    "['PERSON', 'PERSON', 'PERSON', 'PERSON', 'ORG', 'ORG', 'GPE', 'GPE', 'LOC', 'NORP']"
    "[(entity % 10) + 1]"
)
ZIPF_ENTITY = f"cast(floor(pow({ENTITIES}, random())) as integer) - 1"
ZIPF_COUNTRY = f"cast(floor(pow({COUNTRIES}, random())) as integer) - 1"

FILL = {
    "articles": """
        select
            md5('a' || i) as article_id,
            'r' || i as raw_id,
            'source-' || (i % 20) as source,
            'synthetic' as source_kind,
            'Article ' || i as title,
            timestamptz '2025-01-01 00:00:00+00' + to_days(cast(i % 365 as integer))
                + to_minutes(cast(i * 7 % 1440 as integer)) as published_at,
            cast(300 + i % 900 as integer) as word_count,
            'h' || i as content_hash,
            case when i % 50 = 49 then md5('a' || (i - 1)) end as duplicate_of,
            random() * 2 - 1 as tone,
            'C' || ({zipf_country}) as focus_country,
            timestamptz '2026-01-01 00:00:00+00' + to_minutes(cast(i // 100 as integer))
                as ingested_at,
            'bench' as run_id
        from range({start}, {n}) as t (i)
    """,
    "raw_documents": """
        select
            'r' || i as raw_id,
            'source-' || (i % 20) as source,
            md5('a' || i) as article_id,
            false as is_duplicate
        from range({start}, {n}) as t (i)
        union all
        select 'd' || i, 'source-' || (i % 20), md5('a' || i), true
        from range({start}, {n}, 100) as t (i)
    """,
    "rejected": """
        select 'x' || i as rejected_id, 'source-' || (i % 20) as source, 'empty' as reason
        from range({start} // 200, {n} // 200) as t (i)
    """,
    "mentions": """
        select
            'm' || i as mention_id,
            md5('a' || (i // 35)) as article_id,
            {label} as label,
            {label} || ':' || entity as entity_id,
            'Entity ' || entity as canonical_name,
            'Entity ' || entity as text,
            cast(i % 35 * 20 as integer) as start_char
        from (select i, {zipf_entity} as entity from range({start} * 35, {n} * 35) as t (i))
    """,
    "places": """
        select
            'p' || i as place_id,
            md5('a' || (i // 13)) as article_id,
            'C' || country as country_code,
            case when i % 10 < 6 then 'city' when i % 10 < 7 then 'admin' else 'country' end
                as precision,
            'Place ' || country || '-' || (i % 7) as name,
            'Place ' || country || '-' || (i % 7) as text,
            case when i % 10 < 6 then (country * 37 % 140) - 70 + (i % 7) * 0.1 end as latitude,
            case when i % 10 < 6 then (country * 71 % 340) - 170 + (i % 7) * 0.1 end as longitude,
            cast(i % 13 * 30 as integer) as start_char
        from (select i, {zipf_country} as country from range({start} * 13, {n} * 13) as t (i))
    """,
    "quotes": """
        select
            'q' || i as quote_id,
            md5('a' || (i // 2)) as article_id,
            repeat('word ', cast(5 + i % 40 as integer)) as quote_text,
            case when i % 10 < 7 then 'PERSON:' || (entity - entity % 10) end
                as speaker_entity_id
        from (select i, {zipf_entity} as entity from range({start} * 2, {n} * 2) as t (i))
    """,
}


SEARCH_TARGET_MS = {100_000: 300.0, 1_000_000: 2000.0}
VOCABULARY = 50_000
WORD = f"'w' || cast(floor(pow({VOCABULARY}, random())) as integer)"
# a title of 6-13 words and a body of 120-319 words, each drawn log-uniformly (Zipf-like)
TEXT_COLUMNS = f"""
            array_to_string(list_transform(range(6 + i % 8), x -> {WORD}), ' ') as title,
            array_to_string(list_transform(range(120 + i % 200), x -> {WORD}), ' ') as body,
"""
SEARCH_QUERIES = [
    "w50",
    "w2000",
    '"w3 w5"',
    "w120*",
    "w40 AND w99 -w7",
    "(w100 OR w200) w3",
    'w30 entity:"Entity 10"',
]


def fill(con: duckdb.DuckDBPyConnection, start: int, n: int, text: bool = False) -> None:
    """Insert synthetic articles start..n-1 and their extracted rows, in the open transaction;
    with `text`, the articles get a synthetic title and body."""
    for table, select in FILL.items():
        if text and table == "articles":
            select = select.replace("'Article ' || i as title,", TEXT_COLUMNS)
        sql = select.format(
            start=start, n=n, label=LABEL, zipf_entity=ZIPF_ENTITY, zipf_country=ZIPF_COUNTRY
        )
        if table in FIRST_OF:  # the writer's flag, as insert_tables sets it
            flag = first_in_article(table, BATCH_TABLES[table][1])
            sql = f"select *, {flag} as {FIRST_COLUMN} from ({sql})"
        con.execute(f"insert into {table} by name {sql}")


def build_lake(con: duckdb.DuckDBPyConnection, n: int) -> float:
    """Fill an empty lake with n synthetic articles in one commit; return the summaries' share."""
    con.execute("select setseed(0.42)")
    con.execute("begin")
    fill(con, 0, n)
    lake.refresh_entities(con, None)
    start = time.perf_counter()
    summaries.rebuild_summaries(con)
    rebuild_s = time.perf_counter() - start
    con.execute("commit")
    return rebuild_s


def time_commit(
    con: duckdb.DuckDBPyConnection, start: int, size: int, days: int
) -> tuple[float, float]:
    """Commit `size` more articles published over the lake's last `days` days, as commit_batch
    does; return the seconds spent on the summaries in the commit and at the end of the run."""
    con.execute("begin")
    fill(con, start, start + size)
    con.execute(
        "update articles set published_at = timestamptz '2025-12-31 00:00:00+00' "
        f"- to_days(cast(hash(article_id) % {days} as integer)) "
        f"where cast(substr(raw_id, 2) as integer) >= {start}"
    )
    ids = con.execute(
        f"select article_id from articles where cast(substr(raw_id, 2) as integer) >= {start}"
    ).to_arrow_table()
    began = time.perf_counter()
    summaries.refresh_summaries(con, ids, defer_over=summaries.REFRESH_NOW_ARTICLES)
    in_commit = time.perf_counter() - began
    con.execute("commit")
    began = time.perf_counter()
    lake.refresh_pending_summaries(con)
    return in_commit, time.perf_counter() - began


def typical_queries(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return one analyst-style query per mart, about the busiest person and latest month."""
    person = con.execute(
        "select entity_id from entities where label = 'PERSON' order by article_count desc limit 1"
    ).fetchone()[0]
    latest = con.execute("select max(published_at)::date from articles").fetchone()[0]
    since = f"date '{latest}' - 30"
    return {
        "mart_articles_per_day": (
            f"select * from mart_articles_per_day where published_date > {since}"
        ),
        "mart_entity_mentions_daily": (
            f"select * from mart_entity_mentions_daily where entity_id = '{person}'"
        ),
        "mart_top_entities": (
            "select * from mart_top_entities where window_days = 7 and rank <= 10 order by label"
        ),
        "mart_co_mentions": (
            f"select * from mart_co_mentions where entity_a_id = '{person}' "
            f"or entity_b_id = '{person}' order by weight desc limit 20"
        ),
        "mart_entity_timeline": f"select * from mart_entity_timeline where entity_id = '{person}'",
        "mart_quotes_by_speaker": (
            "select * from mart_quotes_by_speaker order by quotes desc limit 20"
        ),
        "mart_countries_daily": (
            f"select * from mart_countries_daily where published_date > {since}"
        ),
        "mart_source_volume": "select * from mart_source_volume",
        "mart_duplicate_clusters": (
            "select * from mart_duplicate_clusters order by articles desc limit 20"
        ),
    }


def median_ms(con: duckdb.DuckDBPyConnection, sql: str, runs: int) -> float:
    """Return the median wall time of `runs` executions after one warm-up, in milliseconds."""
    con.execute(sql).fetchall()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        con.execute(sql).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build_search_lake(con: duckdb.DuckDBPyConnection, n: int, batch: int | None = None) -> float:
    """Fill an empty lake with n synthetic articles with text in one commit, then index them as
    a writer's backfill does; with `batch`, commit them `batch` at a time with their index rows,
    as ingestion does (one small file per table and commit), then compact the fragmented tables
    as the writer does at the end of a run. Return the seconds the index took."""
    con.execute("select setseed(0.42)")
    if batch:
        index_s = sum(
            time_index_commit(con, start, min(batch, n - start))[1] for start in range(0, n, batch)
        )
        con.execute("begin")
        lake.refresh_entities(con, None)
        con.execute("commit")
        began = time.perf_counter()
        # every table merged, as a lake fed run by run keeps them (a writer merges at the end of
        # a run once a table has COMPACT_OVER_FILES files): the fact tables sorted by article id
        merged = compact_fragmented(con, over_files=1)
        print(f"compacted {merged} in {time.perf_counter() - began:.1f} s")
        return index_s
    con.execute("begin")
    fill(con, 0, n, text=True)
    lake.refresh_entities(con, None)
    summaries.rebuild_summaries(con, [day_totals_summary()])
    con.execute("commit")
    start = time.perf_counter()
    backfill_search_index(con)
    return time.perf_counter() - start


def day_totals_summary() -> summaries.Summary:
    """Return the summary of articles per day that the search's shares divide by."""
    return next(s for s in summaries.load_summaries() if s.name == DAY_TOTALS)


def time_index_commit(
    con: duckdb.DuckDBPyConnection, start: int, size: int
) -> tuple[float, float, float]:
    """Commit `size` more articles (with text) as commit_batch does; return the seconds of the
    commit, of its index rows and of its day totals (inside the same transaction)."""
    con.execute("begin")
    fill(con, start, start + size, text=True)
    batch = con.execute(
        "select article_id, title, body from articles "
        "where cast(substr(raw_id, 2) as integer) >= ?",
        [start],
    ).to_arrow_table()
    began = time.perf_counter()
    index_articles(con, batch, batch.select(["article_id"]))
    index_s = time.perf_counter() - began
    summaries.refresh_summaries(con, batch.select(["article_id"]), [], [day_totals_summary()])
    totals_s = time.perf_counter() - began - index_s
    con.execute("commit")
    return time.perf_counter() - began, index_s, totals_s


def median_search_ms(
    con: duckdb.DuckDBPyConnection, query: str, runs: int
) -> tuple[float, float, int]:
    """Return the warm median ms of the matching ids and of the whole search, and the matches."""
    ids, parameters = matching_ids_sql(query, Filters())
    count_sql = f"select count(*) from ({ids})"
    matches = con.execute(count_sql, parameters).fetchone()[0]
    times: dict[str, list[float]] = {"ids": [], "search": []}
    search(con, query)
    for _ in range(runs):
        began = time.perf_counter()
        con.execute(count_sql, parameters).fetchall()
        times["ids"].append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        search(con, query)
        times["search"].append((time.perf_counter() - began) * 1000)
    return statistics.median(times["ids"]), statistics.median(times["search"]), matches


def build_search_bench_lake(location: lake.LakeLocation, args: argparse.Namespace) -> None:
    """Build the search bench's lake at `location` and print what the build and a commit cost."""
    con = lake.connect(location)
    # the merge of a 1M-article backfill's index sorts 171.7M rows: bounded, DuckDB spills to
    # disk instead of taking 80% of the machine (21 GB peak RSS here without it)
    con.execute("set memory_limit = '10GB'")
    start = time.perf_counter()
    index_s = build_search_lake(con, args.articles, args.build_batch)
    (rows,) = con.execute("select count(*) from article_terms").fetchone()
    print(
        f"built {args.articles:,} articles in {time.perf_counter() - start:.1f} s; "
        f"index: {rows:,} rows in {index_s:.1f} s"
    )
    commit_s, index_s, totals_s = time_index_commit(con, args.articles + 10_000, args.batch)
    print(
        f"a {args.batch}-article commit: its index rows {index_s:.2f} s, its day totals "
        f"{totals_s:.2f} s, both with the commit {commit_s:.2f} s"
    )
    con.close()


def time_search_queries(location: lake.LakeLocation, articles: int, runs: int) -> None:
    """Print the warm medians of the typical queries on the lake at `location`."""
    reader = lake.connect(location, read_only=True)
    target = SEARCH_TARGET_MS.get(articles, 300.0)
    print(f"\n{'query':<26} {'matches':>9} {'ids ms':>8} {'search ms':>10} {'x target':>9}")
    for query in SEARCH_QUERIES:
        ids_ms, search_ms, matches = median_search_ms(reader, query, runs)
        print(
            f"{query:<26} {matches:>9,} {ids_ms:>8.1f} {search_ms:>10.1f} "
            f"{search_ms / target:>9.2f}",
            flush=True,
        )
    reader.close()


def search_bench(args: argparse.Namespace) -> None:
    """Print the search index's build and per-commit cost and warm query times; with --lake,
    build the lake in that folder once and only time the queries when it is already there."""
    if args.lake is not None:
        location = lake.LakeLocation.local(args.lake)
        if not (args.lake / "catalog.sqlite").exists():
            build_search_bench_lake(location, args)
        time_search_queries(location, args.articles, args.runs)
        return
    with tempfile.TemporaryDirectory() as root:
        location = lake.LakeLocation.local(root)
        build_search_bench_lake(location, args)
        time_search_queries(location, args.articles, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500, help="articles in the timed commits")
    parser.add_argument("--skip-full", nargs="*", default=[], help="marts not to scan whole")
    parser.add_argument("--search", action="store_true", help="benchmark the search instead")
    parser.add_argument(
        "--build-batch", type=int, help="with --search: build the lake this many articles a commit"
    )
    parser.add_argument(
        "--lake", type=Path, help="with --search: keep the lake here and reuse it on later runs"
    )
    args = parser.parse_args()
    if args.search:
        search_bench(args)
        return
    with tempfile.TemporaryDirectory() as root:
        con = lake.connect(lake.LakeLocation.local(root))
        start = time.perf_counter()
        rebuild_s = build_lake(con, args.articles)
        counts = lake.table_counts(con)
        print(
            f"built in {time.perf_counter() - start:.1f} s: "
            + ", ".join(
                f"{name} {counts[name]:,}"
                for name in ("articles", "mentions", "entities", "places", "quotes")
            )
            + f"; summaries rebuilt in {rebuild_s:.1f} s"
        )
        for label, days in (("the latest day", 1), ("a whole year (backfill)", 365)):
            in_commit, at_end = time_commit(con, args.articles + 1000 * days, args.batch, days)
            print(
                f"summary upkeep of a {args.batch}-article commit over {label}: "
                f"{in_commit:.2f} s in the commit, {at_end:.2f} s at the end of the run"
            )
        queries = typical_queries(con)
        print(f"\n{'mart':<28} {'full ms':>9} {'x target':>9} {'typical ms':>11} {'x target':>9}")
        for mart, typical in queries.items():
            typ = median_ms(con, typical, args.runs)
            if mart in args.skip_full:
                print(f"{mart:<28} {'skipped':>9} {'':>9} {typ:>11.1f} {typ / TARGET_MS:>9.2f}")
                continue
            full = median_ms(con, f"select count(*) from (select * from {mart})", args.runs)
            print(
                f"{mart:<28} {full:>9.1f} {full / TARGET_MS:>9.2f} "
                f"{typ:>11.1f} {typ / TARGET_MS:>9.2f}",
                flush=True,
            )
        con.close()


if __name__ == "__main__":
    main()
