"""Tests for tasks/parse/dates.py: the one reading of date values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tasks.parse import as_utc, parse_date_value, read_date_value

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("October 6, 2017 ", datetime(2017, 10, 6, tzinfo=UTC), "day"),
        ("Dec 31, 2016", datetime(2016, 12, 31, tzinfo=UTC), "day"),
        ("2017-10-06", datetime(2017, 10, 6, tzinfo=UTC), "day"),
        ("2017-10-06T12:30:00+02:00", datetime(2017, 10, 6, 10, 30, tzinfo=UTC), "second"),
        ("2017-10-06T12:30:00Z", datetime(2017, 10, 6, 12, 30, tzinfo=UTC), "second"),
        ("2017-10-06 12:30:00", datetime(2017, 10, 6, 12, 30, tzinfo=UTC), "second"),
        ("1987", datetime(1987, 1, 1, tzinfo=UTC), "year"),
        (1987, datetime(1987, 1, 1, tzinfo=UTC), "year"),
        ("Mon, 02 Jan 2017 10:00:00 EST", datetime(2017, 1, 2, 15, 0, tzinfo=UTC), "second"),
        (
            "Seg, 24 Set 2018 19:42:40 -0300",
            datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC),
            "second",
        ),
    ],
)
def test_parse_date_value(value: object, expected: datetime, precision: str) -> None:
    assert parse_date_value(value) == (expected, precision)


@pytest.mark.parametrize(
    "value", ["", "  ", "soon", "2019-02-30", "2019-13-01T00:00:00", None, True]
)
def test_parse_date_value_rejects(value: object) -> None:
    assert parse_date_value(value) is None


def test_read_date_value_keeps_the_written_zone() -> None:
    stamp, precision = read_date_value("2014-12-15T12:56-5:00") or (None, None)
    assert precision == "second" and stamp is not None
    assert (stamp.hour, stamp.utcoffset()) == (12, timedelta(hours=-5))
    assert parse_date_value("2014-12-15T12:56-5:00") == (
        datetime(2014, 12, 15, 17, 56, tzinfo=UTC),
        "second",
    )
    assert as_utc(datetime(2024, 1, 1, 9)) == datetime(2024, 1, 1, 9, tzinfo=UTC)
