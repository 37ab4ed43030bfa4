"""Prefect steps: thin skins over the pure helpers in tasks/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar, cast

import duckdb
import pyarrow as pa
from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.settings import s3_credentials
from tasks import lake
from tasks.documents.batch import BatchResult, ParsedBatch, dedupe_batch, parse_batch, with_tables
from tasks.documents.dedupe import DedupIndex
from tasks.documents.normalise import NormaliseContext
from tasks.extraction.lake_rules import EntityKnowledge, apply_knowledge
from tasks.extraction.pool import ExtractionPool, Extractor, PendingExtraction
from tasks.lake.compaction import compact_fragmented
from tasks.lake.knowledge import read_knowledge
from tasks.lake.storage import StorageError
from tasks.quality.offline_docs import make_offline
from tasks.quality.validate import Validator, load_suites, validate_batch
from tasks.records import RawRecord
from tasks.secrets import redact
from tasks.serving.publish import PublishTarget, publish
from tasks.serving.run_summary import RunTally, summary_markdown
from tasks.sources import Checkpoint, Source

T = TypeVar("T")


def unwalked(value: T) -> T:
    """Return a task argument Prefect hands over as it is, without walking into it.

    Prefect walks every list, dict and dataclass of a task's arguments looking for futures; for a
    batch's records and rows that was a third of a 10,000-item feed's run. The task gets the value
    itself (Prefect unwraps the quote); typed as the value so call sites stay checked."""
    return cast(T, quote(value))


class RecordStream:
    """An open source read, consumed one batch at a time."""

    def __init__(self, source: Source, since: Checkpoint) -> None:
        self.source = source
        self.records: Iterator[RawRecord] = iter(source.read(since))


class LakeOpenError(RuntimeError):
    """The lake could not be opened; the message never holds a password."""


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def open_lake(location: lake.LakeLocation) -> duckdb.DuckDBPyConnection:
    try:
        return lake.connect(location, credentials=s3_credentials())
    except (duckdb.Error, StorageError) as error:  # DuckDB's message may quote the catalog DSN
        raise LakeOpenError(redact(str(error))) from None


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def record_interrupted_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    return lake.record_interrupted_runs(con)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def mark_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, error: str) -> None:
    lake.mark_run(con, run_id, status, error)


@task(cache_policy=NO_CACHE)
def load_index(con: duckdb.DuckDBPyConnection, threshold: float) -> DedupIndex:
    """Return the dedupe index over the lake; call its `committed` after each batch's commit."""
    return DedupIndex(con, threshold)


@task(cache_policy=NO_CACHE)
def load_checkpoint(con: duckdb.DuckDBPyConnection, source: str) -> Checkpoint:
    return lake.load_state(con, source)


@task(cache_policy=NO_CACHE)
def read_batch(stream: RecordStream, size: int) -> list[RawRecord]:
    return list(islice(stream.records, size))


@task(cache_policy=NO_CACHE)
def parse(records: list[RawRecord], context: NormaliseContext) -> ParsedBatch:
    return parse_batch(records, context)


@task(cache_policy=NO_CACHE)
def dedupe(batch: ParsedBatch, index: DedupIndex, context: NormaliseContext) -> BatchResult:
    return dedupe_batch(batch, index, context)


@task(cache_policy=NO_CACHE)
def start_extraction(
    model: str, n_process: int, dask_address: str | None = None, dask_workers: int | None = None
) -> Extractor:
    """Return the run's extraction: on a Dask cluster when one is named, else local processes."""
    if dask_address or dask_workers:
        from flows.dask_extraction import DaskExtraction  # distributed loads only when asked

        return DaskExtraction(model, dask_address, dask_workers)
    return ExtractionPool(model, n_process)


def submit_extraction(pool: Extractor, articles: pa.Table) -> PendingExtraction:
    """Hand a batch's articles to the workers; not a task: it returns at once."""
    return pool.submit(articles)


@task(cache_policy=NO_CACHE)
def collect_extraction(
    pending: PendingExtraction, result: BatchResult, knowledge: EntityKnowledge | None = None
) -> BatchResult:
    children, articles = pending.result()
    children["mentions"] = apply_knowledge(children["mentions"], knowledge)
    return with_tables(result, children | {"articles": articles})


@task(cache_policy=NO_CACHE)
def read_entity_knowledge(con: duckdb.DuckDBPyConnection) -> EntityKnowledge:
    """Return the lake's entity snapshot, read once per run so rows do not depend on batching."""
    return read_knowledge(con)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def commit(
    con: duckdb.DuckDBPyConnection,
    result: BatchResult,
    state: Checkpoint | None,
    source: str,
    run_id: str,
) -> dict[str, int]:
    return lake.commit_batch(con, result.tables, lake.state_table(source, state, run_id))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def refresh_pending_summaries(con: duckdb.DuckDBPyConnection) -> int:
    return lake.refresh_pending_summaries(con)


@task(cache_policy=NO_CACHE)
def compact_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return compact_fragmented(con, lake.ALIAS)


@task(cache_policy=NO_CACHE)
def load_validator(expectations_dir: str, docs_dir: str | None) -> Validator:
    return Validator(load_suites(Path(expectations_dir)), Path(docs_dir) if docs_dir else None)


@task(cache_policy=NO_CACHE)
def validate(validator: Validator, result: BatchResult, run_id: str, batch: int) -> BatchResult:
    return validate_batch(validator, result, run_id, batch)


@task(cache_policy=NO_CACHE)
def build_docs(validator: Validator | None) -> Path | None:
    index = validator.build_docs() if validator is not None else None
    if index is not None:
        make_offline(index.parent)  # the pages load local copies of GX's CDN files
    return index


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], timeout_seconds=600)
def publish_marts(con: duckdb.DuckDBPyConnection, target: PublishTarget) -> dict[str, int]:
    return publish(con, target.url, target.schema, target.with_base_tables, target.reader_role)


@task(cache_policy=NO_CACHE)
def collect_stored(
    pending: PendingExtraction, knowledge: EntityKnowledge | None = None
) -> tuple[dict, pa.Table]:
    children, updated = pending.result()
    children["mentions"] = apply_knowledge(children["mentions"], knowledge)
    return children, updated.select(["article_id", "tone", "focus_country"])


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def replace_extraction(
    con: duckdb.DuckDBPyConnection, children: dict[str, pa.Table], fields: pa.Table
) -> None:
    lake.replace_extraction(con, children, fields)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def rebuild_summaries(con: duckdb.DuckDBPyConnection) -> None:
    lake.rebuild_summaries(con)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    sources: list[str],
    tally: RunTally,
    status: str,
    error: str | None,
) -> None:
    lake.record_run(
        con, run_id, started_at, sources, status, tally.totals(), dict(tally.timings), error
    )


@task(cache_policy=NO_CACHE)
def read_error_reasons(con: duckdb.DuckDBPyConnection, source: str, run_id: str) -> list[str]:
    return lake.read_error_reasons(con, source, run_id)


@task(cache_policy=NO_CACHE)
def publish_summary(summary: dict[str, Any]) -> None:
    create_markdown_artifact(summary_markdown(summary), key="ingest-summary")
