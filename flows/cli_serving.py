"""The `newslake` commands that serve the lake: publish, report, bi, status, sql."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.cli_common import OutputFormat, console, open_lake_read_only, write_rows
from flows.settings import Settings, s3_credentials


def publish(
    postgres: Annotated[str, typer.Option("--postgres", help="postgresql:// URL or libpq string")],
    schema: Annotated[str, typer.Option(help="target schema, replaced atomically")] = "newslake",
    with_base_tables: Annotated[bool, typer.Option(help="also copy the base tables")] = False,
    reader_role: Annotated[str, typer.Option(help="read-only role for BI tools")] = (
        "newslake_reader"
    ),
    reader_password: Annotated[str | None, typer.Option(envvar="NEWSLAKE_READER_PASSWORD")] = None,
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
) -> None:
    """Publish the marts (and optionally base tables) into a PostgreSQL schema for BI tools."""
    from tasks.serving.publish import PublishError
    from tasks.serving.publish import publish as publish_lake

    con = open_lake_read_only(lake, Settings())
    try:
        counts = publish_lake(con, postgres, schema, with_base_tables, reader_role, reader_password)
    except (PublishError, ValueError) as error:
        console.print(f"[red]publish failed:[/red] {error}")
        raise typer.Exit(1) from error
    finally:
        con.close()
    write_rows(["table", "rows"], sorted(counts.items()), OutputFormat.table)
    typer.echo(f"published {len(counts)} tables to schema {schema}; read-only role {reader_role}")


def report(
    out: Annotated[Path, typer.Option(help="folder for report.html and the PNG charts")] = Path(
        "report"
    ),
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="one page for this search instead (see search)")
    ] = None,
) -> None:
    """Write a self-contained HTML report with charts (also as PNG) and tables."""
    from tasks.serving.report_html import build_report

    con = open_lake_read_only(lake, Settings())
    try:
        if query is not None:
            from flows.cli_search import query_report

            paths = query_report(con, query, out)
        else:
            paths = build_report(con, out)
    finally:
        con.close()
    for name, path in paths.items():
        typer.echo(f"{name}: {path}")


def bi(
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
) -> None:
    """Print read-only connection recipes for DuckDB clients and BI tools for this lake."""
    from tasks import lake as lakes
    from tasks.serving.bi import connection_recipes

    settings = Settings()
    location = lakes.LakeLocation.of(lake or settings.lake, settings.catalog, settings.data_path)
    for name, recipe in connection_recipes(location, s3_credentials()).items():
        Console().rule(name)
        typer.echo(recipe)


def status(
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
    runs: Annotated[int, typer.Option(help="how many recent runs to show")] = 10,
) -> None:
    """Print the last runs, each source's freshness and the lake's size."""
    from tasks.serving.status import lake_size, recent_runs, source_freshness

    settings = Settings()
    con = open_lake_read_only(lake, settings)
    try:
        for title, (columns, rows) in (
            ("last runs", recent_runs(con, runs)),
            ("sources", source_freshness(con)),
        ):
            Console().rule(title)
            write_rows(columns, rows, OutputFormat.table)
        size = lake_size(con, (lake or settings.lake).resolve())
    finally:
        con.close()
    Console().rule("lake")
    write_rows(list(size), [tuple(size.values())], OutputFormat.table)


def sql(
    query: Annotated[
        str, typer.Argument(help="a select statement over the lake's tables and views")
    ],
    output: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
) -> None:
    """Run a query against the lake (read-only) and print the result."""
    from tasks import lake as lakes

    con = open_lake_read_only(lake, Settings())
    try:
        result = lakes.run_query(con, query)
    except lakes.QueryRefused as error:
        console.print(f"[red]query failed:[/red] refused: {error}")
        raise typer.Exit(1) from error
    except Exception as error:
        console.print(f"[red]query failed:[/red] {error}")
        raise typer.Exit(1) from error
    columns = [d[0] for d in result.description or []]
    rows = result.fetchall()
    write_rows(columns, rows, output)
