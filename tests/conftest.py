"""Shared fixtures: the real corpora in ../shared/corpora (skipped when absent, failed in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("NEWSLAKE_CORPORA", ROOT.parent / "shared" / "corpora"))


def corpus_path(*parts: str) -> Path:
    """Return a path inside ../shared/corpora, skipping the test (failing under CI) when absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        message = f"corpus not found at {path} (../shared/corpora is beside the checkout in CI)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def isot_csv() -> Path:
    return corpus_path("isot-true-sample", "true_sample.csv")


@pytest.fixture(scope="session")
def bbc_dir() -> Path:
    return corpus_path("bbc-news", "bbc")


@pytest.fixture(scope="session")
def html_dir() -> Path:
    return corpus_path("newspaper-fixtures", "html")


@pytest.fixture(scope="session")
def feeds_dir() -> Path:
    return corpus_path("rss-feeds")
