-- Pairs of entities named in the same article, for network views: weight = articles naming both.
-- Only people, organisations and places (PERSON, ORG, GPE, LOC): nationalities and parties (NORP)
-- co-occur with nearly everything and would dominate the graph.
with

article_entities as (
    select distinct
        article_id,
        entity_id
    from stg_mentions
    where label in ('PERSON', 'ORG', 'GPE', 'LOC')
),

pairs as (
    select
        entity_a.entity_id as entity_a_id,
        entity_b.entity_id as entity_b_id,
        count(*) as weight,
        min(articles.published_date) as first_published_date,
        max(articles.published_date) as last_published_date
    from article_entities as entity_a
    inner join article_entities as entity_b
        on
            entity_a.article_id = entity_b.article_id
            and entity_a.entity_id < entity_b.entity_id
    inner join stg_articles as articles on entity_a.article_id = articles.article_id
    group by all
)

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
from pairs
inner join stg_entities as entity_a on pairs.entity_a_id = entity_a.entity_id
inner join stg_entities as entity_b on pairs.entity_b_id = entity_b.entity_id
