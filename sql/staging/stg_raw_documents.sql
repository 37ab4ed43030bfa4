select
    raw_id,
    source,
    source_kind,
    locator,
    media_type,
    payload_bytes,
    fetched_at,
    article_id,
    is_duplicate,
    article_id is null as is_rejected,
    run_id
from raw_documents
