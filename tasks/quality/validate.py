"""Great Expectations gate: suites from expectations/, row- and batch-level failures, Data Docs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tasks.ids import stable_id
from tasks.lake.entities import batch_entities
from tasks.resources import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR
SUITE_TABLES = (
    "raw_documents",
    "articles",
    "mentions",
    "entities",
    "places",
    "quotes",
    "date_mentions",
    "amounts",
)
CHILD_TABLES = ("mentions", "places", "quotes", "date_mentions", "amounts")
KEYS = {
    "raw_documents": "raw_id",
    "articles": "article_id",
    "mentions": "mention_id",
    "entities": "entity_id",
    "places": "place_id",
    "quotes": "quote_id",
    "date_mentions": "date_mention_id",
    "amounts": "amount_id",
}


class BatchValidationError(RuntimeError):
    """A batch-level expectation failed: nothing of the batch may be committed."""


@dataclass(frozen=True)
class Failure:
    """One failed expectation on one table, with the rows it rejects (row level)."""

    table: str
    expectation: str
    level: str
    observed: str
    rows: tuple[int, ...] = ()


@dataclass
class Outcome:
    """What validating a batch found: a result per expectation and the failures."""

    results: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def batch_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.level == "batch"]


def load_suites(directory: Path = SUITES_DIR) -> dict[str, dict[str, Any]]:
    """Return the suite definitions (GX JSON) by table name."""
    suites = {}
    for table in SUITE_TABLES:
        path = directory / f"{table}.json"
        if path.exists():
            suites[table] = json.loads(path.read_text(encoding="utf-8"))
    return suites


def expectation_name(kind: str, kwargs: dict[str, Any]) -> str:
    """Return a readable name: the expectation type and the columns it reads."""
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return f"{kind}({', '.join(columns)})" if columns else kind


def with_body_length(child: pa.Table, lengths: dict[str, int]) -> pa.Table:
    """Return a child table with the length of its article's body, for offset checks."""
    ids = child.column("article_id").to_pylist()
    return child.append_column("body_length", pa.array([lengths.get(i) for i in ids], pa.int64()))


def validation_frames(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Return the tables as validated: child tables with body_length, entities derived."""
    frames: dict[str, pa.Table] = {
        name: tables[name] for name in ("raw_documents", "articles") if name in tables
    }
    articles = tables.get("articles")
    lengths = {}
    if articles is not None:
        bodies = articles.column("body")
        lengths = dict(
            zip(
                articles.column("article_id").to_pylist(),
                pc.utf8_length(bodies).to_pylist(),
                strict=True,
            )
        )
    for name in CHILD_TABLES:
        if name in tables:
            frames[name] = with_body_length(tables[name], lengths)
    if "entities" in tables:
        frames["entities"] = tables["entities"]
    elif "mentions" in tables:
        frames["entities"] = batch_entities(tables["mentions"])
    return frames


def observed_value(frame: pa.Table, kwargs: dict[str, Any], index: int) -> str:
    """Return the failing row's value(s) in the columns the expectation reads."""
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    values = {c: frame.column(c)[index].as_py() for c in columns if c in frame.column_names}
    return json.dumps(values, default=str, ensure_ascii=False)


class Validator:
    """An ephemeral GX context holding one checkpoint per suite, built once per run."""

    def __init__(self, suites: dict[str, dict[str, Any]], docs_dir: Path | None = None) -> None:
        import logging

        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)

        self.docs_dir = docs_dir
        self.levels: dict[str, list[str]] = {}
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        if docs_dir is not None:
            self.context.add_data_docs_site(
                site_name="newslake",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        source = self.context.data_sources.add_pandas("batch")
        self.checkpoints = {}
        for table, definition in suites.items():
            definition = dict(definition)
            self.levels[table] = [
                e.get("meta", {}).get("level", "row") for e in definition["expectations"]
            ]
            suite = self.context.suites.add(gx.ExpectationSuite(**definition))
            batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
            validation = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=table, data=batch, suite=suite)
            )
            self.checkpoints[table] = self.context.checkpoints.add(
                gx.Checkpoint(
                    name=table,
                    validation_definitions=[validation],
                    actions=[],
                    result_format={"result_format": "COMPLETE"},
                )
            )

    def validate(self, frames: dict[str, pa.Table], parameters: dict[str, Any]) -> Outcome:
        """Run every suite whose table is in the batch; return results and failures."""
        import pandas as pd

        outcome = Outcome()
        for table, checkpoint in self.checkpoints.items():
            frame = frames.get(table)
            if frame is None or frame.num_rows == 0:
                continue
            data = frame.to_pandas(types_mapper=pd.ArrowDtype)
            run = checkpoint.run(
                batch_parameters={"dataframe": data}, expectation_parameters=parameters
            )
            for result in next(iter(run.run_results.values())).results:
                self._record(outcome, table, frame, result)
        return outcome

    def _record(self, outcome: Outcome, table: str, frame: pa.Table, result: Any) -> None:
        config = result.expectation_config
        level = (config.meta or {}).get("level", "row")
        name = expectation_name(config.type, config.kwargs)
        details = result.result or {}
        error = (result.exception_info or {}).get("exception_message")
        observed = details.get("observed_value", details.get("partial_unexpected_list", error))
        outcome.results.append(
            {
                "suite": table,
                "expectation": name,
                "level": level,
                "success": bool(result.success),
                "unexpected_count": details.get("unexpected_count"),
                "observed_value": json.dumps(observed, default=str, ensure_ascii=False)[:2000],
            }
        )
        if result.success:
            return
        rows = tuple(details.get("unexpected_index_list") or ())
        if level == "row" and rows:
            observations = [observed_value(frame, config.kwargs, i) for i in rows]
            outcome.failures.extend(
                Failure(table, name, level, value, (i,))
                for i, value in zip(rows, observations, strict=True)
            )
        else:
            message = error or json.dumps(observed, default=str, ensure_ascii=False)[:300]
            outcome.failures.append(Failure(table, name, "batch", message))

    def build_docs(self) -> Path | None:
        """Render the Data Docs site for the validations run so far; return its index."""
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=["newslake"])
        return self.docs_dir / "index.html"


def batch_parameters(tables: dict[str, pa.Table], now: datetime | None = None) -> dict[str, Any]:
    """Return the values suites refer to with $PARAMETER: the batch's ids and the time."""

    def ids(name: str, column: str) -> list[str]:
        table = tables.get(name)
        return table.column(column).to_pylist() if table is not None else []

    return {
        "now": (now or datetime.now(UTC)).isoformat(),
        "article_ids": ids("articles", "article_id"),
        "raw_ids": ids("raw_documents", "raw_id"),
    }


def summarise(outcome: Outcome) -> list[tuple[str, str, str, int, str]]:
    """Return (table, expectation, level, rows, an observed value) per failed expectation."""
    grouped: dict[tuple[str, str, str], list[Failure]] = {}
    for failure in outcome.failures:
        grouped.setdefault((failure.table, failure.expectation, failure.level), []).append(failure)
    return [
        (table, expectation, level, sum(len(f.rows) or 1 for f in group), group[0].observed)
        for (table, expectation, level), group in grouped.items()
    ]


def raise_for_batch_failures(outcome: Outcome) -> None:
    """Raise BatchValidationError naming every failed batch-level expectation."""
    failures = outcome.batch_failures
    if failures:
        named = "; ".join(f"{f.table}: {f.expectation} (observed {f.observed})" for f in failures)
        raise BatchValidationError(f"batch-level expectation failed, nothing committed: {named}")


def _drop(table: pa.Table, column: str, values: set[Any]) -> pa.Table:
    """Return the table without rows whose column value is in `values`."""
    if not values or table.num_rows == 0:
        return table
    mask = pc.invert(pc.is_in(table.column(column), value_set=pa.array(list(values))))
    return table.filter(pc.fill_null(mask, True))


def reject_failed_rows(
    tables: dict[str, pa.Table],
    outcome: Outcome,
    run_id: str,
    rejected_at: datetime,
    frames: dict[str, pa.Table] | None = None,
) -> tuple[dict[str, pa.Table], list[dict[str, Any]]]:
    """Move rows that failed row-level expectations (and their articles' children) to rejected.

    A failed raw record or article takes its article and every child row with it; the article's
    raw payload goes to `rejected`, so it can be re-derived. A failed child row goes alone, its
    own values as the payload. Entities failing take the mentions that name them.
    """
    tables = dict(tables)
    articles = tables.get("articles")
    raw = tables.get("raw_documents")
    raw_of_article = (
        dict(
            zip(
                articles.column("article_id").to_pylist(),
                articles.column("raw_id").to_pylist(),
                strict=True,
            )
        )
        if articles is not None
        else {}
    )
    raw_rows = {r["raw_id"]: r for r in raw.to_pylist()} if raw is not None else {}
    rejected: list[dict[str, Any]] = []
    dead_articles: dict[str, Failure] = {}
    dead_raw: dict[str, Failure] = {}
    dead_rows: dict[str, dict[Any, Failure]] = {}
    # the frames the outcome's row indices point into
    frames = frames if frames is not None else validation_frames(tables)
    for failure in outcome.failures:
        if failure.level != "row":
            continue
        frame = frames[failure.table]
        for index in failure.rows:
            row = frame.slice(index, 1).to_pylist()[0]
            if failure.table == "raw_documents":
                dead_raw.setdefault(row["raw_id"], failure)
                if row.get("article_id") and not row.get("is_duplicate"):
                    dead_articles.setdefault(row["article_id"], failure)
            elif failure.table == "articles":
                dead_articles.setdefault(row["article_id"], failure)
            elif failure.table == "entities":
                dead_rows.setdefault("entities", {}).setdefault(row["entity_id"], failure)
            else:
                dead_rows.setdefault(failure.table, {}).setdefault(
                    row[KEYS[failure.table]], failure
                )

    def reject(raw_id: str | None, failure: Failure, payload: bytes, key: str) -> None:
        source = raw_rows.get(raw_id or "", {})
        reason = f"{failure.table}: {failure.expectation} failed"
        rejected.append(
            {
                "rejected_id": stable_id(raw_id, "validate", reason, key),
                "raw_id": raw_id,
                "source": source.get("source"),
                "source_kind": source.get("source_kind"),
                "locator": source.get("locator"),
                "stage": "validate",
                "reason": reason,
                "payload": payload,
                "rejected_at": rejected_at,
                "run_id": run_id,
                "table_name": failure.table,
                "expectation": failure.expectation,
                "observed_value": failure.observed,
            }
        )

    for article_id, failure in dead_articles.items():
        raw_id = raw_of_article.get(article_id)
        payload = raw_rows.get(raw_id or "", {}).get("payload") or b""
        reject(raw_id, failure, payload, article_id)
    for raw_id, failure in dead_raw.items():
        if raw_rows[raw_id].get("article_id") not in dead_articles:
            reject(raw_id, failure, raw_rows[raw_id]["payload"] or b"", raw_id)
    mention_of_entity = dead_rows.pop("entities", {})
    if mention_of_entity and "mentions" in tables:
        for row in tables["mentions"].to_pylist():
            if row["entity_id"] in mention_of_entity:
                dead_rows.setdefault("mentions", {}).setdefault(
                    row["mention_id"], mention_of_entity[row["entity_id"]]
                )
    for table, rows in dead_rows.items():
        key = KEYS[table]
        for row in tables[table].to_pylist():
            found = rows.get(row[key])
            if found and row["article_id"] not in dead_articles:
                payload = json.dumps(row, default=str, ensure_ascii=False).encode()
                reject(raw_of_article.get(row["article_id"]), found, payload, row[key])
        tables[table] = _drop(tables[table], key, set(rows))

    gone = set(dead_articles)
    for name in (*CHILD_TABLES, "article_fingerprints", "articles"):
        if name in tables:
            tables[name] = _drop(tables[name], "article_id", gone)
    if raw is not None:
        kept = _drop(raw, "raw_id", set(dead_raw))
        if gone:
            ids = kept.column("article_id").to_pylist()
            cleared = [None if i in gone else i for i in ids]
            kept = kept.set_column(
                kept.schema.get_field_index("article_id"),
                "article_id",
                pa.array(cleared, pa.string()),
            )
        tables["raw_documents"] = kept
    return tables, rejected


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
