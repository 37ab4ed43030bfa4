"""What an extraction worker process runs: load the model once, extract chunks of articles.

A worker imports spaCy and the extractors but no Arrow: it sends plain rows back, and the run's
process makes the tables (`batch_output.child_tables`). pyarrow and the pandas that pyarrow's
table builders import would cost each worker about 80 MB.
"""

from __future__ import annotations

import contextlib
from typing import Any

# a story of our own that takes every extractor's path once, so each worker's first batch does
# not pay for the gazetteer, the date parser's tables and the rest
WARM_UP = {
    "article_id": "warm-up",
    "body": 'HARBOURVILLE, New Zealand (Reuters) - The mayor said on Tuesday that "the harbour '
    'will reopen next week", after the council set aside $5 million, or 12 percent of its '
    "budget, on March 3.",
    "published_at": None,
    "dateline_places": [{"name": "Harbourville", "region": "New Zealand"}],
    "language": "en",
}

# a chunk's result: each child table's rows, and the per-article fields by article id
ChunkRows = tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]


def warm_up(model: str) -> None:
    """Load the model and everything the extractors build on first use (a worker's start).

    A model that cannot load fails the pool, and so the run, with its error; a warm-up story
    that failed would fail every real one as well, so it is left to the first batch to show.
    """
    from tasks.extraction.nlp import load_nlp

    load_nlp(model)
    with contextlib.suppress(Exception):
        extract_chunk(model, [WARM_UP])


def model_language(model: str) -> str:
    """Return the language of a model's pipeline, e.g. "en" (loads it in this process)."""
    from tasks.extraction.nlp import load_nlp

    return load_nlp(model).lang or "en"


def extract_chunk(model: str, inputs: list[dict[str, Any]]) -> ChunkRows:
    """Return the child rows and per-article fields of some articles."""
    from tasks.extraction.nlp import load_nlp
    from tasks.extraction.tables import extract_articles, in_language

    nlp = load_nlp(model)
    extraction = extract_articles(nlp, in_language(inputs, nlp.lang or "en"))
    return extraction.rows, extraction.article_fields
