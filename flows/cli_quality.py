"""The `newslake` commands that check the lake: extraction-report, docs, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_common import OutputFormat, console, open_lake_read_only, write_rows
from flows.settings import Settings


def extraction_report(
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Print extraction coverage: entities, focus countries, quotes with speakers, offsets."""
    from tasks.quality.extraction_report import extraction_report as report

    con = open_lake_read_only(lake, Settings())
    figures = report(con)
    con.close()
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    flat = [(k, json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in figures.items()]
    write_rows(["figure", "value"], flat, output)


def docs_index(lake: Path | None, settings: Settings) -> Path:
    """Return where the Data Docs site's index page is for this lake."""
    root = settings.docs_dir or (lake or settings.lake).resolve() / "docs"
    return root / "index.html"


def docs(
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
) -> None:
    """Print the path of the Great Expectations Data Docs site the last run rendered."""
    index = docs_index(lake, Settings())
    if not index.exists():
        console.print(f"[red]no Data Docs at {index}[/red]: run `newslake run` first")
        raise typer.Exit(2)
    typer.echo(str(index))


def validate(
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
) -> None:
    """Re-run every suite over the whole lake and report; changes nothing. Exits 1 on failures."""
    from tasks import lake as lakes
    from tasks.quality.suites import (
        SUITE_TABLES,
        Validator,
        batch_parameters,
        load_suites,
        summarise,
        validation_frames,
    )

    settings = Settings()
    con = open_lake_read_only(lake, settings)
    tables = lakes.read_tables(con, list(SUITE_TABLES))
    con.close()
    with console.status("validating …"):
        validator = Validator(load_suites(settings.expectations_dir))
        outcome = validator.validate(validation_frames(tables), batch_parameters(tables))
    checked = Table(title="expectation suites over the whole lake")
    for column in ("suite", "rows", "expectations", "failed"):
        checked.add_column(column)
    for suite in SUITE_TABLES:
        results = [r for r in outcome.results if r["suite"] == suite]
        failed = sum(not r["success"] for r in results)
        checked.add_row(suite, str(tables[suite].num_rows), str(len(results)), str(failed))
    Console().print(checked)
    failures = summarise(outcome)
    if failures:
        write_rows(
            ["table", "expectation", "level", "rows", "observed"], failures, OutputFormat.table
        )
        raise typer.Exit(1)
    typer.echo("every expectation passed")
