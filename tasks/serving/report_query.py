"""`newslake report --query`: one page for one search, its attention curve, entities and quotes."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import matplotlib

matplotlib.use("Agg")  # no display: render to PNG only

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tasks.serving.report_html import STYLE, cell_text, figure_png, shorten  # noqa: E402
from tasks.serving.search import Filters, SearchResult, highlight, search  # noqa: E402

QUERY_STYLE = """
mark { background: #ffe066; padding: 0 0.1em; }
.cards { display: flex; gap: 1em; margin: 1em 0; }
.card { flex: 1; background: #f6f8fa; padding: 0.8em 1em; border-radius: 6px; }
.card b { display: block; font-size: 1.6em; }
.columns { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 1.5em; }
blockquote { margin: 0.4em 0; padding-left: 0.8em; border-left: 3px solid #ccc; }
.sample { margin-bottom: 1.2em; } .sample .meta { font-size: 0.85em; }
"""


def attention_chart(result: SearchResult) -> Figure:
    """Return the attention curve: matching articles (bars) and their share of all (line)."""
    fig, counts = plt.subplots(figsize=(10, 3.6))
    rows = [row for row in result.attention if row["period"] is not None]
    counts.set_title(f"Attention per {result.bucket}: {shorten(result.query, 80)}")
    if not rows:
        counts.text(0.5, 0.5, "no data", transform=counts.transAxes, ha="center", color="grey")
        fig.tight_layout()
        return fig
    periods = [row["period"] for row in rows]
    width = 5.5 if result.bucket == "week" else 0.8
    counts.bar(periods, [row["matches"] for row in rows], width=width, color="#9db9d8")
    counts.set_ylabel("matching articles")
    share = counts.twinx()
    share.plot(periods, [100 * row["share"] for row in rows], color="#c0392b", marker="o", ms=3)
    share.set_ylabel("share of all articles (%)", color="#c0392b")
    share.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator(maxticks=8)
    counts.xaxis.set_major_locator(locator)
    counts.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.tight_layout()
    return fig


NUMERIC = ' class="num"'


def table_html(rows: list[dict[str, Any]], columns: list[str], empty: str = "none") -> str:
    """Return rows as an escaped HTML table of these columns, or a note when there are none."""
    if not rows:
        return f'<p class="empty">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{NUMERIC if isinstance(row[c], int | float) else ''}>"
            f"{html.escape(cell_text(row[c]))}</td>"
            for c in columns
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def marked_html(text: str, marks: list[tuple[int, int]]) -> str:
    """Return text escaped for HTML with its marks in <mark>."""
    return highlight(text, marks, "<mark>", "</mark>", html.escape)


def samples_html(result: SearchResult) -> str:
    """Return the sample articles with their passages, the matches marked."""
    if not result.samples:
        return '<p class="empty">no matching articles</p>'
    return "".join(
        '<div class="sample">'
        f"<b>{html.escape(row['title'] or '(untitled)')}</b>"
        f'<div class="meta">{html.escape(cell_text(row["published_at"]))} · '
        f"{html.escape(row['source'] or '')}</div>"
        f"<div>{marked_html(row['passage'], row['marks'])}</div></div>"
        for row in result.samples
    )


def quotes_html(result: SearchResult) -> str:
    """Return the newest quotes of the matching articles with their speakers."""
    if not result.quotes:
        return '<p class="empty">no quotes in the matching articles</p>'
    return "".join(
        f"<blockquote>“{html.escape(shorten(row['quote'], 240))}” "
        f"— <b>{html.escape(row['speaker'] or 'unattributed')}</b>"
        f' <span class="meta">{html.escape(cell_text(row["published_at"]))}</span></blockquote>'
        for row in result.quotes
    )


def render_query_html(
    result: SearchResult, chart_png: bytes, filters: Filters, generated_at: datetime
) -> str:
    """Return the search's page, the chart inlined as a data URI."""
    total = sum(row["total"] for row in result.attention)
    share = f"{100 * result.matches / total:.1f}%" if total else "–"
    peak = max(result.attention, key=lambda row: row["matches"], default=None)
    cards = (
        f'<div class="cards"><div class="card"><b id="match-count">{result.matches}</b>'
        "matching articles</div>"
        f'<div class="card"><b>{share}</b>of {total} articles searched</div>'
        f'<div class="card"><b>{html.escape(cell_text(peak["period"]) if peak else "–")}</b>'
        f"busiest {result.bucket}</div></div>"
    )
    restrictions = ", ".join(
        f"{name} {value}" for name, value in vars(filters).items() if value is not None
    )
    note = result.sample_note()
    sampled = f'<p class="meta sampled">{html.escape(note)}</p>' if note else ""
    image = base64.b64encode(chart_png).decode("ascii")
    title = f"Search: {result.query}"
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}{QUERY_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="meta">generated {generated_at:%Y-%m-%d %H:%M} UTC'
        f"{html.escape('; ' + restrictions) if restrictions else ''}</p>"
        f"{cards}"
        f'<img alt="attention" id="chart-attention" src="data:image/png;base64,{image}">'
        '<div class="columns">'
        f"<div><h2>Entities</h2>{sampled}"
        f"{table_html(result.entities, ['entity', 'label', 'articles'])}</div>"
        f"<div><h2>Places</h2>{sampled}"
        f"{table_html(result.places, ['place', 'country', 'articles'])}</div>"
        f"<div><h2>Sources</h2>{table_html(result.sources, ['source', 'articles'])}</div>"
        "</div>"
        f"<h2>Quoted speakers</h2>{table_html(result.speakers, ['speaker', 'quotes', 'articles'])}"
        f'<h2>Quotes</h2><div id="quotes">{quotes_html(result)}</div>'
        f'<h2>Sample articles</h2><div id="samples">{samples_html(result)}</div>'
        "</body></html>\n"
    )


def build_query_report(
    con: duckdb.DuckDBPyConnection, query: str, out_dir: Path, filters: Filters | None = None
) -> dict[str, Path]:
    """Write search.html and attention.png for a query into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    filters = filters or Filters()
    result = search(con, query, filters)
    png = figure_png(attention_chart(result))
    paths = {"attention": out_dir / "attention.png", "search": out_dir / "search.html"}
    paths["attention"].write_bytes(png)
    page = render_query_html(result, png, filters, datetime.now(UTC))
    paths["search"].write_text(page, encoding="utf-8")
    return paths


def write_chart(result: SearchResult, path: Path) -> Path:
    """Write the attention curve of a search result as a PNG; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(figure_png(attention_chart(result)))
    return path
