-- Per day and country: place mentions, articles naming the country and articles whose focus
-- country it is. Additive: a commit merges the rows of its `scope_articles` into the table by key.
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
with

country_mentions as (
    select
        articles.published_date,
        places.country_code,
        count(*) as mentions,
        count(distinct places.article_id) as articles
    from scope_articles as articles
    inner join stg_places as places on articles.article_id = places.article_id
    where articles.published_date is not null and places.country_code is not null
    group by all
),

focus_counts as (
    select
        published_date,
        focus_country as country_code,
        count(*) as focus_articles
    from scope_articles
    where published_date is not null and focus_country is not null
    group by all
)

select
    published_date,
    country_code,
    coalesce(country_mentions.mentions, 0) as mentions,
    coalesce(country_mentions.articles, 0) as articles,
    coalesce(focus_counts.focus_articles, 0) as focus_articles
from country_mentions
full join focus_counts using (published_date, country_code)
