"""What every `newslake` command shares: the stderr console, output formats, the read-only lake."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from flows.settings import Settings, s3_credentials

BUSY_EXIT = 3  # another run holds the lake's writer lock
PUBLISH_FAILED_EXIT = 4  # the run committed, but publishing the marts failed
console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def open_lake_read_only(lake: Path | None, settings: Settings) -> Any:
    """Return a read-only connection to the lake, or exit with a message when there is none."""
    from tasks import lake as lakes
    from tasks.lake.storage import StorageError

    location = lakes.LakeLocation.of(lake or settings.lake, settings.catalog, settings.data_path)
    if location.catalog.startswith("sqlite:") and not Path(location.root_hint).exists():
        console.print(f"[red]no lake at {location.root_hint}[/red]: run `newslake run` first")
        raise typer.Exit(2)
    try:
        return lakes.connect(location, read_only=True, credentials=s3_credentials())
    except (lakes.LakeNotReady, StorageError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


def write_rows(columns: list[str], rows: list[tuple[Any, ...]], output: OutputFormat) -> None:
    """Print rows as a table, CSV or JSON lines."""
    if output is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output is OutputFormat.json:
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, row, strict=True)), default=str) + "\n")
    else:
        table = Table()
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)
