"""A lake written before the local-date columns existed stays readable and writable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tasks import lake
from tasks.lake.views import load_views, register_views

pytestmark = pytest.mark.integration

# stg_articles as the version before the local date defined it
OLD_STAGING = (
    "select article_id, published_at, cast(published_at as date) as published_date from articles"
)


def _make_old_lake(path: Path) -> None:
    con = lake.connect(lake.LakeLocation.local(path))
    try:
        con.execute("alter table articles drop column published_local_date")
        con.execute("alter table articles drop column published_utc_offset_minutes")
        con.execute(f"create or replace view stg_articles as {OLD_STAGING}")
        con.execute(
            "insert into articles (article_id, published_at) "
            "values ('old', timestamptz '2020-02-14 22:30:00+00')"
        )
    finally:
        con.close()


def test_an_old_lake_reads_then_gains_the_columns_on_write(tmp_path: Path) -> None:
    path = tmp_path / "lake"
    _make_old_lake(path)
    reader = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:  # the new staging view needs a column the lake lacks: the lake's own view stays
        assert reader.execute("select published_date from stg_articles").fetchall() == [
            (date(2020, 2, 14),)
        ]
    finally:
        reader.close()
    writer = lake.connect(lake.LakeLocation.local(path))
    try:
        register_views(writer, load_views())
        rows = writer.execute(
            "select published_date, published_local_date, published_utc_offset_minutes "
            "from stg_articles"
        ).fetchall()
    finally:
        writer.close()
    # rows written before the columns: no local date, so the day is the UTC date
    assert rows == [(date(2020, 2, 14), None, None)]
