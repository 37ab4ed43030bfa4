"""Run a search over the lake: matching articles, attention over time, what the matches name."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from tasks.lake.search_index import token_spans
from tasks.schema import FIRST_COLUMN, FIRST_OF
from tasks.serving.search_query import Node, compile_query, parse, positive_terms

# spans longer than this are counted per week instead of per day
WEEKLY_OVER_DAYS = 120
TOP = 10
SAMPLES = 5
PASSAGE_CHARS = 120
# the summary of articles per day, source and language that the shares divide by
DAY_TOTALS = "sum_article_days"
# A match set larger than this has its top entities and places counted over a uniform sample of
# about this many of its articles: those whose ids fall below a bound. Ids are hex digits of a
# hash (tasks/ids.py), so a range of ids is a random sample, and the fact tables are merged
# sorted by id (tasks/lake/compaction.py), so the range is read from its own row groups only.
# Without it a common word's matches join every mention row in the lake: at 1M articles, 35M
# rows for each search. Media Cloud samples its top words the same way; the result says so.
SAMPLE_ARTICLES = 20_000
# hex digits of the bound: steps of 1/16.7M of the id space
BOUND_DIGITS = 6


class SearchUnavailable(RuntimeError):
    """The lake has no search index yet: no writer has opened it since search came."""


@dataclass(frozen=True)
class Filters:
    """Restrictions on the articles searched; also the base of the shares."""

    since: date | None = None
    until: date | None = None
    source: str | None = None
    language: str | None = None

    def sql(
        self,
        day: str = "cast(a.published_at as date)",
        source: str = "a.source",
        language: str = "a.language",
    ) -> tuple[str, list[Any]]:
        """Return a predicate over `a` (articles), or over the given columns, and its parameters."""
        clauses = ["true"]
        parameters: list[Any] = []
        for value, clause in (
            (self.since, f"{day} >= ?"),
            (self.until, f"{day} <= ?"),
            (self.source, f"{source} = ?"),
            (self.language, f"lower({language}) = lower(?)"),
        ):
            if value is not None:
                clauses.append(clause)
                parameters.append(value)
        return " and ".join(clauses), parameters


@dataclass
class SearchResult:
    """What a search found: the sections `newslake search` prints."""

    query: str
    bucket: str  # "day" or "week"
    matches: int
    # the matches the top entities and places count: all of them, or a uniform sample of a
    # huge match set (see SAMPLE_ARTICLES); None: all
    sampled: int | None = None
    attention: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    speakers: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def sections(self) -> dict[str, list[dict[str, Any]]]:
        """Return the result's tables by name."""
        return {
            "attention": self.attention,
            "sources": self.sources,
            "entities": self.entities,
            "places": self.places,
            "speakers": self.speakers,
            "quotes": self.quotes,
            "samples": self.samples,
        }

    @property
    def is_sampled(self) -> bool:
        """Whether the top entities and places count a sample of the matches, not all."""
        return self.sampled is not None and self.sampled < self.matches

    def sample_note(self) -> str:
        """Return what the top entities and places count, for a heading: '' when all matches."""
        if self.sampled is None or self.sampled >= self.matches:
            return ""
        return f"in a random sample of {self.sampled:,} of the {self.matches:,} matches"


def require_index(con: duckdb.DuckDBPyConnection) -> None:
    """Raise SearchUnavailable when the connection's lake has no `article_terms` table."""
    if not _has_table(con, "article_terms"):
        raise SearchUnavailable(
            "this lake has no search index yet: the next `newslake run` (any writer) builds it"
        )


def _has_table(con: duckdb.DuckDBPyConnection, name: str, column: str = "1") -> bool:
    """Return whether the lake has this table (or tables and columns, as a from clause):
    internal names, never a user's."""
    try:
        # a lookup in the lake's catalog; duckdb_tables() would list every database (~0.4 s)
        con.execute(f"select {column} from {name} limit 0").fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):
        return False
    return True


def _lake_features(con: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Raise SearchUnavailable when the lake has no search index; return whether it has the day
    totals summary, and the first-in-article flags of mentions and places (a lake no writer of
    this version has opened yet lacks them)."""
    current = (
        f"article_terms, {DAY_TOTALS}, mentions m, places p "
        f"where m.{FIRST_COLUMN} and p.{FIRST_COLUMN}"
    )
    if _has_table(con, current):  # one look-up, for a current lake
        return True, True
    require_index(con)
    return _has_table(con, DAY_TOTALS), all(
        _has_table(con, table, FIRST_COLUMN) for table in FIRST_OF
    )


def matching_ids_sql(
    query: str | Node, filters: Filters, columns: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """Return a select of the matching articles' ids (column article_id), with these further
    internal article columns, and its parameters."""
    node = parse(query) if isinstance(query, str) else query
    compiled = compile_query(node)
    predicate, parameters = filters.sql()
    selected = ", ".join(f"a.{column}" for column in ("article_id", *columns))
    sql = (
        f"select {selected} from articles a where {predicate} and a.article_id in ({compiled.sql})"
    )
    return sql, parameters + compiled.parameters


def matching_articles(
    con: duckdb.DuckDBPyConnection,
    query: str,
    filters: Filters = Filters(),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Return the matching articles (id, published_at, source, title), newest first."""
    require_index(con)
    ids, parameters = matching_ids_sql(query, filters)
    sql = (
        "select article_id, published_at, source, title from articles "
        f"where article_id in ({ids}) order by published_at desc nulls last, article_id"
    )
    if limit is not None:
        sql += " limit ?"
        parameters = [*parameters, limit]
    return _records(con.execute(sql, parameters))


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    filters: Filters = Filters(),
    top: int = TOP,
    sample: int = SAMPLE_ARTICLES,
) -> SearchResult:
    """Return what a search finds: counts and shares per day or week, top sources, entities,
    places, speakers and quotes among the matches, and sample articles with a passage. The top
    entities and places of more than `sample` matches count a uniform sample of about `sample`
    of them (`SearchResult.sampled`); every other section counts them all.

    The search runs in a transaction of its own: `con` must have none open."""
    day_totals, first_flags = _lake_features(con)
    top_sql = TOP_SQL if first_flags else TOP_SQL | DISTINCT_TOP_SQL
    node = parse(query)
    # the matches keep the article columns the sections need, so only the fact tables and the
    # samples' few bodies are read again
    matches, parameters = matching_ids_sql(node, filters, ("published_at", "source"))
    # one transaction (so the connection must have none open): every section reads the same
    # snapshot of the lake (a commit landing mid-search cannot make the counts and the top lists
    # disagree), and the catalog is read once
    con.execute("begin")
    try:
        con.execute(f"create or replace temp table search_matches as {matches}", parameters)
        bucket, periods = bucketed(attention(con, filters, day_totals))
        (count,) = con.execute("select count(*) from search_matches").fetchone() or (0,)
        result = SearchResult(query, bucket, int(count), attention=periods)
        result.sources = _records(con.execute(TOP_SQL["sources"], [top]))
        result.sampled, low, high = facet_sample(con, sample_bound(result.matches, sample))
        result.entities = _records(con.execute(top_sql["entities"], [low, high, top]))
        result.places = _records(con.execute(top_sql["places"], [low, high, top]))
        # the matches' quotes with their speakers' names, read once for both lists
        con.execute(MATCHED_QUOTES_SQL)
        result.speakers = _records(con.execute(TOP_SQL["speakers"], [top]))
        result.quotes = _records(con.execute(TOP_SQL["quotes"], [top]))
        result.samples = samples(con, node)
        for table in ("search_quotes", "search_sample", "search_matches"):
            con.execute(f"drop table {table}")
    except BaseException:
        con.execute("rollback")  # the temporary tables go with it
        raise
    con.execute("commit")
    return result


def sample_bound(matches: int, sample: int = SAMPLE_ARTICLES) -> str | None:
    """Return the id below which about `sample` of `matches` uniform hex ids fall (BOUND_DIGITS
    hex digits: an id is below it when its first digits are), or None to keep them all."""
    if matches <= sample:
        return None
    steps = 16**BOUND_DIGITS
    return format(min(steps - 1, math.ceil(steps * sample / matches)), f"0{BOUND_DIGITS}x")


def facet_sample(
    con: duckdb.DuckDBPyConnection, bound: str | None
) -> tuple[int, str | None, str | None]:
    """Keep the matches the top entities and places count (those below `bound`; all without
    one) as the temporary table search_sample; return how many and their lowest and highest id.

    The top lists filter the fact tables on that id range as well as joining the sample: a
    constant range is what the scan can check against each row group's min/max and skip."""
    below = "where article_id < ?" if bound is not None else ""
    con.execute(
        f"create or replace temp table search_sample as "
        f"select article_id from search_matches {below}",
        [bound] if bound is not None else [],
    )
    row = con.execute(
        "select count(*), min(article_id), max(article_id) from search_sample"
    ).fetchone()
    count, low, high = row if row is not None else (0, None, None)
    return int(count), low, high


def attention(
    con: duckdb.DuckDBPyConnection, filters: Filters, day_totals: bool = False
) -> list[dict[str, Any]]:
    """Return, per day, the matching articles, all articles (under the same filters) and the
    share that matched; `day_totals`: take the totals from the summary DAY_TOTALS, which every
    commit keeps (a lake no writer of this version has opened yet has none)."""
    if day_totals:
        predicate, parameters = filters.sql("published_day", "source", "nullif(language, '')")
        totals = (
            "select published_day as period, cast(sum(articles) as bigint) as total "
            f"from {DAY_TOTALS} where {predicate} group by period"
        )
    else:
        predicate, parameters = filters.sql()
        totals = (
            "select cast(a.published_at as date) as period, count(*) as total "
            f"from articles a where {predicate} and a.published_at is not null group by period"
        )
    # two aggregates joined on the day: cheaper than joining every article to the matches
    return _records(
        con.execute(
            f"with totals as ({totals}), "
            "hits as (select cast(published_at as date) as period, count(*) as matches "
            "from search_matches where published_at is not null group by period) "
            "select t.period, coalesce(h.matches, 0) as matches, t.total, "
            "round(coalesce(h.matches, 0) / t.total, 4) as share "
            "from totals t left join hits h using (period) order by t.period",
            parameters,
        )
    )


def by_week(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return per-day attention rows summed per week (weeks start on Monday)."""
    weeks: dict[date, dict[str, Any]] = {}
    for row in days:
        monday = row["period"] - timedelta(days=row["period"].weekday())
        week = weeks.setdefault(monday, {"period": monday, "matches": 0, "total": 0})
        week["matches"] += row["matches"]
        week["total"] += row["total"]
    for week in weeks.values():
        week["share"] = round(week["matches"] / week["total"], 4)
    return [weeks[monday] for monday in sorted(weeks)]


def bucketed(days: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Return ("day", days), or ("week", weeks) when the days span more than WEEKLY_OVER_DAYS."""
    if days and (days[-1]["period"] - days[0]["period"]).days > WEEKLY_OVER_DAYS:
        return "week", by_week(days)
    return "day", days


MATCHED_QUOTES_SQL = (
    "create or replace temp table search_quotes as select q.article_id, q.quote_id, "
    "q.quote_text, coalesce(e.canonical_name, q.speaker_text) as speaker, m.published_at, "
    "m.source from quotes q join search_matches m using (article_id) "
    "left join entities e on e.entity_id = q.speaker_entity_id"
)
TOP_SQL = {
    "sources": (
        "select source, count(*) as articles from search_matches "
        "group by source order by articles desc, source limit ?"
    ),
    # the flag marks one row per name and article (FIRST_OF): articles without count(distinct),
    # which costs 2-3x as much over a common word's matches
    "entities": (
        f"select {FIRST_OF['mentions']} as entity, any_value(label) as label, "
        f"count(*) filter (where {FIRST_COLUMN}) as articles, count(*) as mentions "
        "from mentions where article_id between ? and ? "
        "and article_id in (select article_id from search_sample) "
        "group by entity order by articles desc, mentions desc, entity limit ?"
    ),
    "places": (
        f"select {FIRST_OF['places']} as place, any_value(country_code) as country, "
        f"count(*) filter (where {FIRST_COLUMN}) as articles from places "
        "where article_id between ? and ? "
        "and article_id in (select article_id from search_sample) "
        "group by place order by articles desc, place limit ?"
    ),
    "speakers": (
        "select speaker, count(distinct article_id) as articles, count(*) as quotes "
        "from search_quotes where speaker is not null "
        "group by speaker order by quotes desc, speaker limit ?"
    ),
    "quotes": (
        "select speaker, quote_text as quote, published_at, source from search_quotes "
        "order by published_at desc nulls last, quote_id limit ?"
    ),
}


# the same lists where the lake has no first-in-article flags yet
DISTINCT_TOP_SQL = {
    name: TOP_SQL[name].replace(
        f"count(*) filter (where {FIRST_COLUMN})", "count(distinct article_id)"
    )
    for name in ("entities", "places")
}


def samples(
    con: duckdb.DuckDBPyConnection, node: Node, limit: int = SAMPLES
) -> list[dict[str, Any]]:
    """Return the newest matching articles, each with a passage around its first match."""
    newest = [
        row[0]
        for row in con.execute(
            "select article_id from search_matches "
            "order by published_at desc nulls last, article_id limit ?",
            [limit],
        ).fetchall()
    ]
    if not newest:
        return []
    # the bodies of these few articles only: a body column is most of the articles' bytes
    placeholders = ", ".join("?" * len(newest))
    found = _records(
        con.execute(
            "select article_id, published_at, source, title, body from articles "
            f"where article_id in ({placeholders})",
            newest,
        )
    )
    by_id = {row["article_id"]: row for row in found}
    rows = [by_id[article_id] for article_id in newest]
    phrases, prefixes = positive_terms(node)
    for row in rows:
        text = row.pop("body") or ""
        marks = match_spans(text, phrases, prefixes)
        if not marks:  # the match is in the title, or in a field filter only
            text = row["title"] or text
            marks = match_spans(text, phrases, prefixes)
        row["passage"], row["marks"] = passage(text, marks)
    return rows


def match_spans(
    text: str, phrases: list[tuple[str, ...]], prefixes: list[str]
) -> list[tuple[int, int]]:
    """Return the character spans of the text that the words, phrases and prefixes match."""
    spans = token_spans(text)
    words = [word for _, _, word in spans]
    found: list[tuple[int, int]] = []
    for index, (start, _, word) in enumerate(spans):
        for phrase in phrases:
            if tuple(words[index : index + len(phrase)]) == phrase:
                found.append((start, spans[index + len(phrase) - 1][1]))
        if any(word.startswith(prefix) for prefix in prefixes):
            found.append((start, spans[index][1]))
    return sorted(set(found))


def passage(text: str, marks: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Return the window of text around the first mark and the marks inside it, shifted."""
    if not marks:
        return text[: 2 * PASSAGE_CHARS], []
    first = marks[0][0]
    start = max(0, first - PASSAGE_CHARS)
    end = min(len(text), first + PASSAGE_CHARS)
    inside = [(s - start, e - start) for s, e in marks if s >= start and e <= end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    window = prefix + text[start:end] + suffix
    return window, [(s + shift, e + shift) for s, e in inside]


def highlight(
    text: str,
    marks: list[tuple[int, int]],
    before: str,
    after: str,
    escape: Callable[[str], str] = str,
) -> str:
    """Return the text with each mark wrapped in `before` and `after`, the text itself passed
    through `escape` (HTML or rich markup); a mark overlapping the one before is skipped."""
    pieces = []
    at = 0
    for start, end in marks:
        if start < at:
            continue
        pieces.extend([escape(text[at:start]), before, escape(text[start:end]), after])
        at = end
    pieces.append(escape(text[at:]))
    return "".join(pieces)


def _records(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return a result's rows as dicts."""
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
