-- Mentions of each named entity per day and source, with the articles that name it.
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
select
    entity_days.published_date,
    entity_days.source,
    entities.label,
    entity_days.entity_id,
    entities.canonical_name,
    entity_days.mentions,
    entity_days.articles
from sum_entity_days as entity_days
left join stg_entities as entities on entity_days.entity_id = entities.entity_id
