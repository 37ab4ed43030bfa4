"""The key column of each batch table and the tables extraction fills: plain names, so that an
extraction worker process, which needs them, imports no Arrow."""

from __future__ import annotations

# the batch tables, in commit order, with the key that makes a rerun add nothing
BATCH_KEYS: dict[str, str] = {
    "raw_documents": "raw_id",
    "articles": "article_id",
    "article_fingerprints": "article_id",
    "article_lsh_bands": "band_key",
    "mentions": "mention_id",
    "places": "place_id",
    "quotes": "quote_id",
    "date_mentions": "date_mention_id",
    "amounts": "amount_id",
    "rejected": "rejected_id",
}
# tables re-derived from `articles` by extraction
EXTRACTED_TABLES = ("mentions", "places", "quotes", "date_mentions", "amounts")
