select
    article_id,
    source,
    source_kind,
    url,
    title,
    author,
    section,
    agency,
    dateline_raw,
    dateline_places,
    published_at,
    published_at_source,
    published_at_precision,
    -- the publication's own calendar date (its printed day, whatever its UTC offset); rows
    -- without it (no offset given, or written before the column existed) use the UTC date
    coalesce(published_local_date, cast(published_at as date)) as published_date,
    published_local_date,
    published_utc_offset_minutes,
    language,
    word_count,
    content_hash,
    duplicate_of,
    duplicate_of is not null as is_near_duplicate,
    tone,
    focus_country,
    ingested_at,
    run_id
from articles
