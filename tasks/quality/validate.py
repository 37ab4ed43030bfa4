"""The validation gate: validate a batch in memory, route failing rows to `rejected`.

The suite wrapper is in tasks.quality.suites and the routing in tasks.quality.rejection; their
names are re-exported here for the steps that import them from this module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from tasks.quality.rejection import KEYS, reject_failed_rows
from tasks.quality.suites import (
    SUITE_TABLES,
    SUITES_DIR,
    BatchValidationError,
    Failure,
    Outcome,
    Validator,
    batch_parameters,
    expectation_name,
    load_suites,
    observed_value,
    raise_for_batch_failures,
    summarise,
    validation_frames,
    with_body_length,
)

__all__ = [
    "KEYS",
    "SUITES_DIR",
    "SUITE_TABLES",
    "BatchValidationError",
    "Failure",
    "Outcome",
    "Validator",
    "batch_parameters",
    "expectation_name",
    "load_suites",
    "observed_value",
    "raise_for_batch_failures",
    "reject_failed_rows",
    "summarise",
    "validate_batch",
    "validation_frames",
    "with_body_length",
]


def validate_batch(
    validator: Validator, result: Any, run_id: str, batch_index: int, at: datetime | None = None
) -> Any:
    """Validate a batch in memory; return it without rejected rows, plus `rejected` and results.

    Raises BatchValidationError when a batch-level expectation fails.
    """
    from tasks.documents.batch import BatchResult
    from tasks.schema import REJECTED, VALIDATION_RESULTS

    at = at or datetime.now(UTC)
    frames = validation_frames(result.tables)
    outcome = validator.validate(frames, batch_parameters(result.tables, at))
    raise_for_batch_failures(outcome)
    before = result.tables["articles"].num_rows if "articles" in result.tables else 0
    tables, rejected = reject_failed_rows(result.tables, outcome, run_id, at, frames)
    new_rejected = pa.Table.from_pylist(rejected, schema=REJECTED)
    previous = tables.get("rejected")
    tables["rejected"] = (
        pa.concat_tables([previous.cast(REJECTED), new_rejected])
        if previous is not None
        else new_rejected
    )
    results = [
        r | {"run_id": run_id, "batch_index": batch_index, "validated_at": at}
        for r in outcome.results
    ]
    tables["validation_results"] = pa.Table.from_pylist(results, schema=VALIDATION_RESULTS)
    dropped = before - (tables["articles"].num_rows if "articles" in tables else 0)
    counts = dict(result.counts)
    counts["articles_new"] = counts.get("articles_new", 0) - dropped
    counts["rejected"] = counts.get("rejected", 0) + dropped
    counts["rows_rejected_by_validation"] = len(rejected)
    return BatchResult(tables=tables, counts=counts)
