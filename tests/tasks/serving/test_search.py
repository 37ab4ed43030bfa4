from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tasks import lake
from tasks.ids import stable_id
from tasks.lake.search_index import tokens
from tasks.serving.search import (
    Filters,
    bucketed,
    highlight,
    matching_articles,
    sample_bound,
    search,
)
from tasks.serving.search_query import (
    And,
    Field,
    Not,
    Or,
    Prefix,
    SearchSyntaxError,
    Words,
    parse,
)
from tests.tasks.serving.search_stories import brute_force, build_story_lake, stories

pytestmark = pytest.mark.unit

TABLES = stories()

# each operator, phrases, prefixes and field filters, alone and combined
QUERIES = [
    "putin",
    "PUTIN",
    "Zürich",
    "café",
    "naïve",
    "putin merkel",
    "putin AND merkel",
    "putin OR merkel",
    "putin NOT sanctions",
    "putin -sanctions",
    "-putin",
    "NOT putin",
    '"gas pipeline"',
    '"pipeline gas"',
    '"vladimir putin said"',
    '"we will not accept"',
    "U.S.",
    "pipe*",
    "schü*",
    "(putin OR macron) AND (sanctions OR election)",
    "putin OR macron sanctions",
    "-(putin OR merkel) summit",
    'entity:"Vladimir Putin"',
    "entity:Peskov",
    "entity:olaf*",
    "country:RU",
    "country:ch -election",
    "place:Zürich",
    "speaker:Peskov",
    "speaker:putin OR speaker:merkel",
    "source:wire",
    "lang:de trade",
    "language:EN",
    'entity:"Angela Merkel" ("climate summit" OR sanctions OR pipe*) -lang:de',
    "nosuchword",
]


@pytest.fixture(scope="module")
def story_lake(tmp_path_factory: pytest.TempPathFactory) -> lake.LakeLocation:
    return build_story_lake(tmp_path_factory.mktemp("search") / "lake", TABLES)


@pytest.fixture(scope="module")
def reader(story_lake: lake.LakeLocation):
    con = lake.connect(story_lake, read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_what_a_brute_force_reading_finds(reader, query: str) -> None:
    expected = brute_force(parse(query), TABLES)
    found = {row["article_id"] for row in matching_articles(reader, query)}
    assert found == expected


def test_the_queries_select_different_nonempty_sets() -> None:
    sets = {q: frozenset(brute_force(parse(q), TABLES)) for q in QUERIES}
    total = TABLES["articles"].num_rows
    empty = {'"pipeline gas"', "nosuchword"}
    assert all(0 < len(s) < total for q, s in sets.items() if q not in empty), sets
    assert not any(sets[q] for q in empty)
    assert len(set(sets.values())) > len(QUERIES) // 2


def test_parse_reads_operators_precedence_and_fields() -> None:
    assert parse("a b OR c") == Or((And((Words(("a",)), Words(("b",)))), Words(("c",))))
    assert parse("a AND (b OR -c)") == And((Words(("a",)), Or((Words(("b",)), Not(Words(("c",)))))))
    assert parse('"Vladimir Putin" pipe*') == And((Words(("vladimir", "putin")), Prefix("pipe")))
    assert parse('entity:"Vladimir Putin"') == Field("entity", "Vladimir Putin")
    assert parse("-country:RU") == Not(Field("country", "RU"))
    assert parse("entity:Pes*") == Field("entity", "Pes", prefix=True)
    assert parse("U.S.") == Words(("u", "s"))
    assert parse("and or") == And((Words(("and",)), Words(("or",))))
    assert parse("http:x") == Words(("http", "x"))


UNREADABLE = [
    "",
    "   ",
    "(putin",
    "putin)",
    '"open',
    "AND putin",
    "putin OR",
    "entity:",
    "*",
    "a*b*",
]


@pytest.mark.parametrize("query", UNREADABLE)
def test_parse_refuses_what_it_cannot_read(query: str) -> None:
    with pytest.raises(SearchSyntaxError):
        parse(query)


def test_values_are_bound_not_pasted(reader) -> None:
    for query in ['entity:"x\' or 1=1 --"', 'speaker:"\'); drop table articles; --"', "o'neil"]:
        assert matching_articles(reader, query) == []
    assert search(reader, "putin").matches > 0


def test_per_day_counts_and_shares_equal_a_group_by(reader) -> None:
    filters = Filters(since=date(2024, 3, 5), source="wire")
    result = search(reader, "putin OR sanctions", filters)
    assert result.bucket == "day"
    expected = reader.execute(
        "with matching as (select article_id from articles where article_id in (select unnest(?))) "
        "select cast(published_at as date) as period, "
        "count(m.article_id) as matches, count(*) as total, "
        "round(count(m.article_id) / count(*), 4) as share "
        "from articles a left join matching m using (article_id) "
        "where source = 'wire' and cast(published_at as date) >= date '2024-03-05' "
        "group by period order by period",
        [[r["article_id"] for r in matching_articles(reader, "putin OR sanctions", filters)]],
    ).fetchall()
    assert [tuple(row.values()) for row in result.attention] == expected
    assert sum(row["matches"] for row in result.attention) == result.matches
    by_day = Counter(
        a["published_at"].date()
        for a in TABLES["articles"].to_pylist()
        if a["source"] == "wire" and a["published_at"].date() >= date(2024, 3, 5)
    )
    assert {row["period"]: row["total"] for row in result.attention} == by_day


def test_long_spans_are_counted_per_week() -> None:
    days = [
        {"period": date(2024, 1, 1) + timedelta(days=d), "matches": d % 3, "total": 4}
        for d in range(0, 200, 2)
    ]
    bucket, weeks = bucketed(days)
    assert bucket == "week" and bucketed(days[:50])[0] == "day"
    assert [w["period"].weekday() for w in weeks] == [0] * len(weeks)
    assert sum(w["matches"] for w in weeks) == sum(d["matches"] for d in days)
    assert weeks[0] == {"period": date(2024, 1, 1), "matches": 3, "total": 16, "share": 0.1875}


def test_search_sections_name_what_the_matches_hold(reader) -> None:
    result = search(reader, "speaker:Peskov")
    assert result.entities[0]["entity"] == "Dmitry Peskov"
    assert result.places[0]["place"] == "Moscow"
    assert result.speakers[0]["speaker"] in {"Peskov", "Dmitry Peskov"}
    assert sum(row["articles"] for row in result.sources) == result.matches
    sample = search(reader, '"gas pipeline"').samples[0]
    marked = [sample["passage"][s:e].lower() for s, e in sample["marks"]]
    assert marked and set(marked) == {"gas pipeline"}
    assert "[gas pipeline]" in highlight(sample["passage"], sample["marks"], "[", "]").lower()


def test_sql_macros_answer_in_every_reader(reader) -> None:
    rows = reader.execute("select article_id from search_phrase('gas pipeline')").fetchall()
    assert {r[0] for r in rows} == brute_force(parse('"gas pipeline"'), TABLES)
    rows = reader.execute("select article_id from search_all('Putin sanctions')").fetchall()
    assert {r[0] for r in rows} == brute_force(parse("putin sanctions"), TABLES)
    rows = reader.execute("select article_id from search_any('Putin Merkel')").fetchall()
    assert {r[0] for r in rows} == brute_force(parse("putin OR merkel"), TABLES)
    rows = reader.execute("select article_id from search_prefix('Pipe')").fetchall()
    assert {r[0] for r in rows} == brute_force(parse("pipe*"), TABLES)
    rows = lake.run_query(reader, "select count(*) from search_word('Zürich')").fetchall()
    assert rows[0][0] == len(brute_force(parse("zürich"), TABLES))


def test_commits_index_new_articles_and_a_writer_backfills_an_old_lake(tmp_path: Path) -> None:
    first = {name: table.slice(0, 0) for name, table in TABLES.items()}
    first["articles"] = TABLES["articles"].slice(0, 10)
    location = build_story_lake(tmp_path / "lake", first)
    con = lake.connect(location)
    try:
        lake.commit_batch(con, {"articles": TABLES["articles"].slice(5, 10)})  # 5 new ones
        before = con.execute("select * from article_terms order by all").fetchall()
        con.execute("delete from article_terms")  # as a lake written before the index
    finally:
        con.close()
    con = lake.connect(location)
    try:
        after = con.execute("select * from article_terms order by all").fetchall()
    finally:
        con.close()
    assert after == before
    articles = TABLES["articles"].slice(0, 15).to_pylist()
    assert len(before) == sum(len(set(tokens(a["title"]) + tokens(a["body"]))) for a in articles)
    assert {row[0] for row in before} == {a["article_id"] for a in articles}


def _top_names(table: str, name: str, ids: set[str], top: int = 10) -> list[tuple[str, int]]:
    """Brute force: the names most articles among `ids` hold, as the search ranks them."""
    articles: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for row in TABLES[table].to_pylist():
        if row["article_id"] in ids:
            key = row[name] or row["text"]
            articles.setdefault(key, set()).add(row["article_id"])
            counts[key] += 1
    ranked = sorted(articles, key=lambda key: (-len(articles[key]), -counts[key], key))
    return [(key, len(articles[key])) for key in ranked[:top]]


def test_top_lists_of_a_huge_match_set_count_a_uniform_sample_by_id(reader) -> None:
    query = "putin OR merkel OR macron"
    matched = brute_force(parse(query), TABLES)
    exact = search(reader, query)
    assert exact.sampled == exact.matches == len(matched) and not exact.is_sampled
    assert exact.sample_note() == ""
    assert [(r["entity"], r["articles"]) for r in exact.entities] == _top_names(
        "mentions", "canonical_name", matched
    )
    assert [(r["place"], r["articles"]) for r in exact.places] == _top_names(
        "places", "name", matched
    )

    sampled = search(reader, query, sample=len(matched) // 3)
    bound = sample_bound(len(matched), len(matched) // 3)
    assert bound is not None
    below = {article_id for article_id in matched if article_id < bound}
    assert 0 < len(below) < len(matched)
    assert sampled.sampled == len(below) and sampled.is_sampled
    assert f"{len(below):,} of the {len(matched):,} matches" in sampled.sample_note()
    assert [(r["entity"], r["articles"]) for r in sampled.entities] == _top_names(
        "mentions", "canonical_name", below
    )
    assert [(r["place"], r["articles"]) for r in sampled.places] == _top_names(
        "places", "name", below
    )
    # every other section still counts every match
    for section in ("attention", "sources", "speakers", "quotes", "samples"):
        assert getattr(sampled, section) == getattr(exact, section)


def test_the_sample_bound_keeps_its_share_of_uniform_ids() -> None:
    assert sample_bound(20_000, 20_000) is None
    assert sample_bound(5, 20_000) is None
    ids = [stable_id("article", i) for i in range(200_000)]
    for matches, sample in ((200_000, 20_000), (200_000, 1_000), (30_000, 20_000)):
        bound = sample_bound(matches, sample)
        assert bound is not None and len(bound) == 6
        kept = sum(article_id < bound for article_id in ids) * matches / len(ids)
        assert abs(kept - sample) < 0.05 * sample + 50, (matches, sample, kept)
    assert sample_bound(10**12, 1) == "000001"  # never an empty range


def test_a_sampled_result_says_so_in_the_page_the_table_and_the_json(reader, capsys) -> None:
    from flows.cli_common import OutputFormat
    from flows.cli_search import print_result
    from tasks.serving.report_query import render_query_html

    result = search(reader, "putin OR merkel OR macron", sample=5)
    note = result.sample_note()
    assert result.is_sampled and note.startswith("in a random sample of")
    page = render_query_html(result, b"", Filters(), datetime.now(UTC))
    assert page.count(note) == 2  # over the entities and over the places
    print_result(result, OutputFormat.table)
    table = capsys.readouterr().out
    assert f"top entities ({note})" in table and f"top places ({note})" in table
    assert "top sources (" not in table
    print_result(result, OutputFormat.json)
    body = json.loads(capsys.readouterr().out)
    assert (body["matches"], body["sampled"]) == (result.matches, result.sampled)
