"""The search index: every word of every article with its positions, and the SQL macros over it.

`article_terms` holds one row per (article, distinct word) with the word's positions, title
words first, then a gap (so no phrase spans the title's end and the body's start), then the
body's. The writer adds the rows of new articles in the transaction that commits them, so readers
see the index and the articles together. Words are what `tokens` finds: runs of Unicode letters,
digits and combining marks, lower-cased. DuckDB (RE2, `lower`) and Python (`unicodedata`,
`str.lower`) apply the same rule, so a query tokenised in Python finds what SQL indexed.

The table macros are stored in the lake's catalog, so every client that attaches it (BI tools
too) can call them: `search_word`, `search_prefix`, `search_phrase`, `search_all`, `search_any`.
"""

from __future__ import annotations

import hashlib
import unicodedata

import duckdb
import pyarrow as pa

# a word: letters, digits and combining marks (RE2 syntax; `is_word_char` is the same in Python)
WORD_PATTERN = r"[\p{L}\p{N}\p{M}]+"


def _words(column: str) -> str:
    """Return the SQL expression of a text column's words (a list), as `tokens` finds them."""
    return f"regexp_extract_all(lower(coalesce({column}, '')), '{WORD_PATTERN}')"


# the rows of `article_terms` for the articles whose ids are in the relation `{ids}`
_TERMS_SELECT = """
with docs as (
    select article_id,
        list_concat(TITLE_WORDS, [''], BODY_WORDS) as words
    from articles where article_id in (select article_id from {ids})
),
positioned as (
    select article_id, unnest(words) as term, generate_subscripts(words, 1) - 1 as position
    from docs
)
select article_id, term, list(cast(position as integer) order by position) as positions
from positioned where term <> '' group by article_id, term order by term
""".replace("TITLE_WORDS", _words("title")).replace("BODY_WORDS", _words("body"))



def phrase_starts(place: str) -> str:
    """Return the SQL count of the start positions an article's rows (t: its article_terms rows
    of the phrase's words; `place`: the column of each row's word's place in the phrase) have
    in common: the phrase is there when it is above 0."""
    return (
        f"len(list_reduce(list(list_transform(t.positions, lambda x: x - {place})), "
        "lambda a, b: list_intersect(a, b)))"
    )


PHRASE_STARTS = phrase_starts("w.k")


# table macros stored in the lake; each returns (article_id) for the articles that match
MACROS = {
    "search_tokens": f"select unnest({_words('input')}) as term",
    "search_word": (
        "select distinct article_id from article_terms "
        "where term in (select term from search_tokens(word))"
    ),
    "search_prefix": (
        "select distinct article_id from article_terms where starts_with(term, lower(prefix))"
    ),
    "search_phrase": """
        with words as (
            select unnest(w) as term, generate_subscripts(w, 1) - 1 as k
            from (select list(term) as w from search_tokens(phrase))
        )
        select t.article_id from article_terms t join words w using (term)
        group by t.article_id
        having count(*) = (select count(*) from words) and PHRASE_STARTS > 0
    """.replace("PHRASE_STARTS", PHRASE_STARTS),
    "search_all": """
        select article_id from article_terms
        where term in (select term from search_tokens(words))
        group by article_id
        having count(distinct term) = (select count(distinct term) from search_tokens(words))
    """,
    "search_any": (
        "select distinct article_id from article_terms "
        "where term in (select term from search_tokens(words))"
    ),
}
MACRO_PARAMETERS = {
    "search_tokens": "input",
    "search_word": "word",
    "search_prefix": "prefix",
    "search_phrase": "phrase",
    "search_all": "words",
    "search_any": "words",
}
# a scalar macro whose value says which definitions the lake holds
VERSION_MACRO = "search_macros_version"


def is_word_char(char: str) -> bool:
    """Return whether a character belongs to a word: a Unicode letter, digit or mark."""
    return unicodedata.category(char)[0] in "LNM"


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, lower-cased word) for each word of the text, in order."""
    spans = []
    start = None
    for index, char in enumerate(text):
        if is_word_char(char):
            if start is None:
                start = index
        elif start is not None:
            spans.append((start, index, text[start:index].lower()))
            start = None
    if start is not None:
        spans.append((start, len(text), text[start:].lower()))
    return spans


def tokens(text: str) -> list[str]:
    """Return the lower-cased words of a text, as the index stores them."""
    return [word for _, _, word in token_spans(text)]


def index_articles(
    con: duckdb.DuckDBPyConnection, articles: pa.Table | None, article_ids: pa.Table
) -> int:
    """Add the index rows of the batch's articles whose ids are in `article_ids` (the new ones);
    return the rows added.

    Reads the words from the batch, not the lake (which would scan every body), and runs inside
    the caller's transaction, so the rows commit with the articles."""
    if articles is None or article_ids.num_rows == 0:
        return 0
    con.register("search_batch", articles.select(["article_id", "title", "body"]))
    con.register("search_new_ids", article_ids.select(["article_id"]))
    try:
        select = _TERMS_SELECT.replace("from articles", "from search_batch", 1)
        row = con.execute(
            "insert into article_terms by name " + select.replace("{ids}", "search_new_ids")
        ).fetchone()
    finally:
        con.unregister("search_new_ids")
        con.unregister("search_batch")
    return int(row[0]) if row else 0


def backfill_search_index(con: duckdb.DuckDBPyConnection) -> int:
    """Index every article of a lake written before `article_terms`, in one transaction; return
    the rows stored (0 when the index has rows already or the lake has no articles)."""
    (has_terms,) = con.execute("select exists (select 1 from article_terms)").fetchone() or (0,)
    (has_articles,) = con.execute("select exists (select 1 from articles)").fetchone() or (0,)
    if has_terms or not has_articles:
        return 0
    con.execute("begin")
    try:
        row = con.execute(
            "insert into article_terms by name " + _TERMS_SELECT.replace("{ids}", "articles")
        ).fetchone()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return int(row[0]) if row else 0


def macros_version() -> str:
    """Return a short hash of the macro definitions."""
    text = "\n".join(f"{name}({MACRO_PARAMETERS[name]}):{MACROS[name]}" for name in MACROS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def macro_statements(temporary: bool = False) -> list[str]:
    """Return the statements that (re)define the search macros, the version one last."""
    kind = "temp macro" if temporary else "macro"
    statements = [
        f"create or replace {kind} {name}({MACRO_PARAMETERS[name]}) as table {select}"
        for name, select in MACROS.items()
    ]
    statements.append(f"create or replace {kind} {VERSION_MACRO}() as '{macros_version()}'")
    return statements


def stored_version(con: duckdb.DuckDBPyConnection, database: str) -> str | None:
    """Return the macro version the database holds, or None when it has none."""
    row = con.execute(
        "select macro_definition from duckdb_functions() "
        "where database_name = ? and function_name = ?",
        [database, VERSION_MACRO],
    ).fetchone()
    return str(row[0]).strip("'") if row else None


def ensure_search_macros(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Store the search macros in the lake when it lacks them or holds older ones, in one
    transaction; return whether it did."""
    if stored_version(con, database) == macros_version():
        return False
    con.execute("begin")
    try:
        for statement in macro_statements():
            con.execute(statement)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return True


def register_reader_macros(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Give a read-only connection to a lake without the current macros temporary ones; return
    whether it did (a reader cannot change the catalog)."""
    if stored_version(con, database) == macros_version():
        return False
    (has_index,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and table_name = ?",
        [database, "article_terms"],
    ).fetchone() or (0,)
    if not has_index:
        return False  # a lake no writer has opened since search came: nothing to search yet
    for statement in macro_statements(temporary=True):
        con.execute(statement)
    return True
