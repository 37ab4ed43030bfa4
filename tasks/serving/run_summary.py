"""Human-readable summaries of a run, for the Prefect artifact and the CLI."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tasks.secrets import redact

COLUMNS = ("records_read", "articles_new", "duplicates", "near_duplicates", "rejected")


def summary_rows(summary: dict[str, Any]) -> list[list[str]]:
    """Return one row per source plus a total row, counts in COLUMNS order."""
    rows = [
        [name, *(str(counts.get(c, 0)) for c in COLUMNS)]
        for name, counts in summary["sources"].items()
    ]
    rows.extend([name, "failed", "", "", "", ""] for name in summary.get("errors", {}))
    rows.append(["total", *(str(summary["totals"].get(c, 0)) for c in COLUMNS)])
    return rows


def summary_markdown(summary: dict[str, Any]) -> str:
    """Return the run summary as a markdown table with status, lake and errors."""
    header = "| source | " + " | ".join(c.replace("_", " ") for c in COLUMNS) + " |"
    lines = [
        f"# Ingest run `{summary['run_id']}`: {summary['status']}",
        "",
        f"Lake: `{summary['lake']}`",
        "",
        header,
        "|" + " --- |" * (len(COLUMNS) + 1),
        *("| " + " | ".join(row) + " |" for row in summary_rows(summary)),
    ]
    for name, error in summary.get("errors", {}).items():
        lines += ["", f"**{name} failed:** {error}"]
    if summary.get("publish_error"):
        lines += ["", f"**Committed, but not published:** {summary['publish_error']}"]
    validation = summary.get("validation") or {}
    if validation.get("suites"):
        docs = f" — Data Docs: `{summary['docs']}`" if summary.get("docs") else ""
        lines += [
            "",
            f"Validation: {validation.get('rows_rejected', 0)} rows rejected by the "
            f"expectation suites{docs}",
        ]
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in summary.get("timings", {}).items())
    if timings:
        lines += ["", f"Timings: {timings}"]
    return "\n".join(lines) + "\n"


@dataclass
class RunTally:
    """What a run counts as it goes: counts per source, seconds per stage, batches committed."""

    per_source: dict[str, Counter[str]] = field(default_factory=dict)
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    batches_committed: int = 0

    def source(self, name: str) -> Counter[str]:
        """Return the running counts of one source."""
        return self.per_source.setdefault(name, Counter())

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time spent in the block to the stage's seconds."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] += time.perf_counter() - start

    def totals(self) -> dict[str, int]:
        """Return the counts in COLUMNS summed over sources."""
        return {c: sum(counts.get(c, 0) for counts in self.per_source.values()) for c in COLUMNS}

    def rows_rejected_by_validation(self) -> int:
        return sum(c.get("rows_rejected_by_validation", 0) for c in self.per_source.values())


def run_status(errors: dict[str, str], source_count: int) -> str:
    """Return `failed` when every source failed, `partial` when some did, else `completed`."""
    if errors and len(errors) == source_count:
        return "failed"
    return "partial" if errors else "completed"


def error_text(errors: dict[str, str]) -> str | None:
    """Return the sources' errors as one line for `runs.error`, or None."""
    return redact("; ".join(f"{name}: {text}" for name, text in errors.items())) or None


def build_summary(
    run_id: str,
    status: str,
    lake: str,
    tally: RunTally,
    errors: dict[str, str],
    docs: str,
    published: dict[str, int],
    validated: bool,
    publish_error: str | None = None,
) -> dict[str, Any]:
    """Return the run summary the flow returns, the artifact shows and the CLI prints."""
    return {
        "run_id": run_id,
        "status": status,
        "lake": redact(lake),
        "sources": {
            name: {c: counts.get(c, 0) for c in COLUMNS}
            for name, counts in tally.per_source.items()
            if name not in errors
        },
        "totals": tally.totals(),
        "errors": errors,
        "timings": dict(tally.timings),
        "docs": docs,
        "published": published,
        "publish_error": redact(publish_error),
        "validation": {"rows_rejected": tally.rows_rejected_by_validation(), "suites": validated},
    }
