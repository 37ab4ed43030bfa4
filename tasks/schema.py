"""Arrow schemas of the lake's tables; the DuckDB DDL is derived from them."""

from __future__ import annotations

import pyarrow as pa

from tasks.table_keys import BATCH_KEYS

UTC_TS = pa.timestamp("us", tz="UTC")
PLACE = pa.struct([("name", pa.string()), ("region", pa.string())])

RAW_DOCUMENTS = pa.schema(
    [
        ("raw_id", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("locator", pa.string()),
        ("media_type", pa.string()),
        ("payload", pa.binary()),
        ("payload_bytes", pa.int64()),
        ("meta", pa.string()),
        ("fetched_at", UTC_TS),
        ("article_id", pa.string()),
        ("is_duplicate", pa.bool_()),
        ("run_id", pa.string()),
    ]
)

ARTICLES = pa.schema(
    [
        ("article_id", pa.string()),
        ("raw_id", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("body", pa.string()),
        ("author", pa.string()),
        ("section", pa.string()),
        ("dateline_raw", pa.string()),
        ("dateline_places", pa.list_(PLACE)),
        ("agency", pa.string()),
        ("published_at", UTC_TS),
        ("published_at_source", pa.string()),
        ("published_at_precision", pa.string()),
        # the calendar date and UTC offset the publication printed (offset null: none given)
        ("published_local_date", pa.date32()),
        ("published_utc_offset_minutes", pa.int32()),
        ("language", pa.string()),
        ("word_count", pa.int32()),
        ("content_hash", pa.string()),
        ("duplicate_of", pa.string()),
        ("tone", pa.float64()),
        ("focus_country", pa.string()),
        ("extra", pa.string()),
        ("ingested_at", UTC_TS),
        ("run_id", pa.string()),
    ]
)

MENTIONS = pa.schema(
    [
        ("mention_id", pa.string()),
        ("article_id", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("text", pa.string()),
        ("label", pa.string()),
        ("spacy_label", pa.string()),
        ("sentence_index", pa.int32()),
        ("canonical_name", pa.string()),
        ("entity_id", pa.string()),
        # how canonical_name was found: "article" (a fuller name or definition in the article),
        # "lake" (a name the lake knows), "none" (the mention's own words); null in old lakes
        ("canonical_source", pa.string()),
        # true on one mention of each name (coalesce(canonical_name, text)) per article, so that
        # counting articles per name needs no count(distinct); the writer sets it (FIRST_OF)
        ("first_in_article", pa.bool_()),
    ]
)

ENTITIES = pa.schema(
    [
        ("entity_id", pa.string()),
        ("canonical_name", pa.string()),
        ("label", pa.string()),
        ("aliases", pa.list_(pa.string())),
        ("article_count", pa.int64()),
        ("mention_count", pa.int64()),
    ]
)

PLACES = pa.schema(
    [
        ("place_id", pa.string()),
        ("article_id", pa.string()),
        ("text", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("origin", pa.string()),
        ("name", pa.string()),
        ("country_code", pa.string()),
        ("admin1_code", pa.string()),
        ("admin1_name", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("gazetteer_id", pa.string()),
        ("precision", pa.string()),
        # true on one row of each place (coalesce(name, text)) per article; the writer sets it
        ("first_in_article", pa.bool_()),
    ]
)

QUOTES = pa.schema(
    [
        ("quote_id", pa.string()),
        ("article_id", pa.string()),
        ("quote_text", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("speaker_text", pa.string()),
        ("speaker_start", pa.int32()),
        ("speaker_end", pa.int32()),
        ("speaker_entity_id", pa.string()),
        ("cue", pa.string()),
        ("attribution_method", pa.string()),
        ("sentence_index", pa.int32()),
        ("kind", pa.string()),
        ("continues_quote_id", pa.string()),
    ]
)

DATE_MENTIONS = pa.schema(
    [
        ("date_mention_id", pa.string()),
        ("article_id", pa.string()),
        ("text", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("resolved_date", pa.date32()),
        ("precision", pa.string()),
        ("is_relative", pa.bool_()),
        ("sentence_index", pa.int32()),
    ]
)

AMOUNTS = pa.schema(
    [
        ("amount_id", pa.string()),
        ("article_id", pa.string()),
        ("text", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("kind", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("currency", pa.string()),
        ("sentence_index", pa.int32()),
    ]
)

ARTICLE_FINGERPRINTS = pa.schema(
    [
        ("article_id", pa.string()),
        ("minhash", pa.binary()),
    ]
)

# each LSH band key of a MinHash signature, with the first article that had it (one row per key)
ARTICLE_LSH_BANDS = pa.schema(
    [
        ("band", pa.int32()),
        ("band_key", pa.int64()),
        ("article_id", pa.string()),
    ]
)

# the search index: each distinct word of an article's title and body with its word positions
# (title words first, then one gap, then the body's), kept by `tasks.lake.search_index`
ARTICLE_TERMS = pa.schema(
    [
        ("article_id", pa.string()),
        ("term", pa.string()),
        ("positions", pa.list_(pa.int32())),
    ]
)

REJECTED = pa.schema(
    [
        ("rejected_id", pa.string()),
        ("raw_id", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("locator", pa.string()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("payload", pa.binary()),
        ("rejected_at", UTC_TS),
        ("run_id", pa.string()),
        ("table_name", pa.string()),
        ("expectation", pa.string()),
        ("observed_value", pa.string()),
    ]
)

VALIDATION_RESULTS = pa.schema(
    [
        ("run_id", pa.string()),
        ("batch_index", pa.int32()),
        ("suite", pa.string()),
        ("expectation", pa.string()),
        ("level", pa.string()),
        ("success", pa.bool_()),
        ("unexpected_count", pa.int64()),
        ("observed_value", pa.string()),
        ("validated_at", UTC_TS),
    ]
)

SOURCE_STATE = pa.schema(
    [
        ("source", pa.string()),
        ("key", pa.string()),
        ("value", pa.string()),
        ("updated_at", UTC_TS),
        ("run_id", pa.string()),
    ]
)

RUNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("started_at", UTC_TS),
        ("finished_at", UTC_TS),
        ("status", pa.string()),
        ("sources", pa.list_(pa.string())),
        ("records_read", pa.int64()),
        ("articles_new", pa.int64()),
        ("duplicates", pa.int64()),
        ("near_duplicates", pa.int64()),
        ("rejected", pa.int64()),
        ("duration_s", pa.float64()),
        ("timings", pa.string()),
        ("error", pa.string()),
    ]
)

# the batch tables, in commit order, with the key that makes a rerun add nothing
BATCH_TABLES: dict[str, tuple[pa.Schema, str]] = {
    name: (schema, BATCH_KEYS[name])
    for name, schema in (
        ("raw_documents", RAW_DOCUMENTS),
        ("articles", ARTICLES),
        ("article_fingerprints", ARTICLE_FINGERPRINTS),
        ("article_lsh_bands", ARTICLE_LSH_BANDS),
        ("mentions", MENTIONS),
        ("places", PLACES),
        ("quotes", QUOTES),
        ("date_mentions", DATE_MENTIONS),
        ("amounts", AMOUNTS),
        ("rejected", REJECTED),
    )
}
# appended as they come: every validation of every batch is kept
LOG_TABLES: dict[str, pa.Schema] = {"validation_results": VALIDATION_RESULTS}
# The writer's own column of some extracted tables: true on one row of each name per article,
# the name being this expression of the table's columns (see tasks/lake/writes.py)
FIRST_OF: dict[str, str] = {
    "mentions": "coalesce(canonical_name, text)",
    "places": "coalesce(name, text)",
}
FIRST_COLUMN = "first_in_article"
ALL_TABLES: dict[str, pa.Schema] = {
    **{name: schema for name, (schema, _) in BATCH_TABLES.items()},
    "entities": ENTITIES,
    "article_terms": ARTICLE_TERMS,
    "validation_results": VALIDATION_RESULTS,
    "source_state": SOURCE_STATE,
    "runs": RUNS,
}

_DUCKDB_TYPES = {
    pa.string(): "varchar",
    pa.binary(): "blob",
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.float64(): "double",
    pa.bool_(): "boolean",
    UTC_TS: "timestamptz",
    pa.date32(): "date",
}


def duckdb_type(arrow_type: pa.DataType) -> str:
    """Return the DuckDB column type for an Arrow type used in the schemas above."""
    if pa.types.is_list(arrow_type):
        return duckdb_type(arrow_type.value_type) + "[]"
    if pa.types.is_struct(arrow_type):
        fields = ", ".join(f"{f.name} {duckdb_type(f.type)}" for f in arrow_type)
        return f"struct({fields})"
    return _DUCKDB_TYPES[arrow_type]


def create_table_sql(name: str, schema: pa.Schema) -> str:
    """Return a `create table if not exists` statement for the schema."""
    columns = ",\n    ".join(f"{f.name} {duckdb_type(f.type)}" for f in schema)
    return f"create table if not exists {name} (\n    {columns}\n)"
