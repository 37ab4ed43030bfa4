"""The Great Expectations suite wrapper: suites from expectations/, the frames and parameters they
check, one checkpoint per suite, and what validating a batch found."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tasks.lake.entities import batch_entities
from tasks.resources import EXPECTATIONS_DIR
from tasks.table_keys import EXTRACTED_TABLES

SUITES_DIR = EXPECTATIONS_DIR
# the tables a batch reads and normalises; the extracted tables hang off articles by article_id
DOCUMENT_TABLES = ("raw_documents", "articles")
# one suite per table; entities (derived from a batch's mentions) are checked after mentions
SUITE_TABLES = tuple(
    name
    for table in (*DOCUMENT_TABLES, *EXTRACTED_TABLES)
    for name in ((table, "entities") if table == "mentions" else (table,))
)


# expectations whose answer depends only on a frame's column names and (Arrow) types: for a
# pandas frame of ArrowDtype columns, GX checks the column's dtype, not its values
SCHEMA_TYPES = frozenset(
    {"expect_column_values_to_be_of_type", "expect_table_columns_to_match_ordered_list"}
)
SCHEMA_SUFFIX = ".schema"


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


def import_gx() -> None:
    """Import Great Expectations (a few seconds of CPU), e.g. while something else starts."""
    import great_expectations  # noqa: F401


def load_suites(directory: Path = SUITES_DIR) -> dict[str, dict[str, Any]]:
    """Return the suite definitions (GX JSON) by table name."""
    suites = {}
    for table in SUITE_TABLES:
        path = directory / f"{table}.json"
        if path.exists():
            suites[table] = json.loads(path.read_text(encoding="utf-8"))
    return suites


def split_suite(definition: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return a suite's expectations on rows and those on the schema, as two suites.

    The schema half (SCHEMA_TYPES) reads only the frame's column names and their types, which
    the batch's Arrow schema fixes: every batch of a run with the same schema gets the same
    answer, so a run validates it once per schema and repeats that result for later batches.
    GX's cost is mostly per expectation and per batch, and these are half of all expectations.
    """
    schema = [e for e in definition["expectations"] if e["type"] in SCHEMA_TYPES]
    rows = [e for e in definition["expectations"] if e["type"] not in SCHEMA_TYPES]
    name = definition["name"]
    return (
        dict(definition, expectations=rows),
        dict(definition, name=f"{name}{SCHEMA_SUFFIX}", expectations=schema),
    )


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
    frames: dict[str, pa.Table] = {name: tables[name] for name in DOCUMENT_TABLES if name in tables}
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
    for name in EXTRACTED_TABLES:
        if name in tables:
            frames[name] = with_body_length(tables[name], lengths)
    if "entities" in tables:
        frames["entities"] = tables["entities"]
    elif "mentions" in tables:
        frames["entities"] = batch_entities(tables["mentions"])
    return frames


# columns validation adds to a frame, and the column each is derived from
DERIVED_COLUMNS = {"body_length": "article_id"}


def observed_value(frame: pa.Table, kwargs: dict[str, Any], index: int) -> str:
    """Return the failing row's value(s) in the columns the expectation reads (and, for a
    column validation derived, the column it comes from: a null body_length names the row's
    article)."""
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    columns += [DERIVED_COLUMNS[c] for c in columns if c in DERIVED_COLUMNS]
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
        # per table: the expectations on its rows, and those on its schema (see SCHEMA_TYPES)
        self.validations: dict[str, tuple[Any, Any]] = {}
        # what the schema half found, by table and Arrow schema: a run validates it once
        self._schema_checked: dict[tuple[str, pa.Schema], Outcome] = {}
        for table, definition in suites.items():
            halves = split_suite(definition)
            batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
            self.validations[table] = tuple(  # type: ignore[assignment]
                self.context.validation_definitions.add(
                    gx.ValidationDefinition(
                        name=half["name"],
                        data=batch,
                        suite=self.context.suites.add(gx.ExpectationSuite(**half)),
                    )
                )
                if half["expectations"]
                else None
                for half in halves
            )

    def validate(self, frames: dict[str, pa.Table], parameters: dict[str, Any]) -> Outcome:
        """Run every suite whose table is in the batch; return results and failures."""
        import pandas as pd

        outcome = Outcome()
        for table, (rows, schema) in self.validations.items():
            frame = frames.get(table)
            if frame is None or frame.num_rows == 0:
                continue
            data = frame.to_pandas(types_mapper=pd.ArrowDtype)
            if rows is not None:
                self._run(rows, table, frame, data, parameters, outcome)
            if schema is not None:
                checked = self._schema_checked.get((table, frame.schema))
                if checked is None:
                    checked = self._run(schema, table, frame, data, parameters, Outcome())
                    self._schema_checked[(table, frame.schema)] = checked
                outcome.results.extend(dict(r) for r in checked.results)
                outcome.failures.extend(checked.failures)
        return outcome

    def _run(
        self,
        validation: Any,
        table: str,
        frame: pa.Table,
        data: Any,
        parameters: dict[str, Any],
        outcome: Outcome,
    ) -> Outcome:
        """Run one validation definition on a frame; record its results in `outcome`.

        The definition is run directly, not through a checkpoint: a checkpoint adds a
        freshness check of its own and the actions, and this context has no actions.
        """
        run = validation.run(
            batch_parameters={"dataframe": data},
            expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE"},
        )
        for result in run.results:
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
