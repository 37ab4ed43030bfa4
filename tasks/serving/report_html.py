"""A self-contained HTML report of the lake's marts: matplotlib charts as data URIs, plus tables."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from tasks.serving.world_map import country_paths, map_extent  # noqa: E402

TOP_PEOPLE = 5
TOP_ENTITIES = 12
TOP_COUNTRIES = 15
TOP_SPEAKERS = 10
DAILY_SPAN_DAYS = 92
WEEKLY_SPAN_DAYS = 731
MAP_COLOURS = "YlOrRd"
NUMERIC_CELL = ' class="num"'
CHARTS = ("entity_trends", "top_entities", "countries", "source_volume")


# queries: marts -> data frames


def frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pd.DataFrame:
    """Return a query's result as a pandas data frame."""
    return con.execute(sql, params or []).to_arrow_table().to_pandas()


def entity_trends(con: duckdb.DuckDBPyConnection, top: int = TOP_PEOPLE) -> pd.DataFrame:
    """Return (published_date, name, articles) per day for the `top` most-mentioned people."""
    return frame(
        con,
        """
        with top_people as (
            select entity_id
            from mart_entities
            where label = 'PERSON'
            order by articles desc, mentions desc, canonical_name
            limit ?
        )
        select published_date, canonical_name as name, cast(sum(articles) as bigint) as articles
        from mart_entity_mentions_daily
        join top_people using (entity_id)
        group by all
        order by published_date, name
        """,
        [top],
    )


def top_entities(con: duckdb.DuckDBPyConnection, limit: int = TOP_ENTITIES) -> pd.DataFrame:
    """Return the most-mentioned people and organisations with article and mention counts."""
    return frame(
        con,
        """
        select canonical_name as name, label, articles, mentions,
            array_to_string(list_sort(aliases)[1:3], ', ') as aliases
        from mart_entities
        where label in ('PERSON', 'ORG')
        order by articles desc, mentions desc, canonical_name
        limit ?
        """,
        [limit],
    )


def countries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return (country_code, articles, places, mentions, latitude, longitude) for every country,
    most articles first; mentions count place rows in dated articles."""
    return frame(
        con,
        """
        with dated_mentions as (
            select country_code, cast(sum(mentions) as bigint) as mentions
            from mart_countries_daily
            group by all
        )
        select country_code, articles, places, coalesce(dated_mentions.mentions, 0) as mentions,
            latitude, longitude
        from mart_countries
        left join dated_mentions using (country_code)
        order by articles desc, country_code
        """,
    )


def source_volume(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return (published_date, source, articles) per day and source."""
    return frame(
        con,
        """
        select published_date, source, cast(sum(articles) as bigint) as articles
        from mart_articles_per_day
        group by all
        order by published_date, source
        """,
    )


def top_speakers(con: duckdb.DuckDBPyConnection, limit: int = TOP_SPEAKERS) -> pd.DataFrame:
    """Return the most-quoted speakers with quote and article counts and their longest quote."""
    return frame(
        con,
        """
        select speaker, quotes, articles, sample_quote
        from mart_quotes_by_speaker_name
        order by quotes desc, speaker
        limit ?
        """,
        [limit],
    )


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each source with articles: their count and latest published_at."""
    return frame(
        con,
        """
        select source, articles, latest_published_at
        from mart_source_volume
        where articles > 0
        order by articles desc, source
        """,
    )


def report_data(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Return every frame the report shows, read from one snapshot."""
    con.execute("begin")
    try:
        return {
            "entity_trends": entity_trends(con),
            "top_entities": top_entities(con),
            "countries": countries(con),
            "source_volume": source_volume(con),
            "top_speakers": top_speakers(con),
            "sources": sources(con),
        }
    finally:
        con.execute("rollback")


# rendering: data frames -> figures and HTML


def no_data(ax: Axes) -> None:
    """Mark an empty chart."""
    ax.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=16, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def format_dates(ax: Axes) -> None:
    """Label a date axis compactly."""
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def time_bucket(dates: pd.Series) -> tuple[str, str]:
    """Return the (pandas frequency, unit name) that keeps a date span to a readable line:
    days up to three months, weeks up to two years, months beyond."""
    span = pd.to_datetime(dates.max()) - pd.to_datetime(dates.min())
    if span <= pd.Timedelta(days=DAILY_SPAN_DAYS):
        return "D", "day"
    if span <= pd.Timedelta(days=WEEKLY_SPAN_DAYS):
        return "W-MON", "week"
    return "MS", "month"


def bucketed_lines(ax: Axes, data: pd.DataFrame, series: str) -> str:
    """Draw one line per `series` value of article counts per time bucket; return the unit."""
    table = data.pivot_table(
        index="published_date", columns=series, values="articles", aggfunc="sum", fill_value=0
    )
    table.index = pd.to_datetime(table.index)
    frequency, unit = time_bucket(data["published_date"])
    # each bucket is labelled by its first day: weeks start on Monday, like ISO weeks
    table = table.resample(frequency, label="left", closed="left").sum()
    order = table.sum().sort_values(ascending=False).index
    for name in order:
        ax.plot(table.index, table[name], marker="o", markersize=3, linewidth=1.5, label=str(name))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    format_dates(ax)
    return unit


def entity_trends_chart(data: pd.DataFrame) -> Figure:
    """Return a line chart of articles per day for the top people."""
    fig, ax = plt.subplots(figsize=(10, 4))
    if data.empty:
        ax.set_title(f"Articles mentioning the top {TOP_PEOPLE} people")
        no_data(ax)
    else:
        unit = bucketed_lines(ax, data, "name")
        ax.set_title(f"Articles per {unit} mentioning the top {TOP_PEOPLE} people")
        ax.set_xlabel("published date (as printed)")
        ax.set_ylabel("articles")
    fig.tight_layout()
    return fig


def top_entities_chart(data: pd.DataFrame) -> Figure:
    """Return horizontal bars of the people and organisations in most articles."""
    fig, ax = plt.subplots(figsize=(10, max(3.0, 0.35 * len(data) + 1.2)))
    ax.set_title("Top people and organisations")
    if data.empty:
        no_data(ax)
    else:
        ordered = data.iloc[::-1]
        colours = ["tab:blue" if label == "PERSON" else "tab:orange" for label in ordered["label"]]
        ax.barh(ordered["name"], ordered["articles"], color=colours)
        ax.set_xlabel("articles")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("tab:blue", "tab:orange")]
        ax.legend(handles, ["person", "organisation"], fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def countries_chart(data: pd.DataFrame) -> Figure:
    """Return bars of the countries in most articles beside a world map shaded by articles."""
    fig, axes = plt.subplots(
        1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1, 2.6]}, squeeze=False
    )
    bars, world = axes[0]
    bars.set_title(f"Countries named in most articles (top {TOP_COUNTRIES})")
    world.set_title("Articles naming each country")
    if data.empty:
        no_data(bars)
    else:
        ordered = data.head(TOP_COUNTRIES).iloc[::-1]
        bars.barh(ordered["country_code"], ordered["articles"], color="tab:red")
        bars.set_xlabel("articles")
        bars.set_ylabel("country (ISO code)")
        bars.xaxis.set_major_locator(MaxNLocator(integer=True))
    shade_world(fig, world, dict(zip(data["country_code"], data["articles"], strict=True)))
    fig.tight_layout()
    return fig


def shade_world(fig: Figure, ax: Axes, articles: dict[str, int]) -> None:
    """Draw every country's outline, filled by its article count (grey when it has none)."""
    highest = max(articles.values(), default=0)
    # a square-root scale keeps a few much-named countries from washing out the rest
    norm = mcolors.PowerNorm(0.5, vmin=0, vmax=max(highest, 1))
    cmap = plt.get_cmap(MAP_COLOURS)
    for code, outline in country_paths().items():
        count = articles.get(code, 0)
        face = cmap(norm(count)) if count else "#e6e6e6"
        ax.add_patch(PathPatch(outline, facecolor=face, edgecolor="white", linewidth=0.3))
    x0, x1, y0, y1 = map_extent()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)  # SVG y grows downwards
    ax.set_aspect("equal")
    ax.axis("off")
    if highest:
        colourbar = fig.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.7, pad=0.01)
        colourbar.set_label("articles")
    else:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", fontsize=16, color="grey")


def source_volume_chart(data: pd.DataFrame) -> Figure:
    """Return a line chart of articles per day by source."""
    fig, ax = plt.subplots(figsize=(10, 4))
    if data.empty:
        ax.set_title("Articles by source")
        no_data(ax)
    else:
        unit = bucketed_lines(ax, data, "source")
        ax.set_title(f"Articles per {unit} by source")
        ax.set_xlabel("published date (as printed)")
        ax.set_ylabel("articles")
    fig.tight_layout()
    return fig


def render_charts(data: dict[str, pd.DataFrame]) -> dict[str, Figure]:
    """Return the report's figures by chart name."""
    return {
        "entity_trends": entity_trends_chart(data["entity_trends"]),
        "top_entities": top_entities_chart(data["top_entities"]),
        "countries": countries_chart(data["countries"]),
        "source_volume": source_volume_chart(data["source_volume"]),
    }


def html_table(data: pd.DataFrame, empty: str = "no data") -> str:
    """Return a data frame as an escaped HTML table, or a note when it is empty."""
    if data.empty:
        return f'<p class="empty">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(str(c).replace('_', ' '))}</th>" for c in data.columns)
    numeric = [pd.api.types.is_numeric_dtype(t) for t in data.dtypes]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{NUMERIC_CELL if num else ''}>{html.escape(cell_text(v))}</td>"
            for v, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in data.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def cell_text(value: object) -> str:
    """Return a cell's display text: dates as ISO minutes, lists joined, nulls blank."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0; } .meta { color: #666; margin-top: 0.2em; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0 2em; font-size: 0.9em; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; } .empty { color: #888; }
"""


def render_html(
    title: str, images: dict[str, bytes], data: dict[str, pd.DataFrame], generated_at: datetime
) -> str:
    """Return the report page with the PNG charts inlined as data URIs."""
    titles = {
        "entity_trends": "Entity trends",
        "top_entities": "Top people and organisations",
        "countries": "Countries",
        "source_volume": "Source volume",
    }
    charts = "".join(
        f"<h2>{titles[name]}</h2>"
        f'<img alt="{titles[name]}" id="chart-{name}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
        for name, png in images.items()
    )
    speakers = data["top_speakers"].copy()
    if not speakers.empty:
        speakers["sample_quote"] = speakers["sample_quote"].map(shorten)
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="meta">generated {generated_at:%Y-%m-%d %H:%M} UTC</p>'
        f"{charts}"
        f'<h2>Top entities</h2><div id="table-entities">{html_table(data["top_entities"])}</div>'
        f'<h2>Top quoted speakers</h2><div id="table-speakers">{html_table(speakers)}</div>'
        f'<h2>Sources</h2><div id="table-sources">{html_table(data["sources"])}</div>'
        "</body></html>\n"
    )


def shorten(text: object, limit: int = 200) -> str:
    """Return text cut at a word boundary to at most `limit` characters."""
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[:limit].rsplit(" ", 1)[0] + " …"


def figure_png(fig: Figure) -> bytes:
    """Return a figure as PNG bytes and close it."""
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def build_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, title: str = "newslake report"
) -> dict[str, Path]:
    """Write report.html and one PNG per chart into out_dir; return their paths by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report_data(con)
    images = {name: figure_png(fig) for name, fig in render_charts(data).items()}
    paths: dict[str, Path] = {}
    for name, png in images.items():
        paths[name] = out_dir / f"{name}.png"
        paths[name].write_bytes(png)
    paths["report"] = out_dir / "report.html"
    page = render_html(title, images, data, datetime.now(UTC))
    paths["report"].write_text(page, encoding="utf-8")
    return paths
