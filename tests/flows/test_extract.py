from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from tasks import lake
from tasks.quality.extraction_report import extraction_report

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("mentions", "entities", "places", "quotes", "date_mentions", "amounts")


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Return every extracted table's rows, sorted, plus the articles' tone and focus."""
    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:
        tables = {
            name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
            for name in TABLES
        }
        tables["articles"] = sorted(
            con.execute("select article_id, tone, focus_country from articles").fetchall()
        )
        return tables
    finally:
        con.close()


def test_isot_extraction_coverage_and_offsets(run_ingest, isot_csv: Path, tmp_path: Path) -> None:
    spec = {"name": "isot", "kind": "csv", "path": str(isot_csv)}
    summary = run_ingest(spec, extract=True, n_process=2)  # and spaCy in worker processes
    assert summary["totals"]["articles_new"] == 1071
    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"), read_only=True)
    figures = extraction_report(con)
    failed = con.execute(
        "select suite, expectation, observed_value from validation_results where not success"
    ).fetchall()
    suites = {
        row[0] for row in con.execute("select distinct suite from validation_results").fetchall()
    }
    rejected = con.execute("select count(*) from rejected").fetchone()
    con.close()
    assert failed == [] and rejected == (0,)
    assert len(suites) == 8
    print(figures)
    assert figures["articles"] == 1071
    assert figures["offset_mismatches"] == dict.fromkeys(figures["offset_mismatches"], 0)
    assert figures["share_with_both"] >= 0.98
    assert figures["curly_passages"] > 300
    assert figures["share_passages_covered"] == 1.0
    assert figures["share_passages_with_speaker"] >= 0.75
    assert all(figures["rows"][name] > 0 for name in TABLES)


def test_extract_all_replaces_and_is_idempotent(run_ingest, tmp_path: Path) -> None:
    from flows.extract import reextract

    path = tmp_path / "lake"
    run_ingest({"name": "examples", "kind": "folder", "path": str(ROOT / "examples")}, extract=True)
    at_ingest = snapshot(path)
    assert len(at_ingest["mentions"]) > 100 and len(at_ingest["quotes"]) > 10
    first = reextract(lake_path=str(path), everything=True)
    after_first = snapshot(path)
    second = reextract(lake_path=str(path), everything=True)
    assert first == second and first["articles"] == 20
    assert snapshot(path) == after_first == at_ingest


def test_extract_without_all_fills_only_unextracted_articles(run_ingest, tmp_path: Path) -> None:
    from flows.extract import reextract

    path = tmp_path / "lake"
    run_ingest({"name": "examples", "kind": "folder", "path": str(ROOT / "examples")})
    assert snapshot(path)["mentions"] == []
    counts = reextract(lake_path=str(path), everything=False)
    assert counts["articles"] == 20 and counts["mentions"] > 100
    assert reextract(lake_path=str(path), everything=False)["articles"] == 0


def test_extraction_in_worker_processes_matches_one_process_row_for_row(
    run_ingest, isot_csv: Path, tmp_path: Path
) -> None:
    """Pipelined batches in worker processes give the tables of one in-process extraction."""
    sample = tmp_path / "isot_head.csv"
    with isot_csv.open(newline="", encoding="utf-8") as source:
        rows = list(itertools.islice(csv.reader(source), 161))  # the header and 160 stories
    with sample.open("w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows(rows)
    spec = {"name": "isot", "kind": "csv", "path": str(sample)}
    one, pooled = tmp_path / "one", tmp_path / "pooled"
    first = run_ingest(spec, lake=one, extract=True, n_process=1, batch_size=500)
    second = run_ingest(spec, lake=pooled, extract=True, n_process=2, batch_size=35)
    assert first["totals"] == second["totals"] and first["totals"]["articles_new"] == 160
    expected, got = snapshot(one), snapshot(pooled)
    assert all(expected[name] for name in TABLES)
    assert got == expected
