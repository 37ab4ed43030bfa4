"""Tests for tasks/quality/date_quality.py: the hand-labelled pages and the accuracy floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.quality.date_quality import evaluate, load_labels, summarise

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LABELS_FILE = FIXTURES / "labels" / "dates.json"
OWN_PAGES = FIXTURES / "dates"
# measured on this set (2026-12): newslake 0.949, htmldate alone 0.882 (136 pages)
DAY_FLOOR = 0.93


@pytest.mark.unit
def test_the_labels_file_holds_names_and_dates_only() -> None:
    data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
    for row in data["pages"]:
        assert set(row) <= {"file", "set", "date", "utc_offset_minutes", "note"}
        assert row["set"] in {"corpus", "own"}
        assert len(row.get("note", "")) <= 120  # a reason, never page text
    own = [row["file"] for row in data["pages"] if row["set"] == "own"]
    assert sorted(own) == sorted(p.name for p in OWN_PAGES.glob("*.html"))


@pytest.mark.unit
def test_our_own_hard_pages_are_all_dated_as_printed(tmp_path: Path) -> None:
    pages, fetched_at = load_labels(LABELS_FILE, tmp_path, OWN_PAGES)
    own = [p for p in pages if p.set == "own"]
    summary = summarise(evaluate(own, fetched_at))["own"]
    assert (summary["newslake"], summary["newslake_offset"]) == (1.0, 1.0)


@pytest.mark.slow
def test_date_accuracy_stays_above_its_floor_and_htmldate(html_dir: Path) -> None:
    pages, fetched_at = load_labels(LABELS_FILE, html_dir, OWN_PAGES)
    assert all(p.path.is_file() for p in pages)
    summary = summarise(evaluate(pages, fetched_at))["all"]
    assert summary["pages"] == len(pages)
    assert summary["newslake"] >= DAY_FLOOR, summary
    assert summary["newslake"] >= summary["htmldate"] + 0.02, summary
