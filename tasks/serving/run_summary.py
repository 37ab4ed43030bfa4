"""Human-readable summaries of a run, for the Prefect artifact and the CLI."""

from __future__ import annotations

from typing import Any

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
