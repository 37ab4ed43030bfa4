from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One throwaway Prefect server for the whole session (~15 s once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def run_ingest(prefect_harness: None, tmp_path: Path):
    """Return a function that runs the ingest flow into a lake under tmp_path."""
    from flows.ingest import ingest
    from flows.settings import SourceSpec

    def run(*specs: dict[str, Any], lake: Path | None = None, **options: Any) -> dict[str, Any]:
        """Run ingest; extraction (spaCy, slow) only when a test asks for it."""
        sources = [SourceSpec(**spec) for spec in specs]
        options.setdefault("extract", False)
        return ingest(sources=sources, lake_path=str(lake or tmp_path / "lake"), **options)

    return run


@pytest.fixture
def lake_query(tmp_path: Path):
    """Return a function that runs a query on a lake (default: the test's) and fetches rows."""
    from tasks import lake

    def query(sql: str, path: Path | None = None) -> list[tuple[Any, ...]]:
        con = lake.connect(lake.LakeLocation.local(path or tmp_path / "lake"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    return query
