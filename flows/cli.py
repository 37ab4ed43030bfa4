"""The `newslake` command: run the ingest flow, query the lake.

The commands live by what they do to the lake: flows.cli_ingest writes it, flows.cli_quality checks
it, flows.cli_serving serves it; flows.cli_common holds what they share. Registered here in the
order `newslake --help` lists them.
"""

from __future__ import annotations

import typer

from flows.cli_common import BUSY_EXIT, OutputFormat, console, open_lake_read_only, write_rows
from flows.cli_ingest import (
    extract,
    ingest_parameters,
    jsonable,
    print_summary,
    publish_target,
    resolve_source,
    run,
    serve,
    start_prefect_server,
)
from flows.cli_quality import docs, docs_index, extraction_report, validate
from flows.cli_search import search
from flows.cli_serving import bi, publish, report, sql, status

__all__ = [
    "BUSY_EXIT",
    "OutputFormat",
    "app",
    "bi",
    "console",
    "docs",
    "docs_index",
    "extract",
    "extraction_report",
    "ingest_parameters",
    "jsonable",
    "open_lake_read_only",
    "print_summary",
    "publish",
    "publish_target",
    "report",
    "resolve_source",
    "run",
    "search",
    "serve",
    "sql",
    "start_prefect_server",
    "status",
    "validate",
    "write_rows",
]

app = typer.Typer(help="newslake: a news-article data lake on DuckLake.", no_args_is_help=True)
app.command()(run)
app.command()(extract)
app.command("extraction-report")(extraction_report)
app.command()(docs)
app.command()(validate)
app.command()(publish)
app.command()(report)
app.command()(bi)
app.command()(status)
app.command()(serve)
app.command()(sql)
app.command()(search)


if __name__ == "__main__":
    app()
