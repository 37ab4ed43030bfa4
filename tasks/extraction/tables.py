"""spaCy extraction: turn each Doc into rows for the child tables.

A worker process that only extracts imports no Arrow (see `worker.py`): the functions that take
or give Arrow tables import `batch_output` when they are called.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tasks.extraction.amounts import extract_amounts
from tasks.extraction.date_mentions import extract_dates
from tasks.extraction.mentions import entity_id, extract_mentions
from tasks.extraction.places import extract_places, resolve_place
from tasks.extraction.quotes import extract_quotes, link_quote_parts
from tasks.extraction.sentences import sentence_starts
from tasks.extraction.tone import score_tone
from tasks.ids import stable_id
from tasks.table_keys import BATCH_KEYS, EXTRACTED_TABLES

if TYPE_CHECKING:
    import pyarrow as pa
    from spacy.language import Language
    from spacy.tokens import Doc

PLACE_LABELS = frozenset({"GPE", "LOC"})
# spaCy refuses texts over nlp.max_length (1M characters) and needs about 1 GB per 100k characters
# in the parser: a body longer than this is extracted from its first EXTRACT_CHARS characters only
# (offsets stay offsets into the stored body). News stories are far shorter; a 5 MB record is a
# dump or an attack, and one of them must not fail the batch it is in.
EXTRACT_CHARS = 100_000
# spaCy's working memory grows with the text in one `nlp.pipe` batch. Measured in one worker
# (201 MB after warm-up), over chunks of 40 stories: 40 at a time peaked at 294 MB for 120-word
# stories and 460 MB for 400-word ones; batches of about this many characters peak at 266 and
# 277 MB (318 MB for whole BBC stories), at the same speed within the noise.
BATCH_CHARS = 20_000


@dataclass
class Extraction:
    """Rows for each child table, plus the per-article fields extraction fills in."""

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in EXTRACTED_TABLES}
    )
    article_fields: dict[str, dict[str, Any]] = field(default_factory=dict)


def row_id(article_id: str, table: str, *parts: object) -> str:
    """Return a stable id for a child row, so re-extraction replaces rather than doubles."""
    return stable_id(article_id, table, *parts)


def canonical_places(mentions: list[dict[str, Any]]) -> None:
    """Give place mentions the gazetteer's name ("U.S." -> "United States") in place."""
    for mention in mentions:
        if mention["label"] in PLACE_LABELS:
            place = resolve_place(mention["canonical_name"])
            if place:
                mention["canonical_name"] = place["name"]
                mention["entity_id"] = entity_id(mention["label"], place["name"])


def speaker_entities(quotes: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> None:
    """Link each quote's resolved speaker span to the entity mentioned there."""
    by_span = {(m["start_char"], m["end_char"]): m["entity_id"] for m in mentions}
    by_start = {m["start_char"]: m["entity_id"] for m in mentions}
    for quote in quotes:
        start, end = quote.pop("speaker_ref_start", None), quote.pop("speaker_ref_end", None)
        quote["speaker_entity_id"] = (
            by_span.get((start, end)) or by_start.get(start) or _inside(mentions, start, end)
            if start is not None
            else None
        )


def _inside(mentions: list[dict[str, Any]], start: int, end: int | None) -> str | None:
    """Return the entity of the first mention inside a span (a mention trimmed of "the")."""
    last = end if end is not None else start
    inside = (m for m in mentions if start <= m["start_char"] and m["end_char"] <= last)
    return next((m["entity_id"] for m in inside), None)


def doc_rows(doc: Doc, article: dict[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], dict]:
    """Return the child rows of one article's Doc and its tone and focus country."""
    article_id = article["article_id"]
    starts = sentence_starts(doc)
    mentions = extract_mentions(doc, starts)
    canonical_places(mentions)
    quotes = extract_quotes(doc)
    speaker_entities(quotes, mentions)
    places, focus = extract_places(doc, article.get("dateline_places") or [])
    published: datetime | None = article.get("published_at")
    rows = {
        "mentions": mentions,
        "places": places,
        "quotes": quotes,
        "date_mentions": extract_dates(doc, published),
        "amounts": extract_amounts(doc),
    }
    for table, table_rows in rows.items():
        key = BATCH_KEYS[table]
        for index, row in enumerate(table_rows):
            row["article_id"] = article_id
            row[key] = row_id(article_id, table, index, row.get("start_char"), row.get("text"))
    link_quote_parts(quotes)
    fields = {"tone": score_tone([sent.text for sent in doc.sents]), "focus_country": focus}
    return rows, fields


def pipe_batch_size(texts: list[str], most: int) -> int:
    """Return how many of these texts go into one spaCy batch: about BATCH_CHARS characters of
    them, at least 1 and at most `most`."""
    chars = sum(map(len, texts))
    return max(1, min(most, BATCH_CHARS * len(texts) // chars)) if chars else most


def extract_articles(
    nlp: Language, articles: Iterable[dict[str, Any]], n_process: int = 1, batch_size: int = 64
) -> Extraction:
    """Run the pipeline over the articles' bodies and collect every child table's rows."""
    extraction = Extraction()
    pairs = [(article["body"][:EXTRACT_CHARS], article) for article in articles]
    batch_size = pipe_batch_size([text for text, _ in pairs], batch_size)
    for doc, article in nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
        rows, fields = doc_rows(doc, article)
        for table, table_rows in rows.items():
            extraction.rows[table].extend(table_rows)
        extraction.article_fields[article["article_id"]] = fields
    return extraction


def extraction_tables(extraction: Extraction) -> dict[str, pa.Table]:
    """Return the child tables as Arrow tables."""
    from tasks.extraction.batch_output import child_tables

    return child_tables(extraction.rows)


def with_article_fields(articles: pa.Table, extraction: Extraction) -> pa.Table:
    """Return the articles table with tone and focus_country filled from the extraction."""
    from tasks.extraction.batch_output import with_fields

    return with_fields(articles, extraction.article_fields)


def article_inputs(articles: pa.Table, language: str) -> list[dict[str, Any]]:
    """Return the fields extraction reads from each article in the pipeline's language."""
    columns = ["article_id", "body", "published_at", "dateline_places", "language"]
    return in_language(articles.select(columns).to_pylist(), language)


def in_language(rows: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Return the articles the pipeline of this language extracts (unknown language included)."""
    return [row for row in rows if row["language"] in (None, language)]


def extract_tables(
    nlp: Language, articles: pa.Table, n_process: int = 1
) -> tuple[dict[str, pa.Table], pa.Table]:
    """Return the child tables for these articles and the articles with tone and focus set.

    Articles in another language than the pipeline's are left without extraction.
    """
    inputs = article_inputs(articles, nlp.lang or "en")
    extraction = extract_articles(nlp, inputs, n_process=n_process)
    return extraction_tables(extraction), with_article_fields(articles, extraction)
