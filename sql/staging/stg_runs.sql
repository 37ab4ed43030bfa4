select
    run_id,
    started_at,
    finished_at,
    status,
    sources,
    records_read,
    articles_new,
    duplicates,
    near_duplicates,
    rejected,
    duration_s,
    error
from runs
