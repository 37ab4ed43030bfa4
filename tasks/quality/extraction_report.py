"""Extraction quality figures over a lake: coverage, quote attribution, offset checks."""

from __future__ import annotations

import re
from typing import Any

import duckdb

CURLY_QUOTE = re.compile(r"“([^“”]+)”")
MIN_QUOTE_WORDS = 5
OFFSET_TABLES = {
    "mentions": ("start_char", "end_char", "text"),
    "quotes": ("start_char", "end_char", "quote_text"),
    "date_mentions": ("start_char", "end_char", "text"),
    "amounts": ("start_char", "end_char", "text"),
    "places": ("start_char", "end_char", "text"),
}


def curly_passages(body: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of curly-quoted passages of at least five words."""
    return [
        (m.start(1), m.end(1))
        for m in CURLY_QUOTE.finditer(body)
        if len(m.group(1).split()) >= MIN_QUOTE_WORDS
    ]


def quote_coverage(
    bodies: dict[str, str], quotes: list[tuple[str, int, int, str | None]]
) -> dict[str, int]:
    """Count curly passages, those inside a stored quote, and those whose quote has a speaker."""
    by_article: dict[str, list[tuple[int, int, str | None]]] = {}
    for article_id, start, end, speaker in quotes:
        by_article.setdefault(article_id, []).append((start, end, speaker))
    passages = covered = attributed = 0
    for article_id, body in bodies.items():
        for start, end in curly_passages(body):
            passages += 1
            match = next(
                (q for q in by_article.get(article_id, []) if q[0] <= start and q[1] >= end), None
            )
            covered += match is not None
            attributed += match is not None and match[2] is not None
    return {"curly_passages": passages, "covered": covered, "with_speaker": attributed}


def offset_mismatches(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Count child rows whose offsets do not slice their text out of the article body."""
    counts = {}
    for table, (start, end, text) in OFFSET_TABLES.items():
        row = con.execute(
            f"select count(*) from {table} t join articles a using (article_id) "
            f"where t.{start} is not null "
            f"and substring(a.body, t.{start} + 1, t.{end} - t.{start}) <> t.{text}"
        ).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def share(part: int, whole: int) -> float | None:
    """Return part / whole rounded to four places, or None for an empty whole."""
    return round(part / whole, 4) if whole else None


def extraction_report(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return the extraction figures the issue asks for, over every article in the lake."""
    row = con.execute(
        """
        with people as (
            select distinct article_id from mentions where label in ('PERSON', 'ORG')
        )
        select
            count(*),
            count(*) filter (where p.article_id is not null),
            count(*) filter (where a.focus_country is not null),
            count(*) filter (where p.article_id is not null and a.focus_country is not null)
        from articles a left join people p using (article_id)
        """
    ).fetchone()
    assert row is not None
    articles, with_people, with_focus, with_both = (int(v) for v in row)
    bodies = dict(
        con.execute("select article_id, body from articles where body like '%“%'").fetchall()
    )
    quotes = con.execute(
        "select article_id, start_char, end_char, speaker_text from quotes"
    ).fetchall()
    coverage = quote_coverage(bodies, quotes)
    return {
        "articles": articles,
        "share_with_person_or_org": share(with_people, articles),
        "share_with_focus_country": share(with_focus, articles),
        "share_with_both": share(with_both, articles),
        **coverage,
        "share_passages_covered": share(coverage["covered"], coverage["curly_passages"]),
        "share_passages_with_speaker": share(coverage["with_speaker"], coverage["curly_passages"]),
        "offset_mismatches": offset_mismatches(con),
        "rows": {
            name: int(con.execute(f"select count(*) from {name}").fetchone()[0])  # type: ignore[index]
            for name in ("mentions", "entities", "places", "quotes", "date_mentions", "amounts")
        },
    }
