"""Extraction for a whole run: spaCy and the extractors in worker processes started once.

A run submits each batch's articles and goes on reading, parsing and committing while the
workers extract; it collects the batch's tables when it needs them, in the order it submitted.
Each worker loads the model once, at start. With one process, extraction runs in the caller's
process when the batch is collected, which is what a test or a one-core machine wants.

The rows are the same, row for row, as one `extract_tables` call over the whole batch: chunks
are cut in article order and put back together in that order, and every row id depends only on
its article.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

import pyarrow as pa

from tasks.extraction.batch_output import CHILD_SCHEMAS, child_tables, with_fields
from tasks.extraction.worker import extract_chunk, model_language, warm_up

# articles per task a worker takes: small enough that the workers finish a batch together,
# large enough that shipping the rows back costs little beside spaCy
CHUNK_ARTICLES = 40


def default_processes() -> int:
    """Return the number of cores this process may use (the default `n_process`)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def extraction_chunks(articles: pa.Table) -> list[list[dict[str, Any]]]:
    """Return the inputs extraction reads from a batch's articles, in chunks, in article order."""
    columns = ["article_id", "body", "published_at", "dateline_places", "language"]
    inputs = articles.select(columns).to_pylist()
    return [inputs[i : i + CHUNK_ARTICLES] for i in range(0, len(inputs), CHUNK_ARTICLES)]


class ChunkResult(Protocol):
    """A chunk's future: a process pool's `Future`, or a Prefect future from a Dask cluster."""

    def result(self) -> Any: ...


class PendingExtraction:
    """One submitted batch; `result()` waits for it and returns what `extract_tables` would."""

    def __init__(
        self, articles: pa.Table, parts: Sequence[ChunkResult] | Callable[[], list]
    ) -> None:
        self.articles = articles
        self._parts = parts

    def result(self) -> tuple[dict[str, pa.Table], pa.Table]:
        parts = self._parts() if callable(self._parts) else [f.result() for f in self._parts]
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in CHILD_SCHEMAS}
        fields: dict[str, dict[str, Any]] = {}
        for part_rows, part_fields in parts:
            for name, table_rows in part_rows.items():
                rows[name].extend(table_rows)
            fields.update(part_fields)
        return child_tables(rows), with_fields(self.articles, fields)


class Extractor(Protocol):
    """What a run extracts with: this module's `ExtractionPool`, or a Dask cluster's."""

    def submit(self, articles: pa.Table) -> PendingExtraction: ...

    def language(self) -> str: ...

    def close(self) -> None: ...

    def __enter__(self) -> Extractor: ...

    def __exit__(self, *exc: object) -> None: ...


class ExtractionPool:
    """The run's extraction workers: `submit` a batch's articles, later `result()` it.

    Use it as a context manager: the workers stop when the run ends, however it ends.
    """

    def __init__(self, model: str, processes: int) -> None:
        self.model = model
        self.processes = max(1, processes)
        self._executor: ProcessPoolExecutor | None = None
        if self.processes > 1:
            # spawned, not forked: the run has threads (Prefect's), and a forked child could
            # inherit one of their locks held
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=warm_up,
                initargs=(model,),
            )
            for _ in range(self.processes):  # start every worker now: the model loads meanwhile
                self._executor.submit(os.getpid)

    def submit(self, articles: pa.Table) -> PendingExtraction:
        """Start extracting a batch's articles; the result keeps the batch's article order."""
        chunks = extraction_chunks(articles)
        if self._executor is None:
            inputs = [article for chunk in chunks for article in chunk]
            return PendingExtraction(articles, lambda: [extract_chunk(self.model, inputs)])
        futures = [self._executor.submit(extract_chunk, self.model, chunk) for chunk in chunks]
        return PendingExtraction(articles, futures)

    def language(self) -> str:
        """Return the pipeline's language, as a worker loaded it."""
        if self._executor is None:
            return model_language(self.model)
        return self._executor.submit(model_language, self.model).result()

    def close(self) -> None:
        """Stop the workers (pending work is cancelled)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
