-- The `entities` rows that a set of mentions implies: one row per entity id, its most used
-- canonical name and label (a tie goes to the first in alphabetical order, so the row never
-- depends on the order mentions are read in), every surface form, and its article and mention
-- counts. The lake computes it over the mentions of the entities a commit touched, validation
-- over a batch's.
with counted as (
    select
        *,
        count(*) over (partition by entity_id, canonical_name) as name_uses,
        count(*) over (partition by entity_id, label) as label_uses
    from scope_mentions
)

select
    entity_id,
    first(canonical_name order by name_uses desc, canonical_name asc) as canonical_name,
    first(label order by label_uses desc, label asc) as label,
    list(distinct text order by text) as aliases,
    count(distinct article_id) as article_count,
    count(*) as mention_count
from counted
group by entity_id
