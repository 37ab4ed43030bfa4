from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tasks.documents.normalise import (
    NormaliseContext,
    canonical_url,
    clean_text,
    clean_value,
    content_hash,
    count_words,
    derive_title,
    make_article_id,
    normalise_doc,
)
from tasks.records import TEXT, ParsedDoc, RawRecord, Rejection

pytestmark = pytest.mark.unit

CONTEXT = NormaliseContext(run_id="run-1", ingested_at=datetime(2026, 10, 7, tzinfo=UTC))
SEED = (
    "WASHINGTON/MOSCOW (Reuters) - U.S. President Elena Marsh and Russian President Pavel "
    "Orlov on Tuesday agreed to reopen talks on medium-range missiles, a White House "
    "statement said. Marsh told reporters the first round would be held in Geneva."
)


def doc(text: str, **fields: object) -> ParsedDoc:
    raw = RawRecord(
        "wire", "files", "wire/a.txt", text.encode(), TEXT, datetime(2026, 10, 6, tzinfo=UTC)
    )
    return ParsedDoc(raw=raw, text=text, **fields)  # type: ignore[arg-type]


def test_wire_story_becomes_an_article_with_dateline_fields() -> None:
    published = datetime(2026, 10, 6, 14, 30, tzinfo=UTC)
    row = normalise_doc(
        doc(
            SEED,
            title="Leaders agree to talks",
            published_at=published,
            published_at_source="csv",
            published_at_precision="second",
        ),
        CONTEXT,
    )
    assert not isinstance(row, Rejection)
    assert row["body"].startswith("U.S. President Elena Marsh")
    assert row["dateline_raw"] == "WASHINGTON/MOSCOW (Reuters) -"
    assert row["dateline_places"] == [
        {"name": "Washington", "region": None},
        {"name": "Moscow", "region": None},
    ]
    assert row["agency"] == "Reuters"
    assert row["published_at"] == published and row["published_at_source"] == "csv"
    assert row["language"] == "en"
    assert row["word_count"] == len(row["body"].split())
    assert row["run_id"] == "run-1" and row["ingested_at"] == CONTEXT.ingested_at


def test_story_without_title_gets_its_first_sentence() -> None:
    row = normalise_doc(doc(SEED), CONTEXT)
    assert not isinstance(row, Rejection)
    assert row["title"] == (
        "U.S. President Elena Marsh and Russian President Pavel Orlov on Tuesday agreed to "
        "reopen talks on medium-range missiles, a White House statement said."
    )


def test_derived_titles_are_shortened_at_a_word() -> None:
    title = derive_title("word " * 100)
    assert len(title) <= 162 and title.endswith(" …")


def test_1987_dateline_completes_a_year_only_date() -> None:
    text = "SALVADOR, Feb 26 - Cocoa growers in Bahia said on Thursday the harvest was late."
    row = normalise_doc(
        doc(
            text,
            published_at=datetime(1987, 1, 1, tzinfo=UTC),
            published_at_source="jsonl",
            published_at_precision="year",
        ),
        CONTEXT,
    )
    assert not isinstance(row, Rejection)
    assert row["published_at"] == datetime(1987, 2, 26, tzinfo=UTC)
    assert (row["published_at_source"], row["published_at_precision"]) == ("dateline", "day")
    assert row["dateline_places"] == [{"name": "Salvador", "region": None}]


def test_dateline_only_text_is_rejected() -> None:
    outcome = normalise_doc(doc("WASHINGTON (Reuters) - "), CONTEXT)
    assert isinstance(outcome, Rejection) and "empty body" in outcome.reason


def test_article_id_prefers_the_canonical_url() -> None:
    a = make_article_id("https://www.Example.com/a/b/?utm_source=x#top", "s1", "t", "b")
    b = make_article_id("http://example.com/a/b", "s2", "other", "text")
    assert a == b
    assert make_article_id(None, "s", "t", "b") != make_article_id(None, "s", "t", "c")


def test_canonical_url_drops_tracking_and_keeps_real_parameters() -> None:
    assert canonical_url("https://example.com/story?id=7&utm_medium=rss") == (
        "https://example.com/story?id=7"
    )
    assert canonical_url("not a url") is None


def test_word_count_counts_cjk_characters() -> None:
    assert count_words("Talks resume, officials said.") == 4
    assert count_words("東京で会談") == 5


def test_content_hash_ignores_case_and_spacing() -> None:
    assert content_hash("Talks  resume\non Tuesday") == content_hash("talks resume on tuesday")


def test_language_is_always_a_two_letter_code() -> None:
    from tasks.documents.normalise import detect_language

    assert (
        detect_language("Der Bundestag hat am Dienstag ein neues Gesetz beschlossen, sagte er.")
        == "de"
    )
    assert detect_language("Short one", hint="pt-BR") == "pt"
    assert detect_language("Short one") is None


def test_clean_text_drops_nul_and_replaces_lone_surrogates() -> None:
    assert clean_text("Quay\x00 reopens") == "Quay reopens"
    assert clean_text("Caf\u00e9 \ud800 \x00ok") == "Caf\u00e9 \ufffd ok"
    assert clean_text("plain") == "plain"
    assert clean_value({"k\x00": ["v\x00", "\udfff", 3]}) == {"k": ["v", "\ufffd", 3]}
