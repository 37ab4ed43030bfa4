"""The `newslake` commands that write the lake: run, extract, serve (ingest on a schedule)."""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.cli_common import BUSY_EXIT, PUBLISH_FAILED_EXIT, OutputFormat, console, write_rows
from flows.prefect_server import (
    PrefectServerError,
    prefect_api,
    start_prefect_server,
    stop_server,
)
from flows.settings import Settings, SourceSpec


def resolve_source(value: str, settings: Settings) -> SourceSpec:
    """Return the configured source named `value`, else a source for the path or URL."""
    configured = settings.source(value)
    if configured:
        return configured
    if value.startswith(("http://", "https://")):
        return SourceSpec(name="http", kind="http", urls=[value])
    path = Path(value)
    if not path.exists():
        raise typer.BadParameter(f"no configured source or path named {value!r}")
    from tasks.sources import kind_of_path

    kind = kind_of_path(path)  # tasks.sources owns which reader an extension gets
    name = path.name if path.is_dir() else path.stem
    return SourceSpec(name=name, kind=kind, path=str(path))  # type: ignore[arg-type]


def _quiet_prefect(verbose: bool) -> None:
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def run(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="configured source name or a path/URL"),
    ] = None,
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Prefect logs")] = False,
) -> None:
    """Ingest the configured sources (or the given ones) into the lake."""
    settings = Settings()
    specs = [resolve_source(v, settings) for v in source] if source else settings.sources
    lake_path = lake or settings.lake
    _quiet_prefect(verbose)
    try:
        with prefect_api(
            lambda: import_module("flows.ingest").ingest,
            lambda: import_module("flows.ingest").warm_up(settings.validate_batches),
        ) as ingest:
            summary = run_ingest(ingest, settings, specs, lake_path)
    except PrefectServerError as error:  # not RuntimeError: typer.Exit is one
        console.print(f"[red]ingest failed:[/red] {error}")
        raise typer.Exit(1) from error
    print_summary(summary)
    if summary["status"] == "publish_failed":
        raise typer.Exit(PUBLISH_FAILED_EXIT)
    if summary["status"] != "completed":
        raise typer.Exit(1)


def run_ingest(ingest: Any, settings: Settings, specs: list[SourceSpec], lake_path: Path) -> dict:
    """Run the ingest flow with a progress line; exit with the right code when it fails."""
    from flows.progress import set_progress_hook
    from tasks.lake.lock import LakeBusyError

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        bar = progress.add_task("starting Prefect …", total=None)
        seen: dict[str, int] = {}

        def on_batch(name: str, counts: dict[str, int]) -> None:
            seen[name] = seen.get(name, 0) + counts["records_read"]
            done = ", ".join(f"{k}: {v} records" for k, v in seen.items())
            progress.update(bar, description=f"ingesting … {done}")

        set_progress_hook(on_batch)
        try:
            summary = ingest(**ingest_parameters(settings, specs, lake_path))
        except LakeBusyError as error:
            console.print(f"[yellow]lake busy:[/yellow] {error}")
            raise typer.Exit(BUSY_EXIT) from error
        except Exception as error:
            console.print(f"[red]ingest failed:[/red] {error}")
            raise typer.Exit(1) from error
        finally:
            set_progress_hook(None)
    return summary


def ingest_parameters(
    settings: Settings, specs: list[SourceSpec], lake_path: Path
) -> dict[str, Any]:
    """Return the ingest flow's parameters: the settings unpacked into plain arguments.

    Flow parameters are stored by Prefect: connection strings go without their password, which
    the flow takes back from the settings of the process that runs it (flows.settings).
    """
    from tasks.secrets import strip_password

    return {
        "sources": specs,
        "lake_path": str(lake_path),
        "catalog": strip_password(settings.catalog),
        "data_path": settings.data_path,
        "batch_size": settings.batch_size,
        "max_file_bytes": settings.max_file_bytes,
        "near_duplicate_threshold": settings.near_duplicate_threshold,
        "extract": settings.extract,
        "spacy_model": settings.spacy_model,
        "n_process": settings.n_process,
        "dask_address": settings.dask_address,
        "dask_workers": settings.dask_workers,
        "validate_batches": settings.validate_batches,
        "expectations_dir": str(settings.expectations_dir),
        "docs_dir": str(settings.docs_dir) if settings.docs_dir else None,
        "publish_to": publish_target(settings, stripped=True),
        "writer_wait_s": settings.writer_wait_s,
    }


def publish_target(settings: Settings, url: str | None = None, stripped: bool = False) -> Any:
    """Return where to publish the marts (from the settings or a URL), or None.

    `stripped`: without the URL's password, for flow parameters.
    """
    from tasks.secrets import strip_password
    from tasks.serving.publish import PublishTarget

    url = url or settings.publish_postgres_url
    if not url:
        return None
    url = (strip_password(url) or url) if stripped else url
    return PublishTarget(
        url, settings.publish_schema, settings.publish_base_tables, settings.publish_reader_role
    )


def print_summary(summary: dict[str, Any]) -> None:
    """Print the run's counts per source and where the lake is."""
    from tasks.serving.run_summary import COLUMNS, summary_rows

    table = Table(title=f"ingest run {summary['run_id']} — {summary['status']}")
    for column in ("source", *COLUMNS):
        table.add_column(
            column.replace("_", " "), justify="left" if column == "source" else "right"
        )
    for row in summary_rows(summary):
        table.add_row(*row)
    out = Console()
    out.print(table)
    for name, error in summary["errors"].items():
        out.print(f"[red]source {name} failed:[/red] {error}")
    totals = summary["totals"]
    for table, rows in summary.get("published", {}).items():
        out.print(f"published {table}: {rows} rows")
    if summary.get("docs"):
        out.print(f"Data Docs: {summary['docs']}")
    out.print(
        f"Ingested {totals.get('articles_new', 0)} new articles "
        f"({totals.get('records_read', 0)} records read, {totals.get('duplicates', 0)} duplicates, "
        f"{totals.get('rejected', 0)} rejected) into the lake at {summary['lake']}"
    )
    if summary.get("publish_error"):
        out.print(f"[red]committed, but not published:[/red] {summary['publish_error']}")


def extract(
    everything: Annotated[
        bool, typer.Option("--all", help="re-derive every article, not only unextracted ones")
    ] = False,
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Prefect logs")] = False,
) -> None:
    """Run spaCy extraction over stored articles, replacing their extracted rows."""
    settings = Settings()
    _quiet_prefect(verbose)
    from tasks.lake.lock import LakeBusyError
    from tasks.secrets import strip_password

    try:
        loading = prefect_api(lambda: import_module("flows.extract").reextract)
        with console.status("extracting …"), loading as reextract:
            counts = reextract(
                lake_path=str(lake or settings.lake),
                catalog=strip_password(settings.catalog),
                data_path=settings.data_path,
                everything=everything,
                spacy_model=settings.spacy_model,
                n_process=settings.n_process,
                dask_address=settings.dask_address,
                dask_workers=settings.dask_workers,
                batch_size=settings.batch_size,
                writer_wait_s=settings.writer_wait_s,
            )
    except LakeBusyError as error:
        console.print(f"[yellow]lake busy:[/yellow] {error}")
        raise typer.Exit(BUSY_EXIT) from error
    write_rows(list(counts), [tuple(counts.values())], OutputFormat.table)


def serve(
    cron: Annotated[str | None, typer.Option(help="cron schedule, e.g. '*/15 * * * *'")] = None,
    interval: Annotated[float | None, typer.Option(help="run every N seconds instead")] = None,
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
    port: Annotated[int, typer.Option(help="port of the local Prefect server, if one starts")] = (
        4200
    ),
) -> None:
    """Serve the ingest deployment on a schedule; start a local Prefect server if none is set."""
    settings = Settings()
    cron = cron or settings.schedule_cron
    interval = interval or settings.schedule_interval_s
    if not cron and not interval:
        console.print(
            "[red]no schedule:[/red] give --cron or --interval (or set them in "
            "newslake.toml as schedule_cron / schedule_interval_s)"
        )
        raise typer.Exit(2)
    _quiet_prefect(verbose=False)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_prefect_server(port)
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        console.print(f"started a local Prefect server; its UI is at http://127.0.0.1:{port}")
    from prefect.deployments.runner import EntrypointType

    from flows.ingest import ingest

    parameters = ingest_parameters(settings, settings.sources, lake or settings.lake)
    try:
        ingest.serve(
            name="newslake-ingest",
            cron=cron,
            interval=interval,
            parameters=jsonable(parameters),
            entrypoint_type=EntrypointType.MODULE_PATH,
            limit=1,  # one run at a time: runs that fell behind queue, never race for the lake
        )
    finally:
        if server is not None:
            stop_server(server)


def jsonable(parameters: dict[str, Any]) -> dict[str, Any]:
    """Return flow parameters as JSON values, as a deployment stores them."""
    from pydantic import TypeAdapter

    return TypeAdapter(dict[str, Any]).dump_python(parameters, mode="json")
