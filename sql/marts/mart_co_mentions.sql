-- Pairs of entities named in the same article, for network views: weight = articles naming both.
-- Only people, organisations and places (PERSON, ORG, GPE, LOC): nationalities and parties (NORP)
-- co-occur with nearly everything and would dominate the graph. Every pair's entities are in
-- stg_entities (the same commit writes both); left joins spare a match check per pair.
select
    pairs.entity_a_id,
    entity_a.canonical_name as entity_a_name,
    entity_a.label as entity_a_label,
    pairs.entity_b_id,
    entity_b.canonical_name as entity_b_name,
    entity_b.label as entity_b_label,
    pairs.weight,
    pairs.first_published_date,
    pairs.last_published_date
from sum_co_mentions as pairs
left join stg_entities as entity_a on pairs.entity_a_id = entity_a.entity_id
left join stg_entities as entity_b on pairs.entity_b_id = entity_b.entity_id
