-- `runs` rows for runs that committed batches but never recorded their end (killed, the host
-- lost power): every run id found in raw_documents or rejected with no `runs` row. Counts are
-- what the lake holds of that run; the next writer inserts these rows with status
-- 'interrupted' before it starts, so the run's articles stay its own, not the next run's.
with orphan as (
    select run_id from raw_documents
    union
    select run_id from rejected
    except
    select run_id from runs
),

raw as (
    select
        run_id,
        min(fetched_at) as first_at,
        max(fetched_at) as last_at,
        count(*) as records_read,
        count(*) filter (where is_duplicate) as duplicates,
        list(distinct source order by source) as sources
    from raw_documents
    where run_id in (select run_id from orphan)
    group by run_id
),

new_articles as (
    select
        run_id,
        count(*) as articles_new,
        count(*) filter (where duplicate_of is not null) as near_duplicates,
        max(ingested_at) as last_at
    from articles
    where run_id in (select run_id from orphan)
    group by run_id
),

rejections as (
    select
        run_id,
        count(*) as rejected,
        min(rejected_at) as first_at,
        max(rejected_at) as last_at,
        list(distinct source order by source) as sources
    from rejected
    where run_id in (select run_id from orphan)
    group by run_id
)

select
    orphan.run_id,
    least(raw.first_at, rejections.first_at) as started_at,
    greatest(raw.last_at, new_articles.last_at, rejections.last_at) as finished_at,
    'interrupted' as status,
    coalesce(raw.sources, rejections.sources) as sources,
    coalesce(raw.records_read, 0) as records_read,
    coalesce(new_articles.articles_new, 0) as articles_new,
    coalesce(raw.duplicates, 0) as duplicates,
    coalesce(new_articles.near_duplicates, 0) as near_duplicates,
    coalesce(rejections.rejected, 0) as rejected,
    null::double as duration_s,
    null as timings,
    'the run committed batches but did not record its end (killed or crashed)' as error
from orphan
left join raw using (run_id)
left join new_articles using (run_id)
left join rejections using (run_id)
where orphan.run_id is not null
