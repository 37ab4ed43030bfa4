"""What a Dask worker holds for extraction: the spaCy model, loaded once when the worker starts."""

from __future__ import annotations

from distributed import Worker
from distributed.diagnostics.plugin import WorkerPlugin

from tasks.extraction.worker import warm_up


class ModelPlugin(WorkerPlugin):
    """Load the model and warm every extractor on each worker, at registration or worker start.

    The model stays in the worker process (`load_nlp` caches it), so each chunk a worker takes
    reuses it; a worker that joins the cluster later loads it as it starts.
    """

    def __init__(self, model: str) -> None:
        self.model = model

    def setup(self, worker: Worker) -> None:
        """Load the model in this worker's process."""
        warm_up(self.model)
