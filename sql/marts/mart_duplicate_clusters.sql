-- One row per near-duplicate cluster: the first-seen article (every near-duplicate's
-- duplicate_of points at it), its title, the cluster size and sources, first and last published.
with

members as (
    select
        coalesce(duplicate_of, article_id) as first_article_id,
        article_id,
        source,
        published_at
    from stg_articles
),

clusters as (
    select
        first_article_id,
        count(*) as articles,
        list(distinct source order by source) as sources,
        min(published_at) as first_published_at,
        max(published_at) as last_published_at
    from members
    group by all
    having count(*) > 1
)

select
    clusters.first_article_id,
    first_articles.title as first_title,
    clusters.articles,
    clusters.sources,
    clusters.first_published_at,
    clusters.last_published_at
from clusters
inner join stg_articles as first_articles
    on clusters.first_article_id = first_articles.article_id
