"""The extract flow: re-derive every extracted table from the stored articles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows import steps
from flows.settings import restore_secrets
from tasks import lake
from tasks.extraction.nlp import DEFAULT_MODEL
from tasks.extraction.pool import Extractor, default_processes
from tasks.lake.lock import lake_writer_lock
from tasks.table_keys import EXTRACTED_TABLES


def extract_stored(con: Any, pool: Extractor, batch_size: int, only_missing: bool) -> int:
    """Re-extract stored articles batch by batch, one batch ahead of its replace; return them."""
    articles, pending = 0, None
    knowledge = steps.read_entity_knowledge(con)  # what the lake knew before this re-extraction
    for batch in lake.article_batches(con, batch_size, pool.language(), only_missing=only_missing):
        submitted = steps.submit_extraction(pool, batch)  # the workers start on this one ...
        if pending is not None:  # ... while the one before is replaced
            steps.replace_extraction(con, *steps.collect_stored(pending, knowledge))
        pending, articles = submitted, articles + batch.num_rows
    if pending is not None:
        steps.replace_extraction(con, *steps.collect_stored(pending, knowledge))
    return articles


@flow(name="extract")
def reextract(
    lake_path: str = "lake",
    catalog: str | None = None,
    data_path: str | None = None,
    everything: bool = True,
    spacy_model: str = DEFAULT_MODEL,
    n_process: int | None = None,
    dask_address: str | None = None,
    dask_workers: int | None = None,
    batch_size: int = 1000,
    writer_wait_s: float = 0.0,
) -> dict[str, int]:
    """Re-run extraction over stored articles (all, or never-extracted ones) and replace rows."""
    logger = get_run_logger()
    catalog, _ = restore_secrets(catalog, None)
    location = lake.LakeLocation.of(lake_path, catalog, data_path)
    with lake_writer_lock(location.catalog, Path(lake_path).resolve(), writer_wait_s):
        con = steps.open_lake(location)
        processes = n_process or default_processes()
        with steps.start_extraction(spacy_model, processes, dask_address, dask_workers) as pool:
            articles = extract_stored(con, pool, batch_size, only_missing=not everything)
        if everything and articles:
            # re-extraction subtracted old counts exactly; first/last dates and samples of the
            # additive summaries are made exact again here, and pending days recomputed
            steps.rebuild_summaries(con)
        elif articles:
            steps.refresh_pending_summaries(con)
        counts = lake.table_counts(con)
        con.close()
    logger.info("re-extracted %d articles", articles)
    return {"articles": articles} | {name: counts[name] for name in EXTRACTED_TABLES}
