from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from tasks.extraction.mentions import entity_id
from tasks.extraction.tables import (
    BATCH_CHARS,
    EXTRACT_CHARS,
    extract_articles,
    extract_tables,
    extraction_tables,
    pipe_batch_size,
    row_id,
    with_article_fields,
)
from tasks.schema import ARTICLES

pytestmark = pytest.mark.unit

# a wire story in the seed's style, written for this test
SEED = (
    "U.S. President Donald Trump and Russian President Vladimir Putin on Tuesday agreed to "
    "reopen talks on nuclear arms after the U.S. Navy fired 59 cruise missiles at a Syrian "
    "air base last week, a White House statement said. "
    "“The two presidents agreed that the talks must resume without delay,” the statement said. "
    "Putin told reporters in Moscow that Russia would send a delegation to Geneva. "
    "“We are ready to work, but Washington must stop its threats,” Kremlin spokesman "
    "Dmitry Peskov told reporters. Trump said the strike had cost $89 million."
)
ARTICLE = {
    "article_id": "seed",
    "body": SEED,
    "published_at": datetime(2017, 5, 2, 15, 0, tzinfo=UTC),  # a Tuesday
    "dateline_places": [{"name": "Washington", "region": None}, {"name": "Moscow", "region": None}],
}


@pytest.fixture(scope="module")
def extraction(nlp):
    return extract_articles(nlp, [ARTICLE])


def test_mentions_with_canonical_names_and_fixed_labels(extraction) -> None:
    rows = [
        (r["text"], r["label"], r["spacy_label"], r["canonical_name"], r["sentence_index"])
        for r in extraction.rows["mentions"]
    ]
    assert rows == [
        ("U.S.", "GPE", "GPE", "United States", 0),
        ("Donald Trump", "PERSON", "PERSON", "Donald Trump", 0),
        ("Russian", "NORP", "NORP", "Russian", 0),
        ("Vladimir Putin", "PERSON", "PERSON", "Vladimir Putin", 0),
        ("U.S. Navy", "ORG", "ORG", "U.S. Navy", 0),  # the span without its "the"
        ("Syrian", "NORP", "NORP", "Syrian", 0),
        ("White House", "ORG", "ORG", "White House", 0),
        ("Putin", "PERSON", "PERSON", "Vladimir Putin", 2),
        ("Moscow", "GPE", "GPE", "Moscow", 2),
        ("Russia", "GPE", "GPE", "Russia", 2),
        ("Geneva", "GPE", "GPE", "Geneva", 2),
        ("Washington", "GPE", "GPE", "Washington", 3),
        ("Kremlin", "ORG", "ORG", "Kremlin", 3),
        ("Dmitry Peskov", "PERSON", "PERSON", "Dmitry Peskov", 3),
        # spaCy tags this "Trump" ORG; it takes the label of the full name it abbreviates
        ("Trump", "PERSON", "ORG", "Donald Trump", 4),
    ]
    for row in extraction.rows["mentions"]:
        assert SEED[row["start_char"] : row["end_char"]] == row["text"]
        assert row["entity_id"] == entity_id(row["label"], row["canonical_name"])
        assert row["article_id"] == "seed"


def test_places_resolved_offline_with_focus_country(extraction) -> None:
    rows = [
        (r["text"], r["origin"], r["name"], r["country_code"], r["precision"])
        for r in extraction.rows["places"]
    ]
    assert rows == [
        ("Washington", "dateline", "Washington", "US", "city"),
        ("Moscow", "dateline", "Moscow", "RU", "city"),
        ("U.S.", "mention", "United States", "US", "country"),
        ("Russian", "demonym", "Russia", "RU", "country"),
        ("Syrian", "demonym", "Syria", "SY", "country"),
        ("Moscow", "mention", "Moscow", "RU", "city"),
        ("Russia", "mention", "Russia", "RU", "country"),
        ("Geneva", "mention", "Geneva", "CH", "city"),
        ("Washington", "mention", "Washington", "US", "city"),
    ]
    moscow = extraction.rows["places"][1]
    assert (round(moscow["latitude"], 2), round(moscow["longitude"], 2)) == (55.75, 37.62)
    assert moscow["gazetteer_id"].startswith("geonames:")
    assert extraction.article_fields["seed"]["focus_country"] == "US"


def test_quotes_with_speakers(extraction) -> None:
    peskov = entity_id("PERSON", "Dmitry Peskov")
    rows = [
        (
            r["quote_text"],
            r["speaker_text"],
            r["cue"],
            r["attribution_method"],
            r["speaker_entity_id"],
        )
        for r in extraction.rows["quotes"]
    ]
    assert rows == [
        (
            "The two presidents agreed that the talks must resume without delay,",
            "the statement",
            "say",
            "same_sentence",
            None,
        ),
        (
            "We are ready to work, but Washington must stop its threats,",
            "Kremlin spokesman Dmitry Peskov",
            "tell",
            "same_sentence",
            peskov,
        ),
    ]
    for row in extraction.rows["quotes"]:
        assert SEED[row["start_char"] : row["end_char"]] == row["quote_text"]
        assert SEED[row["speaker_start"] : row["speaker_end"]] == row["speaker_text"]


def test_dates_resolved_against_publication(extraction) -> None:
    rows = [
        (r["text"], r["resolved_date"], r["precision"], r["is_relative"])
        for r in extraction.rows["date_mentions"]
    ]
    assert rows == [
        ("Tuesday", date(2017, 5, 2), "day", True),
        ("last week", date(2017, 4, 24), "week", True),
    ]


def test_amounts_money_and_counts(extraction) -> None:
    rows = [
        (r["text"], r["kind"], r["value"], r["unit"], r["currency"])
        for r in extraction.rows["amounts"]
    ]
    assert rows == [
        ("59 cruise missiles", "count", 59.0, "cruise missiles", None),
        ("two presidents", "count", 2.0, "presidents", None),
        ("$89 million", "money", 89_000_000.0, None, "USD"),
    ]


def test_tone_and_stable_row_ids(extraction) -> None:
    tone = extraction.article_fields["seed"]["tone"]
    assert -1 <= tone <= 1 and tone < 0  # threats, strikes: a tense story
    first = extraction.rows["mentions"][0]
    assert first["mention_id"] == row_id("seed", "mentions", 0, 0, "U.S.")


def test_tables_and_article_fields_fit_the_schemas(extraction) -> None:
    tables = extraction_tables(extraction)
    assert tables["mentions"].num_rows == 15 and tables["quotes"].num_rows == 2
    articles = pa.Table.from_pylist([{"article_id": "seed", "body": SEED}], schema=ARTICLES)
    filled = with_article_fields(articles, extraction).to_pylist()[0]
    assert (
        filled["focus_country"] == "US"
        and filled["tone"] == extraction.article_fields["seed"]["tone"]
    )


def test_articles_in_other_languages_are_not_extracted(nlp) -> None:
    rows = [
        {"article_id": "en", "body": SEED, "language": "en"},
        {
            "article_id": "de",
            "body": "Die Regierung in Berlin hat am Dienstag beschlossen.",
            "language": "de",
        },
    ]
    articles = pa.Table.from_pylist(rows, schema=ARTICLES)
    children, filled = extract_tables(nlp, articles)
    assert set(children["mentions"].column("article_id").to_pylist()) == {"en"}
    assert filled.column("tone").to_pylist()[1] is None


def test_spacy_batches_hold_about_batch_chars_characters() -> None:
    assert pipe_batch_size(["x" * 100] * 40, 64) == 64 and pipe_batch_size([], 64) == 64
    assert pipe_batch_size(["x" * 2_000] * 40, 64) == BATCH_CHARS // 2_000
    assert pipe_batch_size(["x" * (BATCH_CHARS * 3)], 64) == 1


def test_rows_do_not_depend_on_how_the_stories_are_batched(nlp) -> None:
    stories = [ARTICLE | {"article_id": f"s{i}", "body": SEED[i * 7 :]} for i in range(6)]
    one_by_one = extract_articles(nlp, stories, batch_size=1)
    together = extract_articles(nlp, stories, batch_size=64)
    assert one_by_one.rows == together.rows
    assert one_by_one.article_fields == together.article_fields


@pytest.mark.slow
def test_a_body_longer_than_spacy_accepts_is_extracted_from_its_head(nlp) -> None:
    body = (SEED + " ") * (1_100_000 // len(SEED))  # over spaCy's 1M-character limit
    huge = ARTICLE | {"article_id": "huge", "body": body}
    extraction = extract_articles(nlp, [huge, ARTICLE])
    mentions = [m for m in extraction.rows["mentions"] if m["article_id"] == "huge"]
    assert mentions and max(m["end_char"] for m in mentions) <= EXTRACT_CHARS
    for mention in mentions:
        assert body[mention["start_char"] : mention["end_char"]] == mention["text"]
    assert {m["article_id"] for m in extraction.rows["mentions"]} == {"huge", "seed"}
