-- Every named entity over the whole lake: its canonical name, label, the articles and mentions
-- naming it and its surface forms (sorted).
select
    entity_id,
    canonical_name,
    label,
    article_count as articles,
    mention_count as mentions,
    aliases
from stg_entities
