from __future__ import annotations

import re
from typing import Any

import pytest

from tasks.extraction.quotes import extract_quotes, find_quote_spans

pytestmark = pytest.mark.unit

ROW_KEYS = {
    "quote_text",
    "start_char",
    "end_char",
    "speaker_text",
    "speaker_start",
    "speaker_end",
    "speaker_ref_start",
    "speaker_ref_end",
    "cue",
    "attribution_method",
    "sentence_index",
    "kind",
    "continues_index",
}
CURLY_PASSAGE = re.compile(r"“([^“”]*)”")


def quotes_of(nlp, text: str) -> list[tuple[str, str | None, str | None, str | None, str]]:
    """Return (quote, speaker, named ref, cue, method) per quote, checking offsets on the way."""
    rows = extract_quotes(nlp(text))
    summary = []
    for row in rows:
        assert set(row) == ROW_KEYS
        assert_offsets(text, row)
        ref = None
        if row["speaker_ref_start"] is not None:
            ref = text[row["speaker_ref_start"] : row["speaker_ref_end"]]
        summary.append(
            (row["quote_text"], row["speaker_text"], ref, row["cue"], row["attribution_method"])
        )
    return summary


def assert_offsets(text: str, row: dict[str, Any]) -> None:
    assert text[row["start_char"] : row["end_char"]] == row["quote_text"]
    if row["speaker_text"] is None:
        assert row["speaker_start"] is None and row["speaker_end"] is None
        assert row["speaker_ref_start"] is None and row["cue"] is None
        assert row["attribution_method"] == "none"
    else:
        assert text[row["speaker_start"] : row["speaker_end"]] == row["speaker_text"]
        assert row["attribution_method"] != "none"
    if row["speaker_ref_start"] is not None:
        assert 0 <= row["speaker_ref_start"] < row["speaker_ref_end"] <= len(text)


# -- quote marks, without a parse


def spans_of(text: str) -> list[tuple[str, bool]]:
    return [(text[s.start : s.end], s.is_closed) for s in find_quote_spans(text)]


def test_curly_and_straight_quotes_and_no_apostrophes() -> None:
    text = 'Russia’s envoy didn’t wait. “We leave today,” he said. "So do we," she said.'
    assert spans_of(text) == [("We leave today,", True), ("So do we,", True)]


def test_scare_quotes_of_one_word_are_kept() -> None:
    assert spans_of("The so-called “roadmap” stayed secret.") == [("roadmap", True)]


def test_a_quote_reopened_in_the_next_paragraph_is_one_span() -> None:
    text = "He spoke.\n\n“We have the text.\n\n“We will answer soon,” he added."
    assert spans_of(text) == [("We have the text.\n\n“We will answer soon,", True)]


def test_an_open_quote_cut_mid_sentence_is_not_continued() -> None:
    text = "He spoke.\n\n“We have the\n\n“We will answer soon,” he added."
    assert spans_of(text) == [("We have the", False), ("We will answer soon,", True)]


def test_an_open_quote_closes_at_a_lost_paragraph_break() -> None:
    text = "“We will not leave. Nobody asked us.  The minister flew to Paris on Monday."
    assert spans_of(text) == [("We will not leave. Nobody asked us.", False)]


def test_an_open_quote_closes_before_the_next_opening_mark() -> None:
    text = "“Nobody expected this, said one aide. “It came too fast,” another said."
    assert spans_of(text) == [
        ("Nobody expected this, said one aide.", False),
        ("It came too fast,", True),
    ]


def test_a_nested_curly_pair_stays_inside_its_quote() -> None:
    text = "“She told me “No way” and left,” the clerk said."
    assert spans_of(text) == [("She told me “No way” and left,", True)]


def test_a_closing_mark_glued_to_a_word_opens_a_quote() -> None:
    text = "“The vote is over.””He lost, and he knows it,” she said."
    assert spans_of(text) == [("The vote is over.", True), ("He lost, and he knows it,", True)]


def test_empty_and_punctuation_only_quotes_are_dropped() -> None:
    assert spans_of("He said “” and then “...” twice.") == []


def test_no_quotes_no_rows(nlp) -> None:
    assert extract_quotes(nlp("The talks ended on Friday without a statement.")) == []


# -- attribution patterns, on invented wire copy


def test_seed_story_statement_and_spokesman(nlp) -> None:
    text = (
        "U.S. President Donald Trump and Russian President Vladimir Putin on Tuesday discussed a "
        "ceasefire plan for the region by telephone. “The presidents agreed that their teams "
        "should meet again before the end of the month,” a White House statement said. “The call "
        "was businesslike and constructive,” Kremlin spokesman Dmitry Peskov told reporters."
    )
    assert quotes_of(nlp, text) == [
        (
            "The presidents agreed that their teams should meet again before the end of the month,",
            "a White House statement",
            "White House",
            "say",
            "same_sentence",
        ),
        (
            "The call was businesslike and constructive,",
            "Kremlin spokesman Dmitry Peskov",
            "Dmitry Peskov",
            "tell",
            "same_sentence",
        ),
    ]
    assert [r["sentence_index"] for r in extract_quotes(nlp(text))] == [1, 2]


def test_said_after_the_name_and_before_it(nlp) -> None:
    text = (
        "Moscow rejected the plan on Monday. “Moscow will not accept new conditions,” said Peskov."
    )
    assert quotes_of(nlp, text) == [
        ("Moscow will not accept new conditions,", "Peskov", "Peskov", "say", "same_sentence")
    ]


def test_speaker_before_the_quote_with_and_without_colon(nlp) -> None:
    for mark in (":", ""):
        text = f"Kremlin spokesman Dmitry Peskov said{mark} “The offer stays open until Friday.”"
        assert quotes_of(nlp, text) == [
            (
                "The offer stays open until Friday.",
                "Kremlin spokesman Dmitry Peskov",
                "Dmitry Peskov",
                "say",
                "same_sentence",
            )
        ]


def test_attribution_inside_a_quote_gives_two_spans_one_speaker(nlp) -> None:
    text = (
        "Kremlin spokesman Dmitry Peskov spoke after the meeting in Geneva. “We are ready to keep "
        "talking,” he told reporters, “but only on equal terms.”"
    )
    assert quotes_of(nlp, text) == [
        ("We are ready to keep talking,", "he", "Dmitry Peskov", "tell", "pronoun"),
        ("but only on equal terms.", "he", "Dmitry Peskov", "tell", "pronoun"),
    ]


def test_an_unnamed_body_said_in_a_statement(nlp) -> None:
    text = (
        "The grain convoy reached the port on Sunday. “The shipment was delivered on schedule and "
        "without incident,” the ministry said in a statement."
    )
    assert quotes_of(nlp, text) == [
        (
            "The shipment was delivered on schedule and without incident,",
            "the ministry",
            None,
            "say",
            "same_sentence",
        )
    ]


def test_speaker_in_the_preceding_sentence(nlp) -> None:
    text = (
        "Peskov told reporters in Moscow on Wednesday. “There will be no further talks this week.”"
    )
    assert quotes_of(nlp, text) == [
        (
            "There will be no further talks this week.",
            "Peskov",
            "Peskov",
            "tell",
            "preceding_sentence",
        )
    ]


def test_pronoun_resolves_to_the_person_before_it(nlp) -> None:
    text = (
        "Foreign Minister Anna Berg arrived in Vienna on Monday for the conference. “We came here "
        "to listen to every side,” she said."
    )
    assert quotes_of(nlp, text) == [
        ("We came here to listen to every side,", "she", "Anna Berg", "say", "pronoun")
    ]


def test_a_quote_over_several_sentences(nlp) -> None:
    text = (
        "Negotiators worked through the night. “The talks were long. Nobody left the room angry. "
        "We will meet again next week,” Berg said."
    )
    assert quotes_of(nlp, text) == [
        (
            "The talks were long. Nobody left the room angry. We will meet again next week,",
            "Berg",
            "Berg",
            "say",
            "same_sentence",
        )
    ]


def test_a_quote_continued_into_the_next_paragraph(nlp) -> None:
    text = (
        "Peskov said the proposal needed careful study.\n\n“We have received the text and our "
        "experts are reading it closely.\n\n“Then we will give our answer,” he added."
    )
    # one row across both paragraphs, attributed by the cue after its close
    assert quotes_of(nlp, text) == [
        (
            "We have received the text and our experts are reading it closely.\n\n"
            "“Then we will give our answer,",
            "he",
            "Peskov",
            "add",
            "pronoun",
        ),
    ]
    assert [r["sentence_index"] for r in extract_quotes(nlp(text))] == [1]


def test_straight_quotes(nlp) -> None:
    text = (
        'The council met late. "We will decide on the budget by Friday," the mayor told reporters.'
    )
    assert quotes_of(nlp, text) == [
        ("We will decide on the budget by Friday,", "the mayor", None, "tell", "same_sentence")
    ]


def test_speaker_of_the_quote_that_follows(nlp) -> None:
    text = (
        "Markets steadied on Thursday. “Prices will fall by the summer.” “Supply is recovering "
        "quickly,” said analyst Maria Lopez."
    )
    assert quotes_of(nlp, text) == [
        (
            "Prices will fall by the summer.",
            "analyst Maria Lopez",
            "Maria Lopez",
            "say",
            "following_sentence",
        ),
        (
            "Supply is recovering quickly,",
            "analyst Maria Lopez",
            "Maria Lopez",
            "say",
            "same_sentence",
        ),
    ]


def test_partial_quote_question_and_according_to(nlp) -> None:
    assert quotes_of(
        nlp, "Lopez warned that “the recovery could stall if fuel prices climb this winter.”"
    ) == [
        (
            "the recovery could stall if fuel prices climb this winter.",
            "Lopez",
            "Lopez",
            "warn",
            "same_sentence",
        )
    ]
    assert quotes_of(
        nlp, "“Will the deal survive the winter?” Berg asked reporters after the vote."
    ) == [("Will the deal survive the winter?", "Berg", "Berg", "ask", "same_sentence")]
    assert quotes_of(
        nlp,
        "“The border will stay open for trucks carrying food,” according to a statement from "
        "the interior ministry.",
    ) == [
        (
            "The border will stay open for trucks carrying food,",
            "a statement",
            None,
            "according to",
            "same_sentence",
        )
    ]


def test_a_scare_quote_without_cue_is_unattributed(nlp) -> None:
    assert quotes_of(nlp, "The so-called “roadmap” was never published.") == [
        ("roadmap", None, None, None, "none")
    ]


# -- the ISOT sample


@pytest.mark.slow
def test_isot_offsets_coverage_and_speakers(isot_docs) -> None:
    extracted = [(article, doc, extract_quotes(doc)) for article, doc in isot_docs]
    passages = covered = with_speaker = 0
    uncovered = []
    methods: dict[str, int] = {}
    for _article, doc, rows in extracted:
        text = doc.text
        for row in rows:
            assert set(row) == ROW_KEYS
            assert_offsets(text, row)
            methods[row["attribution_method"]] = methods.get(row["attribution_method"], 0) + 1
        for match in CURLY_PASSAGE.finditer(text):
            inner = match.group(1)
            if len(inner.split()) < 5:
                continue
            passages += 1
            start = match.start(1) + len(inner) - len(inner.lstrip())
            end = match.end(1) - (len(inner) - len(inner.rstrip()))
            cover = [r for r in rows if r["start_char"] <= start and r["end_char"] >= end]
            if not cover:
                uncovered.append(text[start:end])
                continue
            covered += 1
            with_speaker += cover[0]["speaker_text"] is not None
    quotes = sum(methods.values())
    print(
        f"\nISOT quotes: {len(extracted)} articles, {quotes} quote rows {methods}; "
        f"{passages} curly passages of >= 5 words, covered {covered / passages:.1%}, "
        f"with speaker {with_speaker / passages:.1%}"
    )
    assert passages > 1000
    assert not uncovered, uncovered[:5]
    assert with_speaker / passages >= 0.75
