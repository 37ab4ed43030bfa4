"""Summary tables: the marts' heavy aggregates, kept up to date by every commit.

A mart that re-aggregates millions of mention rows per query cannot answer in 100 ms, so the
aggregates live in lake tables (`sum_*`) that each commit updates in the same transaction as its
batch: readers see a batch and its summaries together or neither. Each summary is a `select` in
`sql/summaries/` over `scope_articles`, a temporary view the code points at the articles concerned:

- refreshed by day: the rows of the days a commit touched are deleted and recomputed from all the
  articles of those days, so they are always exact;
- additive: the rows of the committed articles are merged into the table by key (counts add up,
  first/last dates widen, the longer sample wins). Re-extraction subtracts the articles' old
  counts; its first/last dates and samples may stay wider until `rebuild_summaries`, which
  `newslake extract --all` runs at its end.

A summary whose definition (select text, merge rules, the staging views' selects) changed is
rebuilt when a writer opens the lake; its hash is kept as the table's comment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.lake import views

SQL_DIR = views.SQL_DIR / "summaries"
SCOPE_VIEW = "scope_articles"
IN_SCOPE_IDS = "article_id in (select article_id from temp.scope_ids)"
MAX_DATA_FILES = 24  # a summary with more data files than this is compacted in the commit
REBUILD_ARTICLES = 20_000  # articles per span of days when a summary by day is rebuilt
# A commit whose days hold more articles than this (a backfill into a big lake) leaves them to
# `refresh_pending`, run at the end of the run, instead of recomputing them batch after batch.
REFRESH_NOW_ARTICLES = 20_000
PENDING = "summary_pending_days"


@dataclass(frozen=True)
class Summary:
    """A summary table: its select, and by day or by key with a merge rule per measure column."""

    name: str
    select: str
    key: tuple[str, ...] = ()
    # measure column -> sum (a count: a row is kept while one is above 0), total (a float sum),
    # min, max or longest
    merge: dict[str, str] = field(default_factory=dict)
    # the staging views it reads, by their definitions' hash: a changed view rebuilds it too
    staging: str = ""

    @property
    def by_day(self) -> bool:
        return not self.key

    @property
    def definition_hash(self) -> str:
        merge = sorted(self.merge.items())
        return views.definition_hash(f"{self.select}\n{self.key}\n{merge}\n{self.staging}")


# How each summary file is maintained; a file not listed here is refreshed by day.
ADDITIVE: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "sum_article_days": (("published_day", "source", "language"), {"articles": "sum"}),
    "sum_entity_days": (
        ("published_date", "source", "entity_id", "label"),
        {"mentions": "sum", "articles": "sum", "tone_sum": "total", "toned_articles": "sum"},
    ),
    "sum_country_days": (
        ("published_date", "country_code"),
        {"mentions": "sum", "articles": "sum", "focus_articles": "sum"},
    ),
    "sum_co_mentions": (
        ("entity_a_id", "entity_b_id"),
        {"weight": "sum", "first_published_date": "min", "last_published_date": "max"},
    ),
    "sum_city_mentions": (
        ("country_code", "name", "latitude", "longitude"),
        {"mentions": "sum"},
    ),
    "sum_speakers": (
        ("entity_id",),
        {
            "quotes": "sum",
            "articles": "sum",
            "first_seen_at": "min",
            "last_seen_at": "max",
            "sample_quote": "longest",
        },
    ),
}


def load_summaries(sql_dir: Path = SQL_DIR) -> list[Summary]:
    """Return the summaries defined in sql/summaries, by file name."""
    staging = views.definition_hash(
        "\n".join(select for name, select in views.load_views() if name.startswith("stg_"))
    )
    summaries = []
    for path in sorted(sql_dir.glob("*.sql")):
        select = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        key, merge = ADDITIVE.get(path.stem, ((), {}))
        summaries.append(Summary(path.stem, select, key, merge, staging))
    return summaries


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Register the staging views, build missing or changed summaries, then register the marts."""
    all_views = views.load_views()
    views.register_views(con, [(n, s) for n, s in all_views if n.startswith("stg_")])
    con.execute(f"create table if not exists {PENDING} (summary varchar, published_date date)")
    ensure_summaries(con, load_summaries())
    views.register_views(con, all_views)


def ensure_summaries(con: duckdb.DuckDBPyConnection, summaries: list[Summary]) -> list[str]:
    """(Re)build each summary that is missing or whose definition changed; return their names."""
    comments = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
    )
    stale = [s for s in summaries if comments.get(s.name, "") != s.definition_hash]
    if not stale:
        return []
    con.execute("begin")
    try:
        _scope(con, "false")
        for summary in stale:
            con.execute(f"drop table if exists {summary.name}")
            con.execute(f"create table {summary.name} as {summary.select}")
            con.execute(f"comment on table {summary.name} is '{summary.definition_hash}'")
        if con.execute("select count(*) from stg_articles").fetchone() != (0,):
            rebuild_summaries(con, stale)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return [s.name for s in stale]


def rebuild_summaries(
    con: duckdb.DuckDBPyConnection, summaries: list[Summary] | None = None
) -> None:
    """Recompute every summary from all articles, in the caller's transaction.

    Summaries by day are filled a span of days at a time, so memory stays bounded by the span."""
    for summary in summaries or load_summaries():
        con.execute(f"delete from {summary.name}")
        if not summary.by_day:
            _scope(con, "true")
            con.execute(f"insert into {summary.name} by name {summary.select}")
            continue
        for days, _ in _day_spans(con, "true"):
            _scope_days(con, days)
            con.execute(f"insert into {summary.name} by name {summary.select}")
        _clear_pending(con, summary.name)
    con.execute(f"drop view if exists temp.{SCOPE_VIEW}")


def refresh_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the days that commits left pending, in the caller's transaction; return them."""
    pending = 0
    for summary in (s for s in load_summaries() if s.by_day):
        where = (
            f"published_date in (select published_date from {PENDING} "
            f"where summary = '{summary.name}')"
        )
        for days, _ in _day_spans(con, where):
            _recompute_days(con, summary, days)
            pending += days.num_rows
        _clear_pending(con, summary.name)
    con.execute(f"drop view if exists temp.{SCOPE_VIEW}")
    return pending


def has_pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Return whether some summary days wait for `refresh_pending`."""
    return con.execute(f"select count(*) from {PENDING}").fetchone() != (0,)


def _clear_pending(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if con.execute(f"select count(*) from {PENDING} where summary = ?", [name]).fetchone() != (0,):
        con.execute(f"delete from {PENDING} where summary = ?", [name])


def _day_spans(con: duckdb.DuckDBPyConnection, where: str) -> Iterator[tuple[pa.Table, int]]:
    """Yield the publication days of the articles `where` selects, in consecutive spans of days
    that hold about REBUILD_ARTICLES articles of the lake, with those articles' count."""
    rows = con.execute(
        "select published_date, count(*) from stg_articles where published_date in "
        f"(select published_date from stg_articles where {where}) group by all order by all"
    ).fetchall()
    span: list[date] = []
    articles = 0
    for day, count in rows:
        span.append(day)
        articles += count
        if articles >= REBUILD_ARTICLES:
            yield pa.table({"published_date": pa.array(span, pa.date32())}), articles
            span, articles = [], 0
    if span:
        yield pa.table({"published_date": pa.array(span, pa.date32())}), articles


def old_contributions(
    con: duckdb.DuckDBPyConnection, article_ids: pa.Table, summaries: list[Summary] | None = None
) -> list[str]:
    """Save what these articles now add to each additive summary, before their rows are replaced.

    Returns the names of the temporary tables that `refresh_summaries` subtracts."""
    _scope_ids(con, article_ids)
    saved = []
    for summary in summaries or load_summaries():
        if summary.by_day:
            continue
        con.execute(f"create or replace temp table old_{summary.name} as {summary.select}")
        saved.append(summary.name)
    return saved


def refresh_summaries(
    con: duckdb.DuckDBPyConnection,
    article_ids: pa.Table,
    subtract: Iterable[str] = (),
    summaries: list[Summary] | None = None,
    defer_over: int | None = None,
) -> None:
    """Bring every summary up to date with these just-written articles, in the caller's transaction.

    `subtract` names the additive summaries whose old contributions `old_contributions` saved.
    With `defer_over`, days by day holding more articles than that are marked pending instead."""
    if article_ids.num_rows == 0:
        return
    subtract = set(subtract)
    _scope_ids(con, article_ids)
    for summary in summaries or load_summaries():
        if summary.by_day:
            _refresh_days(con, summary, defer_over)
        else:
            _merge(con, summary, summary.name in subtract)
        _compact(con, summary.name)
    con.execute(f"drop view if exists temp.{SCOPE_VIEW}")


def _scope(con: duckdb.DuckDBPyConnection, where: str) -> None:
    con.execute(
        f"create or replace temp view {SCOPE_VIEW} as select * from stg_articles where {where}"
    )


def _scope_ids(con: duckdb.DuckDBPyConnection, article_ids: pa.Table) -> None:
    con.register("scope_ids_arrow", article_ids.select(["article_id"]))
    try:
        con.execute("create or replace temp table scope_ids as select * from scope_ids_arrow")
    finally:
        con.unregister("scope_ids_arrow")
    _scope(con, IN_SCOPE_IDS)


def _scope_days(con: duckdb.DuckDBPyConnection, days: pa.Table) -> None:
    con.register("scope_days_arrow", days)
    try:
        con.execute("create or replace temp table scope_days as select * from scope_days_arrow")
    finally:
        con.unregister("scope_days_arrow")
    _scope(con, "published_date in (select published_date from temp.scope_days)")


def _refresh_days(
    con: duckdb.DuckDBPyConnection, summary: Summary, defer_over: int | None = None
) -> None:
    """Recompute the summary's rows of the days the scope's articles were published on, or mark
    those days pending when they hold more than `defer_over` articles."""
    spans = list(_day_spans(con, IN_SCOPE_IDS))
    if defer_over is not None and sum(articles for _, articles in spans) > defer_over:
        days = pa.concat_tables([days for days, _ in spans])
        con.register("deferred_days", days)
        try:
            con.execute(
                f"insert into {PENDING} select '{summary.name}', published_date "
                f"from deferred_days where published_date not in "
                f"(select published_date from {PENDING} where summary = '{summary.name}')"
            )
        finally:
            con.unregister("deferred_days")
        return
    for days, _ in spans:
        _recompute_days(con, summary, days)


def _recompute_days(con: duckdb.DuckDBPyConnection, summary: Summary, days: pa.Table) -> None:
    _scope_days(con, days)
    con.execute(
        f"delete from {summary.name} "
        "where published_date in (select published_date from temp.scope_days)"
    )
    con.execute(f"insert into {summary.name} by name {summary.select}")


def _merge(con: duckdb.DuckDBPyConnection, summary: Summary, subtract: bool) -> None:
    """Merge the rows of the scope's articles into an additive summary, by key."""
    _scope(con, IN_SCOPE_IDS)
    keys = ", ".join(summary.key)
    rules = summary.merge
    if subtract:
        negated = ", ".join(
            f"-{c} as {c}" if rule in ("sum", "total") else f"null as {c}"
            for c, rule in rules.items()
        )
        combined = {"sum": "sum({c})", "total": "sum({c})", "min": "min({c})", "max": "max({c})"}
        measures = ", ".join(
            combined.get(rule, "max_by({c}, length({c}))").format(c=c) + f" as {c}"
            for c, rule in rules.items()
        )
        source = (
            f"select {keys}, {measures} from ({summary.select} "
            f"union all by name select {keys}, {negated} from temp.old_{summary.name}) "
            "group by all"
        )
    else:
        source = summary.select
    con.execute(f"create or replace temp table delta as {source}")
    if con.execute("select count(*) from temp.delta").fetchone() == (0,):
        return
    merged = ", ".join(_merge_expression(c, rule) for c, rule in rules.items())
    join = " and ".join(f"t.{k} = d.{k}" for k in summary.key)
    counts = [c for c, rule in rules.items() if rule == "sum"]
    kept = " or ".join(f"{c} > 0" for c in counts) or "true"
    key_columns = ", ".join(f"d.{k}" for k in summary.key)
    con.execute(
        f"create or replace temp table merged as select {key_columns}, {merged} "
        f"from temp.delta d left join {summary.name} t on {join}"
    )
    con.execute(f"delete from {summary.name} t using temp.delta d where {join}")
    con.execute(f"insert into {summary.name} by name select * from temp.merged where {kept}")


def _merge_expression(column: str, rule: str) -> str:
    old, new = f"t.{column}", f"d.{column}"
    if rule in ("sum", "total"):
        return f"coalesce({old}, 0) + coalesce({new}, 0) as {column}"
    if rule == "min":
        return f"least({old}, {new}) as {column}"
    if rule == "max":
        return f"greatest({old}, {new}) as {column}"
    if rule == "longest":
        return (
            f"case when {new} is null or length({old}) >= length({new}) then {old} "
            f"else {new} end as {column}"
        )
    raise ValueError(f"unknown merge rule {rule!r} for {column}")


def _compact(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rewrite a summary into one file once commits have left it in many small ones."""
    row = con.execute(
        "select count(*) from ducklake_list_files(current_database(), ?)", [table]
    ).fetchone()
    if row and row[0] > MAX_DATA_FILES:
        con.execute(f"create or replace temp table compacted as select * from {table}")
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} select * from temp.compacted")
        con.execute("drop table temp.compacted")
