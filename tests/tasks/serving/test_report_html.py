from __future__ import annotations

import os
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pyarrow as pa
import pytest

from tasks import lake
from tasks.lake.views import load_views, register_views
from tasks.schema import ARTICLES, MENTIONS, PLACES, QUOTES
from tasks.serving.report_html import (
    CHARTS,
    bucketed_lines,
    build_report,
    cell_text,
    report_data,
    time_bucket,
)
from tests.browser import screenshot

pytestmark = pytest.mark.unit

PEOPLE = [
    "Donald Trump",
    "Vladimir Putin",
    "Angela Merkel",
    "Theresa May",
    "Xi Jinping",
    "Moon Jae-in",
]
ORGS = ["European Union", "NATO", "United Nations"]
COUNTRIES = {
    "US": ("Washington", 38.9, -77.0),
    "RU": ("Moscow", 55.8, 37.6),
    "DE": ("Berlin", 52.5, 13.4),
    "GB": ("London", 51.5, -0.1),
    "CN": ("Beijing", 39.9, 116.4),
}
SOURCES = ["wire", "feeds", "pages"]


def small_batch(days: int = 8, per_day: int = 3) -> dict[str, pa.Table]:
    """Return hand-written batch tables: articles over `days` days with mentions, places, quotes."""
    start = datetime(2017, 11, 1, 9, tzinfo=UTC)
    articles, mentions, places, quotes = [], [], [], []
    i = -1
    for day in range(days):
        for n in range(per_day + (day * 5) % 7):
            i += 1
            article_id = f"a{i:03d}"
            # a skewed, day-dependent cast so the trend lines differ
            people = PEOPLE[(day + n) % 3 : (day + n) % 3 + 1 + (i * 7 + day) % 4]
            org = ORGS[i % len(ORGS)]
            code = list(COUNTRIES)[i % 4 if n else 4]
            articles.append(
                {
                    "article_id": article_id,
                    "raw_id": f"r{i:03d}",
                    "source": SOURCES[i % len(SOURCES) if n % 2 else 0],
                    "source_kind": "csv",
                    "title": f"Story {i}",
                    "body": "Body text.",
                    "published_at": start + timedelta(days=day, hours=n),
                    "language": "en",
                    "word_count": 100 + i,
                    "content_hash": f"h{i:03d}",
                    "ingested_at": start + timedelta(days=days),
                    "run_id": "test",
                }
            )
            for k, name in enumerate([*people, org]):
                label = "ORG" if name == org else "PERSON"
                mentions.append(
                    {
                        "mention_id": f"{article_id}-m{k}",
                        "article_id": article_id,
                        "start_char": k * 10,
                        "end_char": k * 10 + len(name),
                        "text": name.split()[-1] if k else name,
                        "label": label,
                        "spacy_label": label,
                        "sentence_index": k,
                        "canonical_name": name,
                        "entity_id": f"{label}:{name}",
                    }
                )
            city, lat, lon = COUNTRIES[code]
            places.append(
                {
                    "place_id": f"{article_id}-p0",
                    "article_id": article_id,
                    "text": city,
                    "origin": "dateline",
                    "name": city,
                    "country_code": code,
                    "latitude": lat,
                    "longitude": lon,
                    "precision": "city",
                }
            )
            speaker = people[0]
            quotes.append(
                {
                    "quote_id": f"{article_id}-q0",
                    "article_id": article_id,
                    "quote_text": f"We will keep talking about issue {i} & <more> next week",
                    "speaker_text": speaker.split()[-1],
                    "speaker_entity_id": f"PERSON:{speaker}",
                    "cue": "said",
                    "attribution_method": "cue",
                    "sentence_index": 2,
                }
            )
    return {
        "articles": pa.Table.from_pylist(articles, schema=ARTICLES),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
        "places": pa.Table.from_pylist(places, schema=PLACES),
        "quotes": pa.Table.from_pylist(quotes, schema=QUOTES),
    }


def build_small_lake(
    path: Path, tables: dict[str, pa.Table] | None = None, catalog: str | None = None
) -> lake.LakeLocation:
    """Create a lake at `path` (SQLite catalog unless `catalog` names one) holding one committed
    batch and the views; return its location."""
    location = lake.LakeLocation.of(path, catalog)
    con = lake.connect(location)
    try:
        if tables is None:
            tables = small_batch()
        if tables:
            lake.commit_batch(con, tables)
        register_views(con, load_views())
    finally:
        con.close()
    return location


ARTICLE_COUNT = small_batch()["articles"].num_rows


@pytest.fixture
def small_lake(tmp_path: Path) -> lake.LakeLocation:
    return build_small_lake(tmp_path / "lake")


def test_report_data_reads_each_frame(small_lake: lake.LakeLocation) -> None:
    con = lake.connect(small_lake, read_only=True)
    try:
        data = report_data(con)
    finally:
        con.close()
    assert set(data["entity_trends"]["name"]) <= set(PEOPLE)
    assert data["entity_trends"]["name"].nunique() == 5
    assert set(data["top_entities"]["label"]) == {"PERSON", "ORG"}
    assert data["countries"]["country_code"].iloc[0] in COUNTRIES
    assert data["sources"]["articles"].sum() == ARTICLE_COUNT
    assert data["top_speakers"]["quotes"].sum() == ARTICLE_COUNT
    assert data["source_volume"]["articles"].sum() == ARTICLE_COUNT


def test_report_frames_match_counts_from_the_batch(tmp_path: Path) -> None:
    tables = small_batch()
    articles = tables["articles"].to_pylist()
    for i, article in enumerate(articles):  # several agencies a day, which the report sums
        article["agency"] = ["AP", "Reuters", None][i % 3]
    tables["articles"] = pa.Table.from_pylist(articles, schema=ARTICLES)
    con = lake.connect(build_small_lake(tmp_path / "lake", tables), read_only=True)
    try:
        data = report_data(con)
    finally:
        con.close()
    by_source = Counter(a["source"] for a in articles)
    assert list(data["sources"].itertuples(index=False, name=None)) == [
        (source, n, max(a["published_at"] for a in articles if a["source"] == source))
        for source, n in sorted(by_source.items(), key=lambda item: (-item[1], item[0]))
    ]
    by_day = Counter((a["published_at"].date(), a["source"]) for a in articles)
    assert list(data["source_volume"].itertuples(index=False, name=None)) == sorted(
        (day, source, n) for (day, source), n in by_day.items()
    )
    assert str(data["source_volume"]["articles"].dtype) == "int64"
    places = tables["places"].to_pylist()
    by_country = Counter(p["country_code"] for p in places)
    assert [tuple(row[:3]) for row in data["countries"].itertuples(index=False)] == [
        (code, n, 1) for code, n in sorted(by_country.items(), key=lambda item: (-item[1], item[0]))
    ]
    mentions = tables["mentions"].to_pylist()
    people = Counter(m["canonical_name"] for m in mentions if m["label"] == "PERSON")
    top = sorted(people, key=lambda name: (-people[name], name))[:5]
    dates = {a["article_id"]: a["published_at"].date() for a in articles}
    named = {(m["article_id"], m["canonical_name"]) for m in mentions if m["canonical_name"] in top}
    trends = Counter((dates[article_id], name) for article_id, name in named)
    assert list(data["entity_trends"].itertuples(index=False, name=None)) == sorted(
        (day, name, n) for (day, name), n in trends.items()
    )
    speakers = Counter(
        q["speaker_entity_id"].split(":", 1)[1] for q in tables["quotes"].to_pylist()
    )
    assert [tuple(row[:3]) for row in data["top_speakers"].itertuples(index=False)] == [
        (name, n, n) for name, n in sorted(speakers.items(), key=lambda item: (-item[1], item[0]))
    ]


def test_build_report_writes_self_contained_html_and_pngs(
    small_lake: lake.LakeLocation, tmp_path: Path
) -> None:
    con = lake.connect(small_lake, read_only=True)
    try:
        paths = build_report(con, tmp_path / "out", title="test report")
    finally:
        con.close()
    page = paths["report"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)
    assert "<script" not in page and "<link" not in page
    assert page.count('src="data:image/png;base64,') == len(CHARTS)
    for name in CHARTS:
        png = paths[name].read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) > 5_000, name
        assert f'id="chart-{name}"' in page
    for table in ("table-entities", "table-speakers", "table-sources"):
        assert f'<div id="{table}"><table>' in page
    assert "Donald Trump" in page and "&lt;more&gt;" in page and "2017-11-08" in page


def test_build_report_on_empty_lake_says_no_data(tmp_path: Path) -> None:
    location = build_small_lake(tmp_path / "lake", tables={})
    con = lake.connect(location, read_only=True)
    try:
        paths = build_report(con, tmp_path / "out")
    finally:
        con.close()
    page = paths["report"].read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == len(CHARTS)
    assert page.count('class="empty">no data') == 3
    assert all(paths[name].stat().st_size > 5_000 for name in CHARTS)


def test_cell_text_formats_dates_lists_and_nulls() -> None:
    assert cell_text(datetime(2017, 11, 8, 14, 5, tzinfo=UTC)) == "2017-11-08 14:05"
    assert cell_text(["a", "b"]) == "a, b"
    assert cell_text(None) == "" and cell_text(float("nan")) == ""
    assert cell_text(3) == "3"


@pytest.mark.slow
def test_report_renders_in_headless_chromium(small_lake: lake.LakeLocation, tmp_path: Path) -> None:
    con = lake.connect(small_lake, read_only=True)
    try:
        paths = build_report(con, tmp_path / "out")
    finally:
        con.close()
    shot = Path(os.environ.get("NEWSLAKE_REPORT_SHOT", tmp_path / "report.png"))
    data = screenshot(paths["report"], shot, size="1280,2000")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@pytest.mark.parametrize(
    ("days", "unit"), [(30, "day"), (92, "day"), (93, "week"), (700, "week"), (800, "month")]
)
def test_time_bucket_widens_with_the_span(days: int, unit: str) -> None:
    dates = pd.Series([date(2017, 1, 1), date(2017, 1, 1) + timedelta(days=days)])
    assert time_bucket(dates)[1] == unit


def test_long_spans_are_drawn_per_month_and_keep_every_article() -> None:
    start = date(2015, 1, 1)
    data = pd.DataFrame(
        {
            "published_date": [start + timedelta(days=d) for d in range(0, 900, 3)],
            "source": "wire",
            "articles": 2,
        }
    )
    fig, ax = plt.subplots()
    try:
        assert bucketed_lines(ax, data, "source") == "month"
        (line,) = ax.get_lines()
        assert sum(line.get_ydata()) == 2 * len(data)
        assert len(line.get_xdata()) == 30  # Jan 2015 .. Jun 2017
    finally:
        plt.close(fig)
