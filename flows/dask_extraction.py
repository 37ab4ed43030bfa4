"""Extraction on a Dask cluster, through Prefect's Dask task runner: one task run per chunk.

The run (the driver) keeps reading, parsing, deduping, validating and committing, in order; only
`extract_chunk` runs on the cluster. A batch is cut into the chunks `ExtractionPool` cuts and
put back together in their order, so the tables are the same, row for row, as a local run's.

The flow keeps its own task runner: this one is entered for the run's extraction only, so a
deployment's parameters (`dask_address`, `dask_workers`) choose the cluster, not the call site.
Each chunk is a Prefect task run reported by the worker that runs it, so the workers must reach
the Prefect API the run uses.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from tasks.extraction.dask_worker import ModelPlugin
from tasks.extraction.pool import PendingExtraction, extraction_chunks
from tasks.extraction.worker import ChunkRows, extract_chunk, model_language


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_on_worker(model: str, inputs: list[dict[str, Any]]) -> ChunkRows:
    """Return one chunk's child rows and per-article fields (on a Dask worker)."""
    return extract_chunk(model, inputs)


@task(cache_policy=NO_CACHE, persist_result=False)
def pipeline_language(model: str) -> str:
    """Return the model's language, as a worker loaded it."""
    return model_language(model)


def task_runner(address: str | None, workers: int | None) -> DaskTaskRunner:
    """Return a Dask task runner for the cluster at `address`, else a local one of `workers`."""
    if address:
        return DaskTaskRunner(address=address)
    # processes of one thread each: spaCy holds the GIL, so threads in one process would queue
    cluster = {"n_workers": workers or 1, "threads_per_worker": 1, "processes": True}
    return DaskTaskRunner(cluster_kwargs=cluster | {"dashboard_address": None})


class DaskExtraction:
    """The run's extraction on a Dask cluster, with `ExtractionPool`'s interface.

    Connecting registers a worker plugin that loads the model on every worker (and on workers
    that join later); it returns once each worker has loaded it, so a model that cannot load
    fails the run here, with the worker's error.
    """

    def __init__(self, model: str, address: str | None = None, workers: int | None = None) -> None:
        self.model = model
        self._runner: DaskTaskRunner | None = task_runner(address, workers).__enter__()
        try:
            self._runner.client.register_plugin(ModelPlugin(model), name="newslake-model")
        except BaseException:
            self.close()
            raise

    def _started(self) -> DaskTaskRunner:
        if self._runner is None:
            raise RuntimeError("the Dask extraction is closed")
        return self._runner

    def submit(self, articles: pa.Table) -> PendingExtraction:
        """Start extracting a batch's articles; the result keeps the batch's article order."""
        runner = self._started()
        futures = [
            runner.submit(extract_on_worker, {"model": self.model, "inputs": chunk})
            for chunk in extraction_chunks(articles)
        ]
        return PendingExtraction(articles, futures)

    def language(self) -> str:
        """Return the pipeline's language, as a worker loaded it."""
        return self._started().submit(pipeline_language, {"model": self.model}).result()

    def close(self) -> None:
        """Disconnect from the cluster (and stop it, when this run started it)."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.__exit__(None, None, None)

    def __enter__(self) -> DaskExtraction:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
