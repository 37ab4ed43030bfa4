"""The dedupe index over a real lake: across runs and connections, bounded, with its overlay."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tasks import lake
from tasks.documents.dedupe import DedupIndex, dedupe_articles
from tasks.documents.lsh import BANDS
from tests.tasks.documents.stories import (
    BASE,
    OTHER,
    article,
    commit,
    dedupe,
    edited,
    flags,
    near_identical,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def location(tmp_path: Path) -> lake.LakeLocation:
    return lake.LakeLocation.local(tmp_path / "lake")


@pytest.fixture
def con(location: lake.LakeLocation):
    connection = lake.connect(location)
    yield connection
    connection.close()


def test_a_second_run_flags_near_duplicates_of_the_first_from_the_lake(location) -> None:
    first = lake.connect(location)
    index = DedupIndex(first)
    commit(first, index, dedupe(index, [article("a", BASE), article("o", OTHER, 1)]))
    assert index.in_flight == 0
    (bands,) = first.execute("select count(*) from article_lsh_bands").fetchone()
    assert 0 < bands <= 2 * BANDS
    first.close()

    second = lake.connect(location)
    try:
        index = DedupIndex(second)
        result = dedupe(index, [article("b", edited(BASE, random.Random(2)), 2)])
        assert flags(result) == {"b": "a"}
        assert result.counts["near_duplicates"] == 1
    finally:
        second.close()


def test_another_connection_sees_the_same_index(con, location) -> None:
    index = DedupIndex(con)
    commit(con, index, dedupe(index, [article("a", BASE)]))
    reader = lake.connect(location, read_only=True)
    try:
        other = dedupe_articles(
            [article("b", edited(BASE, random.Random(3))), article("c", BASE)], DedupIndex(reader)
        )
    finally:
        reader.close()
    assert [a["duplicate_of"] for a in other.articles] == ["a"]
    assert other.article_of_raw["raw-c"] == ("a", True)


def test_candidates_stay_bounded_however_many_stories_repeat(con) -> None:
    stories = near_identical(2000)
    index = DedupIndex(con)
    for start in range(0, len(stories), 500):
        before = index.comparisons
        result = dedupe(index, stories[start : start + 500])
        # a new article is compared with at most one candidate per band, never with every repeat
        assert index.comparisons - before <= BANDS * 500
        commit(con, index, result)
        assert set(flags(result).values()) <= {None, "n0"}
    assert con.execute("select count(*) from articles where duplicate_of = 'n0'").fetchone() == (
        1999,
    )
    assert index.comparisons <= BANDS * len(stories)
    # each key belongs to one article: the table grows with new keys, not with repeats
    (rows, keys) = con.execute(
        "select count(*), count(distinct band_key) from article_lsh_bands"
    ).fetchone()
    assert rows == keys < BANDS * len(stories) // 2


def test_a_batch_deduped_before_the_last_one_commits_still_sees_it(con) -> None:
    index = DedupIndex(con)
    rng = random.Random(4)
    batch_1 = dedupe(index, [article("a", BASE), article("o", OTHER, 1)])
    # batch 2 is deduped while batch 1 is in flight: only the overlay knows batch 1
    batch_2 = dedupe(index, [article("b", edited(BASE, rng), 2), article("o2", OTHER, 3)])
    assert flags(batch_2) == {"b": "a"}
    assert batch_2.counts["duplicates"] == 1  # o2 has o's body
    assert index.in_flight == 3

    commit(con, index, batch_1)
    assert index.in_flight == 1  # b, of batch 2, still in flight
    batch_3 = dedupe(index, [article("c", edited(BASE, rng), 4), article("o3", OTHER, 5)])
    assert flags(batch_3) == {"c": "a"}
    assert batch_3.counts["duplicates"] == 1
    commit(con, index, batch_2)
    commit(con, index, batch_3)
    assert index.in_flight == 0
    stored = dict(con.execute("select article_id, duplicate_of from articles").fetchall())
    assert stored == {"a": None, "o": None, "b": "a", "c": "a"}


def test_articles_of_a_batch_dedupe_against_each_other(con) -> None:
    rng = random.Random(5)
    index = DedupIndex(con)
    result = dedupe_articles(
        [
            article("a", BASE),
            article("b", edited(BASE, rng), 1),
            article("a", OTHER, 2) | {"raw_id": "raw-again"},
        ],
        index,
    )
    assert [(a["article_id"], a["duplicate_of"]) for a in result.articles] == [
        ("a", None),
        ("b", "a"),
    ]
    assert result.article_of_raw == {
        "raw-a": ("a", False),
        "raw-b": ("b", False),
        "raw-again": ("a", True),
    }


def test_a_committed_batch_the_lake_did_not_keep_is_forgotten(con) -> None:
    index = DedupIndex(con)
    dropped = dedupe(index, [article("a", BASE)])  # e.g. its commit failed: the lake lacks it
    index.committed(["a"])
    assert index.in_flight == 0
    later = dedupe(index, [article("b", edited(BASE, random.Random(6)), 1)])
    assert flags(later) == {"b": None}
    assert dropped.tables["article_lsh_bands"].num_rows == BANDS


def test_near_duplicates_of_a_near_duplicate_point_to_its_root(con) -> None:
    rng = random.Random(7)
    index = DedupIndex(con)
    commit(con, index, dedupe(index, [article("a", BASE)]))
    once = edited(BASE, rng, swaps=3)
    commit(con, index, dedupe(index, [article("b", once, 1)]))
    result = dedupe(index, [article("c", edited(once, rng), 2)])
    assert flags(result) == {"c": "a"}


def test_an_exact_repeat_of_a_stored_body_points_to_the_first_stored_article(con) -> None:
    index = DedupIndex(con)
    commit(con, index, dedupe(index, [article("a", BASE), article("o", OTHER, 1)]))
    result = dedupe_articles([article("z", BASE, 2)], DedupIndex(con))
    assert result.articles == [] and result.article_of_raw == {"raw-z": ("a", True)}
