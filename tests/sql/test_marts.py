"""The marts in sql/marts, each checked row by row on a small hand-written lake."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from tasks import lake
from tasks.lake.views import load_views, register_views
from tasks.schema import BATCH_TABLES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit

BIDEN, MACRON = "person:biden", "person:macron"
UN, NATO, PARIS, FRENCH = "org:un", "org:nato", "gpe:paris", "norp:french"
NAMES = {
    BIDEN: ("Joe Biden", "PERSON"),
    MACRON: ("Emmanuel Macron", "PERSON"),
    UN: ("United Nations", "ORG"),
    NATO: ("NATO", "ORG"),
    PARIS: ("Paris", "GPE"),
    FRENCH: ("French", "NORP"),
}


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


# article id, source, published_at, tone, focus country, near-duplicate of
ARTICLES = [
    ("a1", "reuters", at(1, 10), 0.5, "US", None),
    ("a2", "bbc", at(2, 9), -0.5, "FR", None),
    ("a3", "reuters", at(3, 8), 0.25, "US", None),
    ("a4", "bbc", at(3, 12), 0.0, "US", "a3"),
    ("a5", "reuters", at(20, 7, month=2), None, None, None),
]
# article id -> entities named, one per mention
MENTIONS = {
    "a1": [BIDEN, BIDEN, MACRON, PARIS, FRENCH, NATO],
    "a2": [MACRON, PARIS, PARIS, UN],
    "a3": [BIDEN, UN],
    "a4": [BIDEN, UN],
    "a5": [BIDEN],
}
PARIS_AT = {"name": "Paris", "country_code": "FR", "latitude": 48.85, "longitude": 2.35}
WASHINGTON_AT = {"name": "Washington", "country_code": "US", "latitude": 38.9, "longitude": -77.0}
LYON_AT = {"name": "Lyon", "country_code": "FR", "latitude": 45.76, "longitude": 4.83}
PLACES = [
    ("a1", PARIS_AT | {"precision": "city"}),
    ("a1", {"name": "United States", "country_code": "US", "precision": "country"}),
    ("a2", PARIS_AT | {"precision": "city"}),
    ("a2", {"name": "France", "country_code": "FR", "precision": "country"}),
    ("a3", WASHINGTON_AT | {"precision": "city"}),
    ("a4", WASHINGTON_AT | {"precision": "city"}),
    ("a5", LYON_AT | {"precision": "city"}),
    ("a5", {"name": "Atlantis", "precision": "city"}),
]
# article id, quote, speaker entity, speaker as written
QUOTES = [
    ("a1", "We stand together.", BIDEN, "Biden"),
    ("a2", "Paris will host the talks.", MACRON, "Macron"),
    ("a2", "No comment at this time.", None, None),
    ("a3", "The alliance is strong and will remain strong.", BIDEN, "the president"),
    ("a2", "Talks went well.", None, "a spokesman"),
    ("a4", "We have nothing to add today.", None, "a spokesman"),
]
# run id, started_at, status, records read, new articles, error
RUNS = [
    ("run-1", at(4, 0), "completed", 7, 5, None),
    ("run-2", at(5, 0), "failed", 2, 0, "source unreachable"),
]


def batch() -> dict[str, pa.Table]:
    """Return the fixture lake's rows as one batch."""
    ingested = at(4, 0)
    rows: dict[str, list[dict[str, Any]]] = {
        "articles": [
            {
                "article_id": article_id,
                "raw_id": f"r{article_id}",
                "source": source,
                "title": f"Title of {article_id}",
                "published_at": published_at,
                "word_count": 100,
                "tone": tone,
                "focus_country": focus,
                "duplicate_of": duplicate_of,
                "ingested_at": at(4, 1) if article_id == "a4" else ingested,
            }
            for article_id, source, published_at, tone, focus, duplicate_of in ARTICLES
        ],
        "raw_documents": [
            {"raw_id": f"r{a[0]}", "source": a[1], "article_id": a[0], "is_duplicate": False}
            for a in ARTICLES
        ]
        + [
            {"raw_id": "r6", "source": "reuters", "article_id": "a1", "is_duplicate": True},
            {"raw_id": "r7", "source": "bbc", "article_id": None, "is_duplicate": False},
        ],
        "rejected": [{"rejected_id": "x1", "raw_id": "r7", "source": "bbc", "reason": "empty"}],
        "mentions": [
            {
                "mention_id": f"{article_id}-m{i}",
                "article_id": article_id,
                "entity_id": entity_id,
                "canonical_name": NAMES[entity_id][0],
                "label": NAMES[entity_id][1],
                "text": NAMES[entity_id][0],
            }
            for article_id, entity_ids in MENTIONS.items()
            for i, entity_id in enumerate(entity_ids)
        ],
        "places": [
            {"place_id": f"p{i}", "article_id": article_id} | place
            for i, (article_id, place) in enumerate(PLACES)
        ],
        "quotes": [
            {
                "quote_id": f"q{i}",
                "article_id": a,
                "quote_text": text,
                "speaker_entity_id": who,
                "speaker_text": written,
            }
            for i, (a, text, who, written) in enumerate(QUOTES)
        ],
    }
    return {
        name: pa.Table.from_pylist(table_rows, schema=BATCH_TABLES[name][0])
        for name, table_rows in rows.items()
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = lake.connect(lake.LakeLocation.local(tmp_path_factory.mktemp("lake")))
    lake.commit_batch(connection, batch())
    for run_id, started_at, status, read, new, error in RUNS:
        counts = {"records_read": read, "articles_new": new}
        lake.record_run(connection, run_id, started_at, ["reuters"], status, counts, {}, error)
    register_views(connection, load_views())
    yield connection
    connection.close()


def test_entity_mentions_daily_counts_mentions_and_articles_per_day_source_entity(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select published_date, source, label, entity_id, canonical_name, mentions, articles "
        "from mart_entity_mentions_daily order by all"
    ).fetchall()
    assert rows == [
        (date(2024, 2, 20), "reuters", "PERSON", BIDEN, "Joe Biden", 1, 1),
        (date(2024, 3, 1), "reuters", "GPE", PARIS, "Paris", 1, 1),
        (date(2024, 3, 1), "reuters", "NORP", FRENCH, "French", 1, 1),
        (date(2024, 3, 1), "reuters", "ORG", NATO, "NATO", 1, 1),
        (date(2024, 3, 1), "reuters", "PERSON", BIDEN, "Joe Biden", 2, 1),
        (date(2024, 3, 1), "reuters", "PERSON", MACRON, "Emmanuel Macron", 1, 1),
        (date(2024, 3, 2), "bbc", "GPE", PARIS, "Paris", 2, 1),
        (date(2024, 3, 2), "bbc", "ORG", UN, "United Nations", 1, 1),
        (date(2024, 3, 2), "bbc", "PERSON", MACRON, "Emmanuel Macron", 1, 1),
        (date(2024, 3, 3), "bbc", "ORG", UN, "United Nations", 1, 1),
        (date(2024, 3, 3), "bbc", "PERSON", BIDEN, "Joe Biden", 1, 1),
        (date(2024, 3, 3), "reuters", "ORG", UN, "United Nations", 1, 1),
        (date(2024, 3, 3), "reuters", "PERSON", BIDEN, "Joe Biden", 1, 1),
    ]


def test_top_entities_rank_people_orgs_and_places_in_7_and_30_day_windows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select window_days, label, rank, entity_id, canonical_name, articles, previous_articles, "
        "change from mart_top_entities order by window_days, label, rank, entity_id"
    ).fetchall()
    assert rows == [
        (7, "ORG", 1, UN, "United Nations", 3, 0, 3),
        (7, "ORG", 2, NATO, "NATO", 1, 0, 1),
        (7, "PERSON", 1, BIDEN, "Joe Biden", 3, 1, 2),
        (7, "PERSON", 2, MACRON, "Emmanuel Macron", 2, 0, 2),
        (7, "PLACE", 1, PARIS, "Paris", 2, 0, 2),
        (30, "ORG", 1, UN, "United Nations", 3, 0, 3),
        (30, "ORG", 2, NATO, "NATO", 1, 0, 1),
        (30, "PERSON", 1, BIDEN, "Joe Biden", 4, 0, 4),
        (30, "PERSON", 2, MACRON, "Emmanuel Macron", 2, 0, 2),
        (30, "PLACE", 1, PARIS, "Paris", 2, 0, 2),
    ]


def test_co_mentions_weigh_pairs_by_articles_without_nationalities(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select entity_a_id, entity_b_id, entity_a_name, entity_b_label, weight, "
        "first_published_date, last_published_date from mart_co_mentions order by all"
    ).fetchall()
    d1, d2, d3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)
    assert rows == [
        (PARIS, NATO, "Paris", "ORG", 1, d1, d1),
        (PARIS, UN, "Paris", "ORG", 1, d2, d2),
        (PARIS, BIDEN, "Paris", "PERSON", 1, d1, d1),
        (PARIS, MACRON, "Paris", "PERSON", 2, d1, d2),
        (NATO, BIDEN, "NATO", "PERSON", 1, d1, d1),
        (NATO, MACRON, "NATO", "PERSON", 1, d1, d1),
        (UN, BIDEN, "United Nations", "PERSON", 2, d3, d3),
        (UN, MACRON, "United Nations", "PERSON", 1, d2, d2),
        (BIDEN, MACRON, "Joe Biden", "PERSON", 1, d1, d1),
    ]


def test_entity_timeline_has_tone_and_top_three_co_mentions_per_day(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select entity_id, published_date, mentions, articles, avg_tone, top_co_mentions "
        "from mart_entity_timeline order by entity_id, published_date"
    ).fetchall()
    d0, d1, d2, d3 = date(2024, 2, 20), date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)
    assert rows == [
        (PARIS, d1, 1, 1, 0.5, ["Emmanuel Macron", "Joe Biden", "NATO"]),
        (PARIS, d2, 2, 1, -0.5, ["Emmanuel Macron", "United Nations"]),
        (FRENCH, d1, 1, 1, 0.5, ["Emmanuel Macron", "Joe Biden", "NATO"]),
        (NATO, d1, 1, 1, 0.5, ["Emmanuel Macron", "Joe Biden", "Paris"]),
        (UN, d2, 1, 1, -0.5, ["Emmanuel Macron", "Paris"]),
        (UN, d3, 2, 2, 0.125, ["Joe Biden"]),
        (BIDEN, d0, 1, 1, None, []),
        (BIDEN, d1, 2, 1, 0.5, ["Emmanuel Macron", "NATO", "Paris"]),
        (BIDEN, d3, 2, 2, 0.125, ["United Nations"]),
        (MACRON, d1, 1, 1, 0.5, ["Joe Biden", "NATO", "Paris"]),
        (MACRON, d2, 1, 1, -0.5, ["Paris", "United Nations"]),
    ]


def test_quotes_by_speaker_skips_unattributed_and_samples_the_longest(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select entity_id, canonical_name, quotes, articles, first_seen_at, last_seen_at, "
        "sample_quote from mart_quotes_by_speaker order by entity_id"
    ).fetchall()
    assert rows == [
        (
            BIDEN,
            "Joe Biden",
            2,
            2,
            at(1, 10),
            at(3, 8),
            "The alliance is strong and will remain strong.",
        ),
        (MACRON, "Emmanuel Macron", 1, 1, at(2, 9), at(2, 9), "Paris will host the talks."),
    ]


def test_countries_daily_places_a_country_at_its_most_mentioned_city(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select published_date, country_code, mentions, articles, focus_articles, latitude, "
        "longitude from mart_countries_daily order by all"
    ).fetchall()
    paris, washington = (48.85, 2.35), (38.9, -77.0)
    assert rows == [
        (date(2024, 2, 20), "FR", 1, 1, 0, *paris),
        (date(2024, 3, 1), "FR", 1, 1, 0, *paris),
        (date(2024, 3, 1), "US", 1, 1, 1, *washington),
        (date(2024, 3, 2), "FR", 2, 1, 1, *paris),
        (date(2024, 3, 3), "US", 2, 2, 2, *washington),
    ]


def test_source_volume_counts_duplicates_near_duplicates_and_rejected(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select source, raw_documents, articles, duplicates, near_duplicates, rejected, "
        "first_published_at, latest_published_at, latest_ingested_at "
        "from mart_source_volume order by source"
    ).fetchall()
    assert rows == [
        ("bbc", 3, 2, 0, 1, 1, at(2, 9), at(3, 12), at(4, 1)),
        ("reuters", 4, 3, 1, 0, 0, at(20, 7, month=2), at(3, 8), at(4, 0)),
    ]
    hours = con.execute(
        "select source, hours_since_latest_published, hours_since_latest_ingested, "
        "epoch(now() - latest_ingested_at) / 3600 from mart_source_volume order by source"
    ).fetchall()
    assert all(published > 24 * 365 for _, published, _, _ in hours)  # the articles are from 2024
    assert [(source, round(exact, 1)) for source, _, _, exact in hours] == [
        (source, ingested) for source, _, ingested, _ in hours
    ]
    # bbc's latest article was ingested an hour after reuters' latest
    assert hours[1][2] - hours[0][2] == pytest.approx(1.0, abs=0.11)


def test_duplicate_clusters_group_near_duplicates_under_the_first_seen(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute("select * from mart_duplicate_clusters").fetchall()
    assert rows == [("a3", "Title of a3", 2, ["bbc", "reuters"], at(3, 8), at(3, 12))]


def test_articles_per_day_still_counts_articles(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select published_date, source, articles, near_duplicates from mart_articles_per_day"
    ).fetchall()
    assert sorted(rows) == [
        (date(2024, 2, 20), "reuters", 1, 0),
        (date(2024, 3, 1), "reuters", 1, 0),
        (date(2024, 3, 2), "bbc", 1, 0),
        (date(2024, 3, 3), "bbc", 1, 1),
        (date(2024, 3, 3), "reuters", 1, 0),
    ]


def test_entities_count_articles_and_mentions_over_the_whole_lake(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select entity_id, canonical_name, label, articles, mentions, aliases "
        "from mart_entities order by articles desc, mentions desc, canonical_name"
    ).fetchall()
    assert rows == [
        (BIDEN, "Joe Biden", "PERSON", 4, 5, ["Joe Biden"]),
        (UN, "United Nations", "ORG", 3, 3, ["United Nations"]),
        (PARIS, "Paris", "GPE", 2, 3, ["Paris"]),
        (MACRON, "Emmanuel Macron", "PERSON", 2, 2, ["Emmanuel Macron"]),
        (FRENCH, "French", "NORP", 1, 1, ["French"]),
        (NATO, "NATO", "ORG", 1, 1, ["NATO"]),
    ]


def test_countries_count_articles_and_places_with_mean_coordinates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select country_code, articles, places, latitude, longitude "
        "from mart_countries order by country_code"
    ).fetchall()
    # FR: Paris twice and Lyon have coordinates, the country row "France" has none;
    # Atlantis has no country and is left out
    assert rows == [
        ("FR", 3, 3, pytest.approx((2 * 48.85 + 45.76) / 3), pytest.approx((2 * 2.35 + 4.83) / 3)),
        ("US", 3, 2, pytest.approx(38.9), pytest.approx(-77.0)),
    ]


def test_quotes_by_speaker_name_counts_unattributed_speakers_by_their_text(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "select speaker, quotes, articles, sample_quote from mart_quotes_by_speaker_name "
        "order by quotes desc, speaker"
    ).fetchall()
    assert rows == [
        ("Joe Biden", 2, 2, "The alliance is strong and will remain strong."),
        ("a spokesman", 2, 2, "We have nothing to add today."),
        ("Emmanuel Macron", 1, 1, "Paris will host the talks."),
    ]


def test_runs_lists_every_run_with_its_counts(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select run_id, started_at, status, sources, records_read, articles_new, duplicates, "
        "error, duration_s > 0, finished_at > started_at from mart_runs order by started_at"
    ).fetchall()
    assert rows == [
        ("run-1", at(4, 0), "completed", ["reuters"], 7, 5, 0, None, True, True),
        ("run-2", at(5, 0), "failed", ["reuters"], 2, 0, 0, "source unreachable", True, True),
    ]


def test_every_mart_file_is_a_view_of_a_new_lake(tmp_path: Path) -> None:
    connection = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:
        views = connection.execute(
            "select view_name from duckdb_views() "
            "where database_name = current_database() and starts_with(view_name, 'mart_')"
        ).fetchall()
    finally:
        connection.close()
    files = sorted(path.stem for path in (ROOT / "sql" / "marts").glob("*.sql"))
    assert sorted(name for (name,) in views) == files
    assert {"mart_entities", "mart_countries", "mart_quotes_by_speaker_name", "mart_runs"} <= set(
        files
    )


def test_sql_passes_sqlfluff() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "sql/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
