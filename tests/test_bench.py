from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def load_bench(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ingest_bench_replicates_with_new_ids_and_reports(isot_csv: Path, tmp_path: Path) -> None:
    bench = load_bench("ingest")
    csv.field_size_limit(sys.maxsize)
    head = tmp_path / "head.csv"
    with isot_csv.open(newline="", encoding="utf-8") as src, head.open("w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(row for _, row in zip(range(40), reader, strict=False))
    tripled = bench.replicate(head, 3, tmp_path / "x3.csv")
    figures = bench.ingest_once(tripled, tmp_path / "lake", batch_size=25)
    assert figures["articles"] == 120
    assert figures["per_s"] > 0 and figures["peak_rss_mb"] > 0
