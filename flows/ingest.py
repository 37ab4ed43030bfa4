"""The ingest flow: read each source in batches, parse, dedupe, extract, validate, commit."""

# no `from __future__ import annotations` here: Prefect validates the flow's parameters with
# pydantic in a worker that loads this file by path, where string annotations cannot be resolved
import uuid
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, runtime

from flows import steps
from flows.progress import report_progress
from flows.settings import SourceSpec, restore_secrets
from tasks import lake
from tasks.documents.normalise import NormaliseContext, load_language_model
from tasks.extraction.nlp import DEFAULT_MODEL
from tasks.extraction.pool import default_processes
from tasks.lake.lock import lake_writer_lock
from tasks.quality.suites import SUITES_DIR, BatchValidationError, import_gx
from tasks.secrets import redact
from tasks.serving.publish import PublishTarget
from tasks.serving.run_summary import RunTally, build_summary, error_text, run_status
from tasks.sources import source_from_config

# batches a source runs ahead of its commits: while the workers extract batch k, the run has
# read, parsed and deduped batch k+1 and is validating and committing batch k-1
PIPELINE_DEPTH = 2


@dataclass
class RunState:
    """What one run carries from batch to batch: settings, the lazily started models, the tally."""

    context: NormaliseContext
    batch_size: int
    max_file_bytes: int
    index: Any
    spacy_model: str | None = None
    n_process: int = 1
    dask_address: str | None = None
    dask_workers: int | None = None
    suites: tuple[str, str] | None = None
    extractor: Any = None
    validator: Any = None
    knowledge: Any = None  # the lake's entity snapshot for the lake-level entity rules

    def start_extraction(self) -> None:
        """Start the extraction workers on the first batch that has records (a no-op run starts
        none): they load the model while that batch is parsed."""
        if self.spacy_model and self.extractor is None:
            self.extractor = steps.start_extraction(
                self.spacy_model, self.n_process, self.dask_address, self.dask_workers
            )

    def load_validator(self) -> None:
        """Load the suites when the first batch with records is validated: by then its
        extraction is running, so the workers do not wait while this process imports GX."""
        if self.suites and self.validator is None:
            self.validator = steps.load_validator(*self.suites)

    def close(self) -> None:
        """Stop the extraction workers."""
        if self.extractor is not None:
            self.extractor.close()


@dataclass
class InFlight:
    """A batch deduped and handed to the extraction workers, not yet committed."""

    result: Any
    final: bool  # the source's last batch, which carries its checkpoint
    has_records: bool = True
    state: Any = None
    extraction: Any = None


class SourceUnreadable(RuntimeError):
    """Every record a source gave was a read error (e.g. each URL failed after its retries)."""


def next_batch(stream: Any, source: Any, run: RunState, tally: RunTally) -> InFlight | None:
    """Read, parse and dedupe the source's next batch and start its extraction; None at the end.

    The batch that ends the source carries the source's checkpoint.
    """
    with tally.timed("read"):
        records = steps.read_batch(stream, run.batch_size)
    final = len(records) < run.batch_size
    state = source.checkpoint() if final else None
    if not records and not state:
        return None
    if records:  # the workers warm up while this batch is parsed
        with tally.timed("load models"):
            run.start_extraction()
    with tally.timed("parse"):
        parsed = steps.parse(steps.unwalked(records), run.context)
        result = steps.dedupe(steps.unwalked(parsed), run.index, run.context)
    batch = InFlight(result, final, bool(records), state)
    if run.extractor is not None:
        batch.extraction = steps.submit_extraction(run.extractor, result.tables["articles"])
    return batch


def finish_batch(con: Any, name: str, batch: InFlight, run: RunState, tally: RunTally) -> None:
    """Collect a batch's extraction, validate it and commit it."""
    result = batch.result
    if batch.has_records:
        with tally.timed("load models"):
            run.load_validator()
    if batch.extraction is not None:
        with tally.timed("extract"):  # the time spent waiting for the workers
            result = steps.collect_extraction(
                batch.extraction, steps.unwalked(result), run.knowledge
            )
    if run.validator is not None:
        with tally.timed("validate"):
            result = steps.validate(
                run.validator, steps.unwalked(result), run.context.run_id, tally.batches_committed
            )
    with tally.timed("commit"):
        steps.commit(con, steps.unwalked(result), batch.state, name, run.context.run_id)
    # the lake holds this batch's articles now (or never will: those validation rejected)
    run.index.committed(batch.result.tables["articles"].column("article_id").to_pylist())
    tally.batches_committed += 1
    tally.source(name).update(result.counts)
    report_progress(name, result.counts)


def ingest_source(con: Any, spec: SourceSpec, run: RunState, tally: RunTally) -> None:
    """Read one source batch by batch: parse, dedupe, extract, validate, commit each batch.

    Batches are pipelined (PIPELINE_DEPTH) and committed in the order they were read; a failure
    while reading commits the batches read before it, then is raised.
    Raises SourceUnreadable (after committing the rejections) when nothing could be read.
    """
    source = source_from_config(spec.as_config() | {"max_bytes": run.max_file_bytes})
    stream = steps.RecordStream(source, steps.load_checkpoint(con, spec.name))
    in_flight: deque[InFlight] = deque()
    while True:
        try:
            batch = next_batch(stream, source, run, tally)
        except Exception:
            while in_flight:
                finish_batch(con, spec.name, in_flight.popleft(), run, tally)
            raise
        if batch is not None:
            in_flight.append(batch)
        last = batch is None or batch.final
        while in_flight and (len(in_flight) >= PIPELINE_DEPTH or last):
            finish_batch(con, spec.name, in_flight.popleft(), run, tally)
        if last:
            break
    counts = tally.source(spec.name)
    if counts["records_read"] and counts["read_errors"] == counts["records_read"]:
        reasons = steps.read_error_reasons(con, spec.name, run.context.run_id)
        raise SourceUnreadable(f"nothing could be read: {'; '.join(reasons)}")


def ingest_sources(
    con: Any, sources: list[SourceSpec], run: RunState, tally: RunTally, started_at: datetime
) -> dict[str, str]:
    """Ingest each source in turn; return the errors of the sources that failed, by name.

    A batch-level validation failure stops the run: the Data Docs are built and, when batches were
    committed, the run is recorded as failed before the error is raised.
    """
    names = [s.name for s in sources]
    errors: dict[str, str] = {}
    for spec in sources:
        try:
            ingest_source(con, spec, run, tally)
        except BatchValidationError as error:
            steps.build_docs(run.validator)
            if tally.batches_committed:
                run_id = run.context.run_id
                steps.record_run(con, run_id, started_at, names, tally, "failed", str(error))
            raise
        except Exception as error:
            errors[spec.name] = redact(f"{type(error).__name__}: {error}") or ""
            get_run_logger().error("source %s failed: %s", spec.name, errors[spec.name])
    return errors


def publish_committed(
    con: Any, target: PublishTarget | None, run_id: str, tally: RunTally
) -> tuple[dict[str, int], str | None]:
    """Publish the marts after a run that committed; return the counts, or the failure.

    A publish that fails after its retries leaves the commits in place: the run is recorded as
    `publish_failed` with the (redacted) error, and `newslake run` exits with its own code.
    """
    if target is None or not tally.batches_committed:
        return {}, None
    try:
        return steps.publish_marts(con, target), None
    except Exception as error:
        message = redact(f"publish failed: {type(error).__name__}: {error}") or "publish failed"
        steps.mark_run(con, run_id, "publish_failed", message)
        get_run_logger().error("run %s committed, but %s", run_id, message)
        return {}, message


def compact_tables(con: duckdb.DuckDBPyConnection, logger: Any) -> None:
    """Merge the files of the tables commits have fragmented (tasks/lake/compaction.py); the
    batches are committed already, so a failure here is a warning, not a failed run."""
    try:
        for table, files in steps.compact_tables(con).items():
            logger.info("compacted %s: %d files merged", table, files)
    except duckdb.Error as error:
        logger.warning("tables not compacted: %s", redact(str(error)))


def warm_up(validate_batches: bool) -> None:
    """Load what a run's first batch needs in this process: the language model, and GX when the
    run validates. `newslake run` calls this while Prefect's temporary server starts, when one
    core would otherwise sit idle; later, the same loads would compete with the workers."""
    load_language_model()
    if validate_batches:
        import_gx()


@flow(name="ingest")
def ingest(
    sources: list[SourceSpec],
    lake_path: str = "lake",
    catalog: str | None = None,
    data_path: str | None = None,
    batch_size: int = 1000,
    max_file_bytes: int = 10 * 1024 * 1024,
    near_duplicate_threshold: float = 0.7,
    extract: bool = True,
    spacy_model: str = DEFAULT_MODEL,
    n_process: int | None = None,
    dask_address: str | None = None,
    dask_workers: int | None = None,
    validate_batches: bool = True,
    expectations_dir: str = str(SUITES_DIR),
    docs_dir: str | None = None,
    publish_to: PublishTarget | None = None,
    writer_wait_s: float = 0.0,
) -> dict[str, Any]:
    """Ingest every source into the lake; return the run's counts per source."""
    logger = get_run_logger()
    catalog, publish_url = restore_secrets(catalog, publish_to.url if publish_to else None)
    publish_to = replace(publish_to, url=publish_url) if publish_to and publish_url else publish_to
    location = lake.LakeLocation.of(lake_path, catalog, data_path)
    docs = Path(docs_dir) if docs_dir else Path(lake_path).resolve() / "docs"
    started_at, tally = datetime.now(UTC), RunTally()
    names = [s.name for s in sources]
    with lake_writer_lock(location.catalog, Path(lake_path).resolve(), writer_wait_s):
        con = steps.open_lake(location)
        if interrupted := steps.record_interrupted_runs(con):
            logger.warning("recorded runs that ended without a record: %s", ", ".join(interrupted))
        run = RunState(
            context=NormaliseContext(str(runtime.flow_run.id or uuid.uuid4()), started_at),
            batch_size=batch_size,
            max_file_bytes=max_file_bytes,
            index=steps.load_index(con, near_duplicate_threshold),
            n_process=n_process or default_processes(),
            dask_address=dask_address,
            dask_workers=dask_workers,
            spacy_model=spacy_model if extract else None,
            suites=(expectations_dir, str(docs)) if validate_batches else None,
            knowledge=steps.read_entity_knowledge(con) if extract else None,
        )
        run_id = run.context.run_id
        try:
            errors = ingest_sources(con, sources, run, tally, started_at)
        finally:
            run.close()
        status = run_status(errors, len(sources))
        if tally.batches_committed:
            steps.refresh_pending_summaries(con)  # days a backfill's commits left to the end
            compact_tables(con, logger)
        steps.record_run(con, run_id, started_at, names, tally, status, error_text(errors))
        published, publish_error = publish_committed(con, publish_to, run_id, tally)
        con.close()
    status = "publish_failed" if publish_error else status
    built = steps.build_docs(run.validator)
    summary = build_summary(
        run_id, status, location.root_hint, tally, errors, str(built or ""), published,
        validated=run.validator is not None, publish_error=publish_error,
    )  # fmt: skip
    steps.publish_summary(summary)
    logger.info("run %s %s: %s", run_id, status, summary["totals"])
    if status == "failed":
        # every source failed: the flow run itself fails, so Prefect shows it and alerts on it
        raise SourceUnreadable(f"every source failed: {error_text(errors)}")
    return summary
