select
    rejected_id,
    raw_id,
    source,
    source_kind,
    locator,
    stage,
    reason,
    octet_length(payload) as payload_bytes,
    rejected_at,
    run_id
from rejected
