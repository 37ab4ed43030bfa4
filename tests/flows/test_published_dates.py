"""Dates as published through a run: HTML pages with offsets either side of midnight."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "dates"


def test_offsets_either_side_of_midnight_count_on_the_printed_day(
    run_ingest: Any, lake_query: Any, tmp_path: Path
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("midnight_plus_two.html", "midnight_minus_five.html"):
        shutil.copy(PAGES / name, pages / name)
    run_ingest({"name": "pages", "kind": "html", "path": str(pages)})
    rows = lake_query(
        "select title, cast(published_at as date), published_local_date, "
        "published_utc_offset_minutes from stg_articles order by title"
    )
    assert rows == [
        # 22:00 at -05:00: the UTC date is the 15th, the printed one the 14th
        ("Council votes to keep the old library open", date(2020, 2, 15), date(2020, 2, 14), -300),
        # 00:30 at +02:00: the UTC date is the 14th, the printed one the 15th
        ("Harbour ferry timetable changes after storm", date(2020, 2, 14), date(2020, 2, 15), 120),
    ]
    per_day = lake_query(
        "select published_date, articles from mart_articles_per_day order by published_date"
    )
    assert per_day == [(date(2020, 2, 14), 1), (date(2020, 2, 15), 1)]
