"""Batch helpers: parse and normalise records, then shape the lake's tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import pyarrow as pa

from tasks.documents.dedupe import DedupIndex, DedupResult, dedupe_articles
from tasks.documents.normalise import NormaliseContext, clean_text, normalise_doc
from tasks.ids import stable_id
from tasks.parse import parse_record
from tasks.records import RawRecord, Rejection
from tasks.schema import (
    ARTICLE_FINGERPRINTS,
    ARTICLE_LSH_BANDS,
    ARTICLES,
    RAW_DOCUMENTS,
    REJECTED,
)


@dataclass
class ParsedBatch:
    """A batch of raw records with the articles and rejections made from them."""

    records: list[RawRecord]
    articles: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def batched(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    """Yield lists of at most `size` records, reading the input lazily."""
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def parse_one(record: RawRecord, context: NormaliseContext) -> dict[str, Any] | Rejection:
    """Return the article row for one record, or a Rejection; never raises on bad input."""
    try:
        parsed = parse_record(record)
        if isinstance(parsed, Rejection):
            return parsed
        return normalise_doc(parsed, context)
    except Exception as error:  # one bad article must not stop the run
        return Rejection(record, f"{type(error).__name__}: {error}", stage="normalise")


def parse_batch(records: list[RawRecord], context: NormaliseContext) -> ParsedBatch:
    """Parse and normalise every record of a batch."""
    batch = ParsedBatch(records=records)
    for record in records:
        outcome = parse_one(record, context)
        if isinstance(outcome, Rejection):
            batch.rejections.append(outcome)
        else:
            batch.articles.append(outcome)
    return batch


def rejected_id(rejection: Rejection) -> str:
    """Return a stable id for a rejection, so a rerun does not add it twice."""
    return stable_id(rejection.raw.raw_id, rejection.stage, clean_text(rejection.reason))


def raw_row(record: RawRecord, article: tuple[str, bool] | None, run_id: str) -> dict[str, Any]:
    """Return the `raw_documents` row for a record."""
    meta = json.dumps(record.meta, ensure_ascii=False, default=str) if record.meta else None
    return {
        "raw_id": record.raw_id,
        "source": clean_text(record.source),
        "source_kind": clean_text(record.source_kind),
        "locator": clean_text(record.locator),
        "media_type": clean_text(record.media_type),
        "payload": record.payload,
        "payload_bytes": len(record.payload),
        "meta": clean_text(meta) if meta else None,
        "fetched_at": record.fetched_at,
        "article_id": article[0] if article else None,
        "is_duplicate": article[1] if article else False,
        "run_id": run_id,
    }


def rejected_row(rejection: Rejection, context: NormaliseContext) -> dict[str, Any]:
    """Return the `rejected` row for a rejection."""
    raw = rejection.raw
    return {
        "rejected_id": rejected_id(rejection),
        "raw_id": raw.raw_id,
        "source": clean_text(raw.source),
        "source_kind": clean_text(raw.source_kind),
        "locator": clean_text(raw.locator),
        "stage": rejection.stage,
        "reason": clean_text(rejection.reason),
        "payload": raw.payload,
        "rejected_at": context.ingested_at,
        "run_id": context.run_id,
    }


def batch_tables(
    batch: ParsedBatch, deduped: DedupResult, context: NormaliseContext
) -> dict[str, pa.Table]:
    """Return the Arrow tables one batch commits: raw documents, articles (with their
    fingerprints and the LSH band keys they are the first to have), rejections."""
    raw_rows = [
        raw_row(record, deduped.article_of_raw.get(record.raw_id), context.run_id)
        for record in batch.records
    ]
    return {
        "raw_documents": pa.Table.from_pylist(raw_rows, schema=RAW_DOCUMENTS),
        "articles": pa.Table.from_pylist(deduped.articles, schema=ARTICLES),
        "article_fingerprints": pa.Table.from_pylist(
            deduped.fingerprints, schema=ARTICLE_FINGERPRINTS
        ),
        "article_lsh_bands": pa.Table.from_pylist(deduped.bands, schema=ARTICLE_LSH_BANDS),
        "rejected": pa.Table.from_pylist(
            [rejected_row(r, context) for r in batch.rejections], schema=REJECTED
        ),
    }


@dataclass
class BatchResult:
    """The tables one batch commits and what happened to its records."""

    tables: dict[str, pa.Table]
    counts: dict[str, int]


def dedupe_batch(batch: ParsedBatch, index: DedupIndex, context: NormaliseContext) -> BatchResult:
    """Flag repeats against the index and return the batch's tables with its counts."""
    deduped = dedupe_articles(batch.articles, index)
    counts = {
        "records_read": len(batch.records),
        "articles_new": len(deduped.articles),
        "duplicates": deduped.duplicates,
        "near_duplicates": deduped.near_duplicates,
        "rejected": len(batch.rejections),
        "read_errors": sum(r.stage == "read" for r in batch.rejections),
    }
    return BatchResult(tables=batch_tables(batch, deduped, context), counts=counts)


def with_tables(result: BatchResult, tables: dict[str, pa.Table]) -> BatchResult:
    """Return the batch result with some tables added or replaced."""
    return BatchResult(tables=result.tables | tables, counts=result.counts)
