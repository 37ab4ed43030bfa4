-- The `entities` rows that a set of mentions implies: one row per entity id, its most used
-- canonical name and label, every surface form, and its article and mention counts. The lake
-- computes it over the mentions of the entities a commit touched, validation over a batch's.
select
    entity_id,
    mode(canonical_name) as canonical_name,
    mode(label) as label,
    list(distinct text order by text) as aliases,
    count(distinct article_id) as article_count,
    count(*) as mention_count
from scope_mentions
group by entity_id
