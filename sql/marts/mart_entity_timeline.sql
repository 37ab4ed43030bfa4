-- Each named entity per day: mentions, articles, the mean tone of those articles and the (up to)
-- three people, organisations or places named with it in most of that day's articles (ties by
-- name).
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
select
    timeline.entity_id,
    entities.canonical_name,
    entities.label,
    timeline.published_date,
    timeline.mentions,
    timeline.articles,
    timeline.avg_tone,
    timeline.top_co_mentions
from sum_entity_timeline as timeline
left join stg_entities as entities on timeline.entity_id = entities.entity_id
