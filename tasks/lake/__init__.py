"""The DuckLake store: connection, writes, reads, views, summary tables, the writer lock.

`from tasks import lake` gives the store's public functions in one namespace.
"""

from tasks.lake.connection import (
    ALIAS,
    EXTENSIONS,
    LakeLocation,
    LakeNotReady,
    QueryRefused,
    connect,
    extensions_for,
    lock_down,
    run_query,
)
from tasks.lake.entities import batch_entities, refresh_entities
from tasks.lake.reads import (
    article_batches,
    band_owners,
    load_state,
    query,
    read_error_reasons,
    read_tables,
    snapshot_id,
    stored_repeats,
    table_counts,
)
from tasks.lake.writes import (
    backfill_lsh_bands,
    commit_batch,
    insert_tables,
    mark_run,
    rebuild_summaries,
    record_interrupted_runs,
    record_run,
    refresh_pending_summaries,
    replace_extraction,
    state_table,
    transaction,
)

__all__ = [
    "ALIAS",
    "EXTENSIONS",
    "LakeLocation",
    "LakeNotReady",
    "QueryRefused",
    "article_batches",
    "backfill_lsh_bands",
    "band_owners",
    "batch_entities",
    "commit_batch",
    "connect",
    "extensions_for",
    "insert_tables",
    "load_state",
    "lock_down",
    "query",
    "read_error_reasons",
    "read_tables",
    "rebuild_summaries",
    "mark_run",
    "record_interrupted_runs",
    "record_run",
    "refresh_entities",
    "refresh_pending_summaries",
    "replace_extraction",
    "run_query",
    "snapshot_id",
    "state_table",
    "stored_repeats",
    "table_counts",
    "transaction",
]
