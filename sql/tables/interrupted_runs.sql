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
        d.run_id,
        min(d.fetched_at) as first_at,
        max(d.fetched_at) as last_at,
        count(*) as records_read,
        count(*) filter (where d.is_duplicate) as duplicates,
        list(distinct d.source order by d.source) as sources
    from raw_documents as d
    inner join orphan as o on d.run_id = o.run_id
    group by d.run_id
),

new_articles as (
    select
        a.run_id,
        count(*) as articles_new,
        count(*) filter (where a.duplicate_of is not null) as near_duplicates,
        max(a.ingested_at) as last_at
    from articles as a
    inner join orphan as o on a.run_id = o.run_id
    group by a.run_id
),

rejections as (
    select
        r.run_id,
        count(*) as rejected,
        min(r.rejected_at) as first_at,
        max(r.rejected_at) as last_at,
        list(distinct r.source order by r.source) as sources
    from rejected as r
    inner join orphan as o on r.run_id = o.run_id
    group by r.run_id
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
left join raw on orphan.run_id = raw.run_id
left join new_articles on orphan.run_id = new_articles.run_id
left join rejections on orphan.run_id = rejections.run_id
where orphan.run_id is not null
