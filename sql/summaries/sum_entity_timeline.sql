-- Per named entity and day: mentions, articles, mean tone of those articles and the (up to) three
-- people, organisations or places named with it in most of that day's articles (ties by name; the
-- names are those of the last refresh of the day). Refreshed by day over `scope_articles`.
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
with

article_entities as (
    select
        mentions.entity_id,
        mentions.label,
        mentions.article_id,
        articles.published_date,
        articles.tone,
        count(*) as mentions
    from scope_articles as articles
    inner join stg_mentions as mentions on articles.article_id = mentions.article_id
    where articles.published_date is not null
    group by all
),

entity_days as (
    select
        entity_id,
        published_date,
        cast(sum(mentions) as bigint) as mentions,
        count(*) as articles,
        avg(tone) as avg_tone
    from article_entities
    group by all
),

co_mention_counts as (
    select
        article_entities.entity_id,
        article_entities.published_date,
        other_entities.entity_id as other_entity_id,
        count(*) as articles
    from article_entities
    inner join article_entities as other_entities
        on
            article_entities.article_id = other_entities.article_id
            and article_entities.entity_id != other_entities.entity_id
    where other_entities.label in ('PERSON', 'ORG', 'GPE', 'LOC')
    group by all
),

co_mentions as (
    select
        co_mention_counts.entity_id,
        co_mention_counts.published_date,
        list(
            entities.canonical_name
            order by co_mention_counts.articles desc, entities.canonical_name asc
        )[1:3] as top_co_mentions
    from co_mention_counts
    inner join stg_entities as entities
        on co_mention_counts.other_entity_id = entities.entity_id
    group by all
)

select
    entity_days.entity_id,
    entity_days.published_date,
    entity_days.mentions,
    entity_days.articles,
    entity_days.avg_tone,
    coalesce(co_mentions.top_co_mentions, []) as top_co_mentions
from entity_days
left join co_mentions
    on
        entity_days.entity_id = co_mentions.entity_id
        and entity_days.published_date = co_mentions.published_date
