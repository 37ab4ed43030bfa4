"""What the search reads instead of its base tables: the first-in-article flags of mentions and
places (articles per name without count(distinct)) and the per-day totals summary. Each must give
the answers of the base tables exactly, and a lake from before them must answer the same. Also
phrases matched by intersecting position lists, with words that repeat."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from tasks import lake
from tasks.serving.search import Filters, matching_articles, search
from tasks.serving.search_query import parse
from tests.tasks.serving.search_stories import brute_force, build_story_lake, stories

pytestmark = pytest.mark.unit

TABLES = stories()
QUERIES = ["putin", "putin OR merkel", "sanctions -lang:de", 'entity:"Angela Merkel"', "nosuchword"]
FILTERS = [
    Filters(),
    Filters(since=date(2024, 3, 6), until=date(2024, 3, 9)),
    Filters(language="DE"),
]


@pytest.fixture(scope="module")
def story_lake(tmp_path_factory: pytest.TempPathFactory) -> lake.LakeLocation:
    return build_story_lake(tmp_path_factory.mktemp("layout") / "lake", TABLES)


def _counted(rows: list[dict], name: str, ids: set[str]) -> dict[str, tuple[int, int]]:
    """Return, per name, (articles, rows) among the rows of these articles: a Python count."""
    articles: dict[str, set[str]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["article_id"] in ids:
            key = row[name] or row["text"]
            articles[key].add(row["article_id"])
            count[key] += 1
    return {key: (len(articles[key]), count[key]) for key in articles}


def test_one_row_per_name_and_article_is_flagged(story_lake: lake.LakeLocation) -> None:
    con = lake.connect(story_lake, read_only=True)
    try:
        for table, name in (
            ("mentions", "coalesce(canonical_name, text)"),
            ("places", "coalesce(name, text)"),
        ):
            flagged = con.execute(
                f"select count(*) filter (where first_in_article), count(*), "
                f"count(distinct (article_id, {name})), count(first_in_article) from {table}"
            ).fetchone()
            first, rows, names, not_null = flagged
            assert first == names and not_null == rows and rows > names  # repeats exist
    finally:
        con.close()


@pytest.mark.parametrize("query", QUERIES)
def test_top_lists_count_what_the_rows_hold(story_lake: lake.LakeLocation, query: str) -> None:
    con = lake.connect(story_lake, read_only=True)
    try:
        result = search(con, query, top=100)
        ids = {row["article_id"] for row in matching_articles(con, query)}
    finally:
        con.close()
    mentions = _counted(TABLES["mentions"].to_pylist(), "canonical_name", ids)
    assert {r["entity"]: (r["articles"], r["mentions"]) for r in result.entities} == mentions
    places = _counted(TABLES["places"].to_pylist(), "name", ids)
    assert {r["place"]: r["articles"] for r in result.places} == {
        key: articles for key, (articles, _) in places.items()
    }


def test_a_lake_from_before_the_flags_and_totals_answers_the_same(tmp_path: Path) -> None:
    location = build_story_lake(tmp_path / "lake", TABLES)
    reader = lake.connect(location, read_only=True)
    expected = {(q, f): search(reader, q, f) for q in QUERIES for f in FILTERS}
    reader.close()
    con = lake.connect(location)
    flags = con.execute(
        "select mention_id, first_in_article from mentions order by mention_id"
    ).fetchall()
    for table in ("mentions", "places"):
        con.execute(f"alter table {table} drop column first_in_article")
    con.execute("drop table sum_article_days")  # as a lake an older version wrote
    con.close()

    reader = lake.connect(location, read_only=True)
    try:
        for (query, filters), result in expected.items():
            assert search(reader, query, filters) == result, (query, filters)
    finally:
        reader.close()

    con = lake.connect(location)  # a writer brings the flags and the summary back
    try:
        assert (
            con.execute(
                "select mention_id, first_in_article from mentions order by mention_id"
            ).fetchall()
            == flags
        )
        for (query, filters), result in expected.items():
            assert search(con, query, filters) == result, (query, filters)
    finally:
        con.close()


REPEATS = [
    "Officers said the the suspect ran; a witness said that that was all she saw.",
    "That that was the plan, the the spokesman did not deny.",
    "The plan was that the suspect ran, and that was all.",
]
REPEATED_PHRASES = [
    '"the the"',
    '"that that was"',
    '"said that that"',
    '"that was"',
    '"the suspect"',
]


def test_phrases_with_a_repeated_word_match_what_a_reading_finds(tmp_path: Path) -> None:
    articles = TABLES["articles"].to_pylist()
    for row, body in zip(articles, REPEATS, strict=False):
        row["body"] = body
    tables = {**TABLES, "articles": pa.Table.from_pylist(articles, TABLES["articles"].schema)}
    con = lake.connect(build_story_lake(tmp_path / "lake", tables), read_only=True)
    try:
        for query in REPEATED_PHRASES:
            found = {row["article_id"] for row in matching_articles(con, query)}
            assert found == brute_force(parse(query), tables), query
            phrase = query.strip('"')
            stored = con.execute("select article_id from search_phrase(?)", [phrase]).fetchall()
            assert {article_id for (article_id,) in stored} == found, query
    finally:
        con.close()
    assert brute_force(parse('"the the"'), tables) == {row["article_id"] for row in articles[:2]}
