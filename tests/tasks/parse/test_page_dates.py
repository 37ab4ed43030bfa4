"""Tests for tasks/parse/page_dates.py: dates as printed, and the plausibility rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tasks.documents.normalise import local_calendar
from tasks.parse.page_dates import DateCandidate, choose_date, is_plausible
from tasks.records import CSV_ROW, FEED_ITEM, HTML
from tests.tasks.parse.support import parsed, record

pytestmark = pytest.mark.unit

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "dates"
FETCHED = datetime(2026, 12, 1, tzinfo=UTC)


def _zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("page", "utc", "local", "offset"),
    [
        # 00:30 at +02:00 is 22:30 UTC the day before: the printed day is the 15th
        (
            "midnight_plus_two.html",
            datetime(2020, 2, 14, 22, 30, tzinfo=UTC),
            date(2020, 2, 15),
            120,
        ),
        # 22:00 at -05:00 is 03:00 UTC the day after: the printed day is the 14th
        (
            "midnight_minus_five.html",
            datetime(2020, 2, 15, 3, 0, tzinfo=UTC),
            date(2020, 2, 14),
            -300,
        ),
        ("hawaii_new_year.html", datetime(2023, 1, 1, 7, 30, tzinfo=UTC), date(2022, 12, 31), -600),
    ],
)
def test_offsets_either_side_of_midnight_keep_the_printed_day(
    page: str, utc: datetime, local: date, offset: int
) -> None:
    doc = parsed(record((PAGES / page).read_bytes(), HTML))
    assert (doc.published_at, doc.published_utc_offset_minutes) == (utc, offset)
    assert doc.published_at_precision == "second"
    assert local_calendar(doc.published_at, doc.published_utc_offset_minutes) == (local, offset)


def test_day_only_meta_takes_time_and_offset_from_a_time_element() -> None:
    doc = parsed(record((PAGES / "day_meta_timed_element.html").read_bytes(), HTML))
    assert doc.published_at == datetime(2020, 7, 5, 6, 30, tzinfo=UTC)
    assert local_calendar(doc.published_at, doc.published_utc_offset_minutes) == (
        date(2020, 7, 4),
        -420,
    )


def test_no_offset_means_the_utc_date_and_a_null_offset() -> None:
    doc = parsed(record((PAGES / "url_only.html").read_bytes(), HTML))
    assert (doc.published_at_source, doc.published_at_precision) == ("url", "day")
    assert local_calendar(doc.published_at, doc.published_utc_offset_minutes) == (
        date(2019, 11, 8),
        None,
    )


def test_dates_after_the_fetch_are_never_chosen() -> None:
    doc = parsed(record((PAGES / "future_only_meta.html").read_bytes(), HTML))
    assert doc.published_at == datetime(2016, 10, 12, tzinfo=UTC)
    later = DateCandidate("meta", datetime(2026, 12, 1, 0, 1, tzinfo=UTC), "second")
    assert not is_plausible(later, [], FETCHED)
    # a day may run ahead of UTC by one: a page east of Greenwich fetched just after midnight
    assert is_plausible(DateCandidate("meta", datetime(2026, 12, 2), "day"), [], FETCHED)
    assert not is_plausible(DateCandidate("meta", datetime(2026, 12, 3), "day"), [], FETCHED)


def test_a_far_year_needs_an_independent_second_source() -> None:
    template = DateCandidate("meta", datetime(2009, 9, 2, tzinfo=_zone(-240)), "second")
    htmldate = DateCandidate("htmldate", datetime(2009, 9, 2), "day")
    url = DateCandidate("url", datetime(2018, 7, 21), "day")
    timed = DateCandidate("time_any", datetime(2018, 7, 21, 14, 5, tzinfo=_zone(-240)), "second")
    everything = [template, htmldate, url, timed]
    # htmldate read the same meta tag: its agreement does not count
    assert not is_plausible(template, everything, FETCHED)
    chosen = choose_date(everything, FETCHED)
    assert chosen is not None
    assert (chosen.local_date, chosen.utc_offset_minutes) == (date(2018, 7, 21), -240)
    # two independent sources agreeing on the old day make it stand
    jsonld = DateCandidate("jsonld", datetime(2009, 9, 2, 8, 0, tzinfo=UTC), "second")
    assert is_plausible(template, [*everything, jsonld], FETCHED)
    # a tie is no majority: an archive excerpt does not outvote the article's date and
    # htmldate's reading of the page
    archive = DateCandidate("time_any", datetime(2015, 4, 2, 10, tzinfo=UTC), "second")
    article = DateCandidate("time", datetime(2023, 6, 12, 8, tzinfo=_zone(60)), "second")
    reading = DateCandidate("htmldate", datetime(2023, 6, 12), "day")
    assert is_plausible(article, [article, reading, archive], FETCHED)


def test_the_trap_pages_give_the_published_day() -> None:
    expected = {
        "copyright_year.html": date(2021, 3, 4),
        "last_updated.html": date(2022, 3, 3),
        "old_embedded_story.html": date(2023, 6, 12),
        "future_event.html": date(2021, 5, 4),
        "template_year.html": date(2018, 7, 21),
    }
    for page, day in expected.items():
        doc = parsed(record((PAGES / page).read_bytes(), HTML))
        found = local_calendar(doc.published_at, doc.published_utc_offset_minutes)[0]
        assert found == day, page


def test_utc_and_local_writings_of_one_moment_keep_the_local_offset() -> None:
    parsely = DateCandidate("meta", datetime(2014, 12, 17, 3, 25, tzinfo=UTC), "second")
    printed = DateCandidate("time", datetime(2014, 12, 16, 22, 25, tzinfo=_zone(-300)), "second")
    chosen = choose_date([parsely, printed], FETCHED)
    assert chosen is not None
    assert (chosen.local_date, chosen.utc_offset_minutes) == (date(2014, 12, 16), -300)


def test_feed_items_and_rows_keep_their_offsets() -> None:
    item = {
        "title": "Ferry timetable",
        "summary": "The night ferry runs every forty minutes until the pier is rebuilt.",
        "published": "Sat, 15 Feb 2020 00:30:00 +0200",
        "published_parsed": "2020-02-14T22:30:00+00:00",
    }
    doc = parsed(record(json.dumps(item).encode(), FEED_ITEM))
    assert (doc.published_at, doc.published_utc_offset_minutes) == (
        datetime(2020, 2, 14, 22, 30, tzinfo=UTC),
        120,
    )
    row = {"title": "Library vote", "text": "The council voted to keep the library open.",
           "date": "2020-02-14T22:00:00-05:00"}  # fmt: skip
    doc = parsed(record(json.dumps(row).encode(), CSV_ROW))
    assert local_calendar(doc.published_at, doc.published_utc_offset_minutes) == (
        date(2020, 2, 14),
        -300,
    )
