-- Per day, source and named entity: mentions, the articles naming it and the sum and count of
-- their tones. Additive: a commit merges the rows of its `scope_articles` into the table by key.
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
with

article_entities as (
    select
        mentions.article_id,
        articles.published_date,
        articles.source,
        mentions.entity_id,
        mentions.label,
        articles.tone,
        count(*) as mentions
    from scope_articles as articles
    inner join stg_mentions as mentions on articles.article_id = mentions.article_id
    where articles.published_date is not null
    group by all
)

select
    published_date,
    source,
    entity_id,
    label,
    cast(sum(mentions) as bigint) as mentions,
    count(*) as articles,
    coalesce(sum(tone), 0) as tone_sum,
    count(tone) as toned_articles
from article_entities
group by all
