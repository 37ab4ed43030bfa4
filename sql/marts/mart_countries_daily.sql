-- Countries named per day, for a map: place rows (mentions), articles naming the country and
-- articles whose focus country it is. The places table has no coordinates for a country, so a
-- country's point is that of its city mentioned most often in the lake (ties by name): it lands on
-- the country and needs no reference data; a country with no city mentioned has no point.
with

article_days as (
    select
        article_id,
        published_date,
        focus_country
    from stg_articles
    where published_date is not null
),

country_mentions as (
    select
        article_days.published_date,
        places.country_code,
        count(*) as mentions,
        count(distinct places.article_id) as articles
    from stg_places as places
    inner join article_days on places.article_id = article_days.article_id
    where places.country_code is not null
    group by all
),

focus_counts as (
    select
        published_date,
        focus_country as country_code,
        count(*) as focus_articles
    from article_days
    where focus_country is not null
    group by all
),

city_mentions as (
    select
        country_code,
        name,
        latitude,
        longitude,
        count(*) as mentions
    from stg_places
    where precision = 'city' and latitude is not null and longitude is not null
    group by all
),

country_points as (
    select
        country_code,
        latitude,
        longitude
    from city_mentions
    qualify row_number() over (partition by country_code order by mentions desc, name asc) = 1
)

select
    published_date,
    country_code,
    coalesce(country_mentions.mentions, 0) as mentions,
    coalesce(country_mentions.articles, 0) as articles,
    coalesce(focus_counts.focus_articles, 0) as focus_articles,
    country_points.latitude,
    country_points.longitude
from country_mentions
full join focus_counts using (published_date, country_code)
left join country_points using (country_code)
