"""One test per quote convention: offsets slice the body to exactly the quote (stories our own)."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.extraction.quotes import extract_quotes, link_quote_parts

pytestmark = pytest.mark.unit


def rows_of(nlp, text: str) -> list[dict[str, Any]]:
    """Return the quote rows of a text, each checked to slice its text out of the body."""
    rows = extract_quotes(nlp(text))
    for row in rows:
        assert text[row["start_char"] : row["end_char"]] == row["quote_text"]
        if row["speaker_start"] is not None:
            assert text[row["speaker_start"] : row["speaker_end"]] == row["speaker_text"]
    return rows


def summary(rows: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    return [(r["quote_text"], r["speaker_text"], r["kind"]) for r in rows]


def test_curly_double_quotes(nlp) -> None:
    text = "The port reopened on Monday. “We leave today,” said Anna Berg, the harbour master."
    assert summary(rows_of(nlp, text)) == [("We leave today,", "Anna Berg", "direct")]


def test_straight_double_quotes(nlp) -> None:
    text = 'The port reopened on Monday. "We leave today," said Anna Berg, the harbour master.'
    assert summary(rows_of(nlp, text)) == [("We leave today,", "Anna Berg", "direct")]


def test_guillemets_with_inner_spaces(nlp) -> None:
    text = (
        "The minister spoke in Paris. « We will keep our promises », Bruno Lefort told reporters."
    )
    assert summary(rows_of(nlp, text)) == [("We will keep our promises", "Bruno Lefort", "direct")]


def test_german_low_high_quotes(nlp) -> None:
    text = "„We have a majority and we will use it“, Chancellor Anna Weber said in Berlin."
    rows = rows_of(nlp, text)
    assert [(r["quote_text"], r["kind"]) for r in rows] == [
        ("We have a majority and we will use it", "direct")
    ]
    assert rows[0]["speaker_text"].endswith("Anna Weber")


def test_single_guillemets_are_a_phrase_without_speaker(nlp) -> None:
    text = "Jens Koch accused the government of ignoring the ‹silent majority›."
    assert summary(rows_of(nlp, text)) == [("silent majority", None, "phrase")]


def test_archive_double_apostrophes(nlp) -> None:
    text = "The flood passed the city on Tuesday.\n\n''We will rebuild,'' the mayor said."
    assert summary(rows_of(nlp, text)) == [("We will rebuild,", "the mayor", "direct")]


def test_archive_quote_keeps_an_apostrophe_inside(nlp) -> None:
    text = "''The levee held in the '90s, but not this time,'' said Tom Reyes, an engineer."
    assert summary(rows_of(nlp, text)) == [
        ("The levee held in the '90s, but not this time,", "Tom Reyes", "direct")
    ]


def test_single_quoted_headline_phrases_have_no_speaker(nlp) -> None:
    text = "The so-called 'super league' idea is off the table. A paper read ‘Club in crisis’."
    assert summary(rows_of(nlp, text)) == [
        ("super league", None, "phrase"),
        ("Club in crisis", None, "phrase"),
    ]


def test_apostrophes_are_never_single_quotes(nlp) -> None:
    text = (
        "Fans who grew up in the '90s remember rock 'n' roll nights, and they don't want the "
        "players' union to decide. The owners’ lawyers said it’s James' call, not 'em."
    )
    assert rows_of(nlp, text) == []


def test_single_marks_inside_a_double_quote_are_not_a_phrase(nlp) -> None:
    text = "\"I asked him 'do you want a wall?' and he said no,\" said Graham Poll."
    assert summary(rows_of(nlp, text)) == [
        ("I asked him 'do you want a wall?' and he said no,", "Graham Poll", "direct")
    ]


def test_partial_quote_inside_a_sentence(nlp) -> None:
    text = 'The inspector general said the conduct "should be looked at" by the full board.'
    assert summary(rows_of(nlp, text)) == [
        ("should be looked at", "The inspector general", "partial")
    ]


def test_quote_running_across_paragraphs_is_one_row(nlp) -> None:
    text = (
        "The club confirmed that its coach had resigned.\n\n"
        '"It has been an honour to lead this team.\n\n'
        '"I leave with many friends and no regrets," Peter Lang said.'
    )
    rows = rows_of(nlp, text)
    assert summary(rows) == [
        (
            'It has been an honour to lead this team.\n\n"I leave with many friends and no '
            "regrets,",
            "Peter Lang",
            "direct",
        )
    ]
    assert text[rows[0]["start_char"] - 1] == '"' and text[rows[0]["end_char"]] == '"'


def test_quote_split_around_its_attribution_is_two_linked_rows(nlp) -> None:
    text = (
        'Sarah Kent chaired the meeting. "The plan is dead," she said. "We start again on Monday."'
    )
    rows = rows_of(nlp, text)
    assert summary(rows) == [
        ("The plan is dead,", "she", "direct"),
        ("We start again on Monday.", "she", "direct"),
    ]
    assert [r["continues_index"] for r in rows] == [None, 0]
    for index, row in enumerate(rows):
        row["quote_id"] = f"q{index}"
    link_quote_parts(rows)
    assert [r["continues_quote_id"] for r in rows] == [None, "q0"]


def test_split_quote_with_attribution_in_the_middle_of_the_sentence(nlp) -> None:
    text = (
        '"We are not against the bridge," said Omar Haddad, a local farmer, "but it cannot '
        'cross our land."'
    )
    rows = rows_of(nlp, text)
    assert [(r["quote_text"], r["continues_index"]) for r in rows] == [
        ("We are not against the bridge,", None),
        ("but it cannot cross our land.", 0),
    ]
    assert rows[0]["speaker_text"] == rows[1]["speaker_text"]
    assert "Omar Haddad" in rows[0]["speaker_text"]


def test_separate_quotes_of_two_speakers_are_not_linked(nlp) -> None:
    text = '"We will win," said Anna Berg. "No chance," said Tom Reyes.'
    rows = rows_of(nlp, text)
    assert [r["continues_index"] for r in rows] == [None, None]
