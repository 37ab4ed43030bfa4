-- The 100 people (PERSON), organisations (ORG) and places most written about in the 7 and 30
-- days up to the latest published_date in the lake, by articles, with the articles of the window
-- before and the change. Places: GPE (countries, cities, states) and LOC (regions, seas,
-- mountains) rank together under the label PLACE, since spaCy assigns the two inconsistently to
-- the same names; each keeps its own entity_id. NORP (nationalities, parties) is left out.
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
with

latest as (
    select max(published_date) as latest_date
    from stg_articles
),

windows as (
    select unnest([7, 30]) as window_days
),

window_counts as (
    select
        windows.window_days,
        entity_days.entity_id,
        cast(coalesce(sum(entity_days.articles) filter (
            where entity_days.published_date > latest.latest_date - windows.window_days
        ), 0) as bigint) as articles,
        cast(coalesce(sum(entity_days.articles) filter (
            where entity_days.published_date <= latest.latest_date - windows.window_days
        ), 0) as bigint) as previous_articles
    from sum_entity_days as entity_days
    cross join windows
    cross join latest
    where
        entity_days.label in ('PERSON', 'ORG', 'GPE', 'LOC')
        and entity_days.published_date > latest.latest_date - 2 * windows.window_days
    group by all
)

select
    window_counts.window_days,
    case
        when entities.label in ('GPE', 'LOC') then 'PLACE' else entities.label
    end as label,
    window_counts.entity_id,
    entities.canonical_name,
    window_counts.articles,
    window_counts.previous_articles,
    window_counts.articles - window_counts.previous_articles as change,
    rank() over (
        partition by window_counts.window_days, label
        order by window_counts.articles desc
    ) as rank
from window_counts
inner join stg_entities as entities on window_counts.entity_id = entities.entity_id
where window_counts.articles > 0
qualify rank <= 100
