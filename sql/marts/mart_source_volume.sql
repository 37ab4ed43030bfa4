-- Volume and freshness per source: raw records, articles, exact duplicates (raw documents of an
-- article already stored), near-duplicates, rejected records, the latest article published and
-- ingested, and the hours since each. The one definition of a source's freshness: `newslake
-- status` and the HTML report read it.
with

raw_counts as (
    select
        source,
        count(*) as raw_documents,
        count(*) filter (where is_duplicate) as duplicates
    from stg_raw_documents
    group by all
),

article_counts as (
    select
        source,
        count(*) as articles,
        count(*) filter (where is_near_duplicate) as near_duplicates,
        min(published_at) as first_published_at,
        max(published_at) as latest_published_at,
        max(ingested_at) as latest_ingested_at
    from stg_articles
    group by all
),

rejected_counts as (
    select
        source,
        count(*) as rejected
    from stg_rejected
    group by all
)

select
    source,
    coalesce(raw_counts.raw_documents, 0) as raw_documents,
    coalesce(article_counts.articles, 0) as articles,
    coalesce(raw_counts.duplicates, 0) as duplicates,
    coalesce(article_counts.near_duplicates, 0) as near_duplicates,
    coalesce(rejected_counts.rejected, 0) as rejected,
    article_counts.first_published_at,
    article_counts.latest_published_at,
    article_counts.latest_ingested_at,
    round(epoch(now() - article_counts.latest_published_at) / 3600, 1)
        as hours_since_latest_published,
    round(epoch(now() - article_counts.latest_ingested_at) / 3600, 1)
        as hours_since_latest_ingested
from raw_counts
full join article_counts using (source)
full join rejected_counts using (source)
