-- Pairs of people, organisations and places (PERSON, ORG, GPE, LOC) named in the same article:
-- articles naming both, first and last published date. Additive: a commit merges the pairs of
-- its `scope_articles` into the table (weights add up, dates widen).
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
with

article_entities as (
    select distinct
        mentions.article_id,
        mentions.entity_id,
        articles.published_date
    from scope_articles as articles
    inner join stg_mentions as mentions on articles.article_id = mentions.article_id
    where mentions.label in ('PERSON', 'ORG', 'GPE', 'LOC')
)

select
    entity_a.entity_id as entity_a_id,
    entity_b.entity_id as entity_b_id,
    count(*) as weight,
    min(entity_a.published_date) as first_published_date,
    max(entity_a.published_date) as last_published_date
from article_entities as entity_a
inner join article_entities as entity_b
    on
        entity_a.article_id = entity_b.article_id
        and entity_a.entity_id < entity_b.entity_id
group by all
