select
    entity_id,
    canonical_name,
    label,
    aliases,
    article_count,
    mention_count
from entities
