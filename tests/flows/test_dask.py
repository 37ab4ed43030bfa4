from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from flows.cli_ingest import ingest_parameters
from flows.dask_extraction import task_runner
from flows.settings import Settings
from tests.dask_cluster import dask_cluster
from tests.flows.test_extract import TABLES, snapshot

STORIES = 300


def isot_head(isot_csv: Path, out: Path, stories: int) -> Path:
    """Write the header and the first `stories` ISOT rows to `out`."""
    with isot_csv.open(newline="", encoding="utf-8") as source:
        rows = list(itertools.islice(csv.reader(source), stories + 1))
    with out.open("w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows(rows)
    return out


@pytest.mark.unit
def test_dask_settings_reach_the_flow(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no newslake.toml
    monkeypatch.setenv("NEWSLAKE_DASK_ADDRESS", "tcp://scheduler:8786")
    monkeypatch.setenv("NEWSLAKE_DASK_WORKERS", "3")
    settings = Settings()
    parameters = ingest_parameters(settings, settings.sources, tmp_path / "lake")
    assert parameters["dask_address"] == "tcp://scheduler:8786"
    assert parameters["dask_workers"] == 3


@pytest.mark.unit
def test_an_address_wins_over_a_local_cluster() -> None:
    assert task_runner("tcp://scheduler:8786", 4).address == "tcp://scheduler:8786"
    local = task_runner(None, 4)
    assert local.address is None
    assert local.cluster_kwargs["n_workers"] == 4
    assert local.cluster_kwargs["threads_per_worker"] == 1


@pytest.mark.integration
@pytest.mark.slow
def test_extraction_on_a_dask_cluster_matches_a_local_run_row_for_row(
    run_ingest, isot_csv: Path, tmp_path: Path
) -> None:
    """300 stories: local worker processes vs a scheduler and two workers, pipelined batches;
    then `newslake extract` on the same cluster over a lake ingested without extraction.

    Validation is off in the runs: it runs on the driver either way, and costs the test time.
    """
    from flows.extract import reextract

    sample = isot_head(isot_csv, tmp_path / "isot_head.csv", STORIES)
    spec = {"name": "isot", "kind": "csv", "path": str(sample)}
    local, on_dask, later = tmp_path / "local", tmp_path / "dask", tmp_path / "later"
    options = {"extract": True, "validate_batches": False}
    with dask_cluster(tmp_path / "cluster", workers=2) as address:
        first = run_ingest(spec, lake=local, n_process=2, batch_size=500, **options)
        second = run_ingest(spec, lake=on_dask, dask_address=address, batch_size=100, **options)
        run_ingest(spec, lake=later, extract=False, validate_batches=False)
        extracted = reextract(
            lake_path=str(later), everything=False, dask_address=address, batch_size=100
        )
    assert first["totals"] == second["totals"] and first["totals"]["articles_new"] == STORIES
    assert extracted["articles"] == STORIES
    expected = snapshot(local)
    assert all(expected[name] for name in TABLES)
    assert snapshot(on_dask) == expected
    assert snapshot(later) == expected
