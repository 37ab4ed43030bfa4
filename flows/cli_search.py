"""`newslake search`: a keyword query over the lake, its attention over time and what it names."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from flows.cli_common import OutputFormat, console, open_lake_read_only, write_rows
from flows.settings import Settings

# the sections a table prints, with their columns
SECTIONS = {
    "sources": ["source", "articles"],
    "entities": ["entity", "label", "articles", "mentions"],
    "places": ["place", "country", "articles"],
    "speakers": ["speaker", "quotes", "articles"],
}
# the sections counted over a sample of a huge match set
SAMPLED_SECTIONS = ("entities", "places")


def search(
    query: Annotated[
        str, typer.Argument(help='e.g. \'"gas pipeline" AND entity:"Vladimir Putin"\'')
    ],
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    language: Annotated[str | None, typer.Option(help="only this language code")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    articles: Annotated[
        bool, typer.Option("--articles", help="print the matching articles instead")
    ] = False,
    chart: Annotated[Path | None, typer.Option(help="write the attention curve as PNG")] = None,
    lake: Annotated[Path | None, typer.Option(help="lake folder (default from settings)")] = None,
) -> None:
    """Search the articles: attention per day (or week) and its share of all articles, top
    sources, entities, places and speakers, sample passages. Syntax: docs/search.md."""
    from tasks.serving.search import Filters, SearchUnavailable, matching_articles
    from tasks.serving.search import search as run_search
    from tasks.serving.search_query import SearchSyntaxError

    filters = Filters(
        since.date() if since else None, until.date() if until else None, source, language
    )
    con = open_lake_read_only(lake, Settings())
    try:
        if articles:
            rows = matching_articles(con, query, filters)
            write_rows(
                ["article_id", "published_at", "source", "title"],
                [tuple(r.values()) for r in rows],
                output,
            )
            return
        result = run_search(con, query, filters)
    except (SearchSyntaxError, SearchUnavailable) as error:
        console.print(f"[red]search failed:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    finally:
        con.close()
    if chart is not None:
        from tasks.serving.report_query import write_chart

        console.print(f"chart: {write_chart(result, chart)}")
    print_result(result, output)


def print_result(result: Any, output: OutputFormat) -> None:
    """Print a search result: every section as tables, its attention rows as CSV, or one JSON
    object."""
    if output is OutputFormat.json:
        body = {
            "query": result.query,
            "bucket": result.bucket,
            "matches": result.matches,
            # the matches the top entities and places count (a sample of a huge match set)
            "sampled": result.sampled,
        }
        sections = {name: rows for name, rows in result.sections().items()}
        sys.stdout.write(json.dumps(body | sections, default=str, ensure_ascii=False) + "\n")
        return
    columns = ["period", "matches", "total", "share"]
    rows = [tuple(row[c] for c in columns) for row in result.attention]
    if output is OutputFormat.csv:
        write_rows(columns, rows, output)
        return
    out = Console()
    out.print(f"[bold]{result.matches}[/bold] matching articles for {escape(result.query)}")
    out.rule(f"attention per {result.bucket}")
    write_rows(columns, rows, output)
    for name, names in SECTIONS.items():
        note = result.sample_note() if name in SAMPLED_SECTIONS else ""
        out.rule(f"top {name}" + (f" ({note})" if note else ""))
        write_rows(names, [tuple(row[c] for c in names) for row in result.sections()[name]], output)
    out.rule("sample articles")
    for row in result.samples:
        out.print(
            f"[bold]{escape(row['title'] or '(untitled)')}[/bold]  "
            f"[dim]{row['published_at']} · {escape(row['source'] or '')}[/dim]"
        )
        out.print(_marked(row["passage"], row["marks"]), highlight=False)


def _marked(text: str, marks: list[tuple[int, int]]) -> str:
    """Return a passage as rich markup, its marks in bold yellow."""
    from tasks.serving.search import highlight

    return highlight(text, marks, "[bold yellow]", "[/]", escape)


def query_report(con: Any, query: str, out: Path) -> dict[str, Path]:
    """Write `report --query`'s page; exit with a message when the query cannot run."""
    from tasks.serving.report_query import build_query_report
    from tasks.serving.search import SearchUnavailable
    from tasks.serving.search_query import SearchSyntaxError

    try:
        return build_query_report(con, query, out)
    except (SearchSyntaxError, SearchUnavailable) as error:
        console.print(f"[red]report failed:[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
