-- Mentions of each named entity per day and source, with the articles that name it.
select
    articles.published_date,
    articles.source,
    entities.label,
    mentions.entity_id,
    entities.canonical_name,
    count(*) as mentions,
    count(distinct mentions.article_id) as articles
from stg_mentions as mentions
inner join stg_articles as articles on mentions.article_id = articles.article_id
inner join stg_entities as entities on mentions.entity_id = entities.entity_id
where articles.published_date is not null
group by all
