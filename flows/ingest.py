"""The ingest flow: read each source in batches, parse, dedupe, commit to the lake."""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from spacy.language import Language

from flows import steps
from flows.progress import report_progress
from flows.settings import SourceSpec
from tasks import lake
from tasks.nlp import DEFAULT_MODEL
from tasks.normalise import NormaliseContext
from tasks.report import COLUMNS, summary_markdown
from tasks.sources import source_from_config


@task(cache_policy=NO_CACHE)
def record_run_start(con: Any, run_id: str, sources: list[str]) -> None:
    lake.start_run(con, run_id, sources)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def record_run_end(
    con: Any,
    run_id: str,
    status: str,
    counts: dict[str, int],
    timings: dict[str, float],
    error: str | None,
) -> None:
    lake.finish_run(con, run_id, status, counts, timings, error)


@contextmanager
def timed(timings: defaultdict[str, float], name: str) -> Iterator[None]:
    """Add the time spent in the block to timings[name]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] += time.perf_counter() - start


def ingest_source(
    con: Any,
    spec: SourceSpec,
    index: Any,
    context: NormaliseContext,
    options: IngestOptions,
    timings: defaultdict[str, float],
) -> Counter[str]:
    """Read one source batch by batch and commit each batch; return its counts."""
    source = source_from_config(spec.as_config() | {"max_bytes": options.max_file_bytes})
    stream = steps.RecordStream(source, steps.load_checkpoint(con, spec.name))
    counts: Counter[str] = Counter()
    while True:
        with timed(timings, "read"):
            records = steps.read_batch(stream, options.batch_size)
        final = len(records) < options.batch_size
        state = source.checkpoint() if final else None
        if not records and not state:
            break
        with timed(timings, "parse"):
            result = steps.dedupe(steps.parse(records, context), index, context)
        if options.nlp is not None:
            with timed(timings, "extract"):
                result = steps.extract_entities(options.nlp, result, options.n_process)
        with timed(timings, "commit"):
            steps.commit(con, result, state, spec.name, context.run_id)
        counts.update(result.counts)
        report_progress(spec.name, result.counts)
        if final:
            break
    return counts


@dataclass(frozen=True)
class IngestOptions:
    """Per-run knobs passed down to each source's loop."""

    batch_size: int
    max_file_bytes: int
    nlp: Language | None
    n_process: int


@flow(name="ingest")
def ingest(
    sources: list[SourceSpec],
    lake_path: str = "lake",
    catalog: str | None = None,
    data_path: str | None = None,
    batch_size: int = 500,
    max_file_bytes: int = 10 * 1024 * 1024,
    near_duplicate_threshold: float = 0.7,
    extract: bool = True,
    spacy_model: str = DEFAULT_MODEL,
    n_process: int = 1,
) -> dict[str, Any]:
    """Ingest every source into the lake; return the run's counts per source."""
    logger = get_run_logger()
    run_id = str(runtime.flow_run.id or uuid.uuid4())
    location = lake.LakeLocation.of(lake_path, catalog, data_path)
    con = steps.open_lake(location)
    record_run_start(con, run_id, [s.name for s in sources])
    context = NormaliseContext(run_id=run_id, ingested_at=datetime.now(UTC))
    index = steps.load_index(con, near_duplicate_threshold)
    nlp = steps.load_model(spacy_model) if extract else None
    options = IngestOptions(batch_size, max_file_bytes, nlp, n_process)
    per_source: dict[str, dict[str, int]] = {}
    errors: dict[str, str] = {}
    timings: defaultdict[str, float] = defaultdict(float)
    for spec in sources:
        try:
            counts = ingest_source(con, spec, index, context, options, timings)
            per_source[spec.name] = {c: counts.get(c, 0) for c in COLUMNS}
        except Exception as error:
            errors[spec.name] = f"{type(error).__name__}: {error}"
            logger.error("source %s failed: %s", spec.name, errors[spec.name])
    totals = {c: sum(counts.get(c, 0) for counts in per_source.values()) for c in COLUMNS}
    status = "failed" if errors and not per_source else "partial" if errors else "completed"
    error_text = "; ".join(f"{name}: {text}" for name, text in errors.items()) or None
    record_run_end(con, run_id, status, totals, dict(timings), error_text)
    steps.register_views(con)
    con.close()
    summary = {
        "run_id": run_id,
        "status": status,
        "lake": str(location.root_hint),
        "sources": per_source,
        "totals": totals,
        "errors": errors,
        "timings": dict(timings),
    }
    create_markdown_artifact(summary_markdown(summary), key="ingest-summary")
    logger.info("run %s %s: %s", run_id, status, totals)
    return summary
