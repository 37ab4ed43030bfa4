"""The ingest flow: read each source in batches, parse, dedupe, extract, validate, commit."""

# no `from __future__ import annotations` here: Prefect validates the flow's parameters with
# pydantic in a worker that loads this file by path, where string annotations cannot be resolved
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import steps
from flows.progress import report_progress
from flows.settings import SourceSpec
from tasks import lake
from tasks.documents.normalise import NormaliseContext
from tasks.extraction.nlp import DEFAULT_MODEL
from tasks.lake.lock import writer_lock
from tasks.quality.validate import SUITES_DIR, BatchValidationError
from tasks.serving.publish import PublishTarget
from tasks.serving.run_summary import COLUMNS, summary_markdown
from tasks.sources.readers import source_from_config


@dataclass
class RunState:
    """What one run carries from batch to batch: settings, models, counts, timings."""

    context: NormaliseContext
    started_at: datetime
    source_names: list[str]
    batch_size: int
    max_file_bytes: int
    spacy_model: str | None = None
    n_process: int = 1
    suites: tuple[str, str] | None = None
    nlp: Any = None
    validator: Any = None
    index: Any = None
    batches_committed: int = 0
    per_source: dict[str, Counter[str]] = field(default_factory=dict)
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def load_models(self) -> None:
        """Load spaCy and the suites on the first batch that needs them (a no-op run loads none)."""
        if self.spacy_model and self.nlp is None:
            self.nlp = steps.load_model(self.spacy_model)
        if self.suites and self.validator is None:
            self.validator = steps.load_validator(*self.suites)

    def totals(self) -> dict[str, int]:
        return {c: sum(counts.get(c, 0) for counts in self.per_source.values()) for c in COLUMNS}


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def record_run(con: Any, run: RunState, status: str, error: str | None) -> None:
    lake.record_run(
        con,
        run.context.run_id,
        run.started_at,
        run.source_names,
        status,
        run.totals(),
        dict(run.timings),
        error,
    )


@contextmanager
def timed(timings: defaultdict[str, float], name: str) -> Iterator[None]:
    """Add the time spent in the block to timings[name]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] += time.perf_counter() - start


class SourceUnreadable(RuntimeError):
    """Every record a source gave was a read error (e.g. each URL failed after its retries)."""


def ingest_source(con: Any, spec: SourceSpec, run: RunState) -> None:
    """Read one source batch by batch: parse, dedupe, extract, validate, commit each batch.

    Raises SourceUnreadable (after committing the rejections) when nothing could be read.
    """
    source = source_from_config(spec.as_config() | {"max_bytes": run.max_file_bytes})
    stream = steps.RecordStream(source, steps.load_checkpoint(con, spec.name))
    counts = run.per_source.setdefault(spec.name, Counter())
    while True:
        with timed(run.timings, "read"):
            records = steps.read_batch(stream, run.batch_size)
        final = len(records) < run.batch_size
        state = source.checkpoint() if final else None
        if not records and not state:
            break
        with timed(run.timings, "parse"):
            result = steps.dedupe(steps.parse(records, run.context), run.index, run.context)
        if records:
            with timed(run.timings, "load models"):
                run.load_models()
        if run.nlp is not None:
            with timed(run.timings, "extract"):
                result = steps.extract_entities(run.nlp, result, run.n_process)
        if run.validator is not None:
            with timed(run.timings, "validate"):
                result = steps.validate(
                    run.validator, result, run.context.run_id, run.batches_committed
                )
        with timed(run.timings, "commit"):
            steps.commit(con, result, state, spec.name, run.context.run_id)
        run.batches_committed += 1
        counts.update(result.counts)
        report_progress(spec.name, result.counts)
        if final:
            break
    if counts["records_read"] and counts["read_errors"] == counts["records_read"]:
        reasons = (
            lake.query(
                con,
                "select distinct reason from rejected where source = ? and run_id = ? "
                "and stage = 'read' order by 1 limit 3",
                [spec.name, run.context.run_id],
            )
            .column("reason")
            .to_pylist()
        )
        raise SourceUnreadable(f"nothing could be read: {'; '.join(reasons)}")


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
    validate_batches: bool = True,
    expectations_dir: str = str(SUITES_DIR),
    docs_dir: str | None = None,
    publish_to: PublishTarget | None = None,
    writer_wait_s: float = 0.0,
) -> dict[str, Any]:
    """Ingest every source into the lake; return the run's counts per source."""
    logger = get_run_logger()
    location = lake.LakeLocation.of(lake_path, catalog, data_path)
    docs = Path(docs_dir) if docs_dir else Path(lake_path).resolve() / "docs"
    with writer_lock(Path(lake_path).resolve(), writer_wait_s):
        con = steps.open_lake(location)
        run = RunState(
            context=NormaliseContext(str(runtime.flow_run.id or uuid.uuid4()), datetime.now(UTC)),
            started_at=datetime.now(UTC),
            source_names=[s.name for s in sources],
            batch_size=batch_size,
            max_file_bytes=max_file_bytes,
            n_process=n_process,
            index=steps.load_index(con, near_duplicate_threshold),
            spacy_model=spacy_model if extract else None,
            suites=(expectations_dir, str(docs)) if validate_batches else None,
        )
        errors: dict[str, str] = {}
        for spec in sources:
            try:
                ingest_source(con, spec, run)
            except BatchValidationError as error:
                steps.build_docs(run.validator)
                if run.batches_committed:
                    record_run(con, run, "failed", str(error))
                raise
            except Exception as error:
                errors[spec.name] = f"{type(error).__name__}: {error}"
                logger.error("source %s failed: %s", spec.name, errors[spec.name])
        status = (
            "failed"
            if len(errors) == len(sources) and sources
            else ("partial" if errors else "completed")
        )
        error_text = "; ".join(f"{name}: {text}" for name, text in errors.items()) or None
        if run.batches_committed:
            steps.refresh_pending_summaries(con)  # days a backfill's commits left to the end
        record_run(con, run, status, error_text)
        published = (
            steps.publish_marts(con, publish_to) if publish_to and run.batches_committed else {}
        )
        con.close()
        summary = {
            "run_id": run.context.run_id,
            "status": status,
            "lake": str(location.root_hint),
            "sources": {
                n: {c: cnt.get(c, 0) for c in COLUMNS}
                for n, cnt in run.per_source.items()
                if n not in errors
            },
            "totals": run.totals(),
            "errors": errors,
            "timings": dict(run.timings),
            "docs": str(steps.build_docs(run.validator) or ""),
            "published": published,
            "validation": {
                "rows_rejected": sum(
                    c.get("rows_rejected_by_validation", 0) for c in run.per_source.values()
                ),
                "suites": run.validator is not None,
            },
        }
        create_markdown_artifact(summary_markdown(summary), key="ingest-summary")
        logger.info("run %s %s: %s", run.context.run_id, status, summary["totals"])
    if status == "failed":
        # every source failed: the flow run itself fails, so Prefect shows it and alerts on it
        raise SourceUnreadable(f"every source failed: {error_text}")
    return summary
