"""Tests for tasks/extraction/date_mentions.py and its date resolution, then the ISOT sample."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tasks.extraction.date_mentions import extract_dates, looks_relative, resolve_date

pytestmark = pytest.mark.unit

REF = date(2017, 5, 2)  # a Tuesday
PUBLISHED = datetime(2017, 5, 2, 14, 30, tzinfo=UTC)
KEYS = {"text", "start_char", "end_char", "resolved_date", "precision", "is_relative"}
KEYS |= {"sentence_index"}
PRECISIONS = {"day", "week", "month", "quarter", "year", "decade"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on Tuesday", (date(2017, 5, 2), "day", True)),
        ("Tuesday", (date(2017, 5, 2), "day", True)),
        ("Friday", (date(2017, 4, 28), "day", True)),
        ("late Monday", (date(2017, 5, 1), "day", True)),
        ("last Tuesday", (date(2017, 4, 25), "day", True)),
        ("next Tuesday", (date(2017, 5, 9), "day", True)),
        ("Monday this week", (date(2017, 5, 1), "day", True)),
        ("today", (date(2017, 5, 2), "day", True)),
        ("yesterday", (date(2017, 5, 1), "day", True)),
        ("tomorrow", (date(2017, 5, 3), "day", True)),
        ("the day before yesterday", (date(2017, 4, 30), "day", True)),
        ("March 3", (date(2017, 3, 3), "day", True)),
        ("the 4th of July", (date(2017, 7, 4), "day", True)),  # the nearest one
        ("Jan. 14 last year", (date(2016, 1, 14), "day", True)),
        ("March 3, 2016", (date(2016, 3, 3), "day", False)),
        ("Sept. 11, 2001", (date(2001, 9, 11), "day", False)),
        ("3 March 2016", (date(2016, 3, 3), "day", False)),
        ("2016-03-03", (date(2016, 3, 3), "day", False)),
        ("Christmas", (date(2016, 12, 25), "day", True)),
        ("last week", (date(2017, 4, 24), "week", True)),
        ("this week", (date(2017, 5, 1), "week", True)),
        ("two weeks ago", (date(2017, 4, 17), "week", True)),
        ("the weekend", (date(2017, 4, 29), "week", True)),
        ("March", (date(2017, 3, 1), "month", True)),
        ("June", (date(2016, 6, 1), "month", True)),
        ("last month", (date(2017, 4, 1), "month", True)),
        ("earlier this month", (date(2017, 5, 1), "month", True)),
        ("late last month", (date(2017, 4, 1), "month", True)),
        ("last November", (date(2016, 11, 1), "month", True)),
        ("July last year", (date(2016, 7, 1), "month", True)),
        ("mid-August", (date(2016, 8, 1), "month", True)),
        ("December 2015", (date(2015, 12, 1), "month", False)),
        ("Q3", (date(2016, 7, 1), "quarter", True)),
        ("the third quarter", (date(2016, 7, 1), "quarter", True)),
        ("the first quarter", (date(2017, 1, 1), "quarter", True)),
        ("last quarter", (date(2017, 1, 1), "quarter", True)),
        ("the fourth quarter of last year", (date(2016, 10, 1), "quarter", True)),
        ("Q2 2015", (date(2015, 4, 1), "quarter", False)),
        ("the second half of 2016", (date(2016, 7, 1), "quarter", False)),
        ("last summer", (date(2016, 6, 1), "quarter", True)),
        ("last year", (date(2016, 1, 1), "year", True)),
        ("this year", (date(2017, 1, 1), "year", True)),
        ("next year", (date(2018, 1, 1), "year", True)),
        ("early next year", (date(2018, 1, 1), "year", True)),
        ("the end of the year", (date(2017, 1, 1), "year", True)),
        ("three years ago", (date(2014, 1, 1), "year", True)),
        ("a decade ago", (date(2007, 1, 1), "year", True)),
        ("the past two years", (date(2015, 1, 1), "year", True)),
        ("in 2015", (date(2015, 1, 1), "year", False)),
        ("mid-2018", (date(2018, 1, 1), "year", False)),
        ("fiscal 2018", (date(2018, 1, 1), "year", False)),
        ("2011 to 2017", (date(2011, 1, 1), "year", False)),
        ("the 1990s", (date(1990, 1, 1), "decade", False)),
        ("the late 1970s", (date(1970, 1, 1), "decade", False)),
        ("the '80s", (date(1980, 1, 1), "decade", False)),
    ],
)
def test_resolve_date(text: str, expected: tuple[date, str, bool]) -> None:
    assert resolve_date(text, REF) == expected


@pytest.mark.parametrize(
    "text",
    ["recent years", "two years", "decades", "annual", "a year earlier", "the next day", "44"],
)
def test_vague_spans_and_durations_stay_unresolved(text: str) -> None:
    assert resolve_date(text, REF) is None


def test_years_outside_the_window_and_long_lookbacks_stay_unresolved() -> None:
    assert resolve_date("1215", REF) is None
    assert resolve_date("the past 200 years", REF) is None
    assert resolve_date("25 years ago", REF) == (date(1992, 1, 1), "year", True)


def test_relative_needs_a_reference_absolute_does_not() -> None:
    assert resolve_date("last year", None) is None
    assert resolve_date("on Friday", None) is None
    assert resolve_date("March 3, 2016", None) == (date(2016, 3, 3), "day", False)
    assert resolve_date("the 1990s", None) == (date(1990, 1, 1), "decade", False)
    assert looks_relative("last year") and looks_relative("recent years")
    assert not looks_relative("two years") and not looks_relative("March 3, 2016")


def test_tense_turns_bare_dates_forward_or_back() -> None:
    assert resolve_date("Friday", REF, tense="future") == (date(2017, 5, 5), "day", True)
    assert resolve_date("Tuesday", REF, tense="future") == (date(2017, 5, 2), "day", True)
    assert resolve_date("March", REF, tense="future") == (date(2018, 3, 1), "month", True)
    summer = date(2016, 7, 5)
    # a bare month-day takes the nearest occurrence unless the verb says which way
    assert resolve_date("Nov. 8", summer) == (date(2016, 11, 8), "day", True)
    assert resolve_date("Nov. 8", summer, tense="past") == (date(2015, 11, 8), "day", True)


def test_extract_dates_rows(nlp) -> None:
    text = (
        "The minister said on Tuesday that the talks collapsed last year. "
        "Rebels seized the town on Friday."
    )
    doc = nlp(text)
    rows = extract_dates(doc, PUBLISHED)
    assert rows == [
        {
            "text": "Tuesday",
            "start_char": 21,
            "end_char": 28,
            "resolved_date": date(2017, 5, 2),
            "precision": "day",
            "is_relative": True,
            "sentence_index": 0,
        },
        {
            "text": "last year",
            "start_char": 54,
            "end_char": 63,
            "resolved_date": date(2016, 1, 1),
            "precision": "year",
            "is_relative": True,
            "sentence_index": 0,
        },
        {
            "text": "Friday",
            "start_char": 91,
            "end_char": 97,
            "resolved_date": date(2017, 4, 28),
            "precision": "day",
            "is_relative": True,
            "sentence_index": 1,
        },
    ]
    for row in rows:
        assert text[row["start_char"] : row["end_char"]] == row["text"]


def test_extract_dates_future_tense_and_no_reference(nlp) -> None:
    doc = nlp("The council will vote on Friday on a budget drafted in the 1990s.")
    rows = {row["text"]: row for row in extract_dates(doc, PUBLISHED)}
    assert rows["Friday"]["resolved_date"] == date(2017, 5, 5)
    assert rows["the 1990s"]["resolved_date"] == date(1990, 1, 1)
    unanchored = {row["text"]: row for row in extract_dates(doc, None)}
    assert unanchored["Friday"]["resolved_date"] is None
    assert unanchored["Friday"]["precision"] is None
    assert unanchored["Friday"]["is_relative"] is True
    assert unanchored["the 1990s"]["precision"] == "decade"


def test_clock_times_are_not_years(nlp) -> None:
    doc = nlp("The plane was reported missing at 1335 GMT on Tuesday.")
    rows = extract_dates(doc, PUBLISHED)
    assert all(row["resolved_date"] is None for row in rows if row["text"] == "1335")


@pytest.mark.slow
def test_isot_sample(isot_docs, capsys) -> None:
    extracted = [
        (article, doc, extract_dates(doc, article["published_at"])) for article, doc in isot_docs
    ]
    anchored = resolved = rows_total = 0
    for article, doc, rows in extracted:
        published = article["published_at"]
        for row in rows:
            rows_total += 1
            assert set(row) == KEYS
            assert doc.text[row["start_char"] : row["end_char"]] == row["text"]
            assert 0 <= row["sentence_index"] < len(list(doc.sents))
            assert (row["precision"] is None) == (row["resolved_date"] is None)
            assert row["precision"] is None or row["precision"] in PRECISIONS
            if published is not None:
                anchored += 1
                resolved += row["resolved_date"] is not None
            day = row["resolved_date"]
            if day is None:
                continue
            assert date(1900, 1, 1) <= day < date(2100, 1, 1), row
            if row["is_relative"]:
                assert abs((day - published.date()).days) <= 30 * 366, row
    share = resolved / anchored
    with capsys.disabled():
        print(
            f"\nISOT dates: {rows_total} DATE entities in {len(extracted)} articles, "
            f"{resolved}/{anchored} with a reference resolved ({share:.1%})"
        )
    assert share > 0.7
