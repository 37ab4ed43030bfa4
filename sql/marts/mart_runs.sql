-- One row per ingest or extract run: when it started and finished, its status and sources, its
-- counts, duration and error.
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
from stg_runs
