-- Mentions of each city with coordinates, for placing a country on a map. Additive: a commit adds
-- the counts of its `scope_articles`.
select
    places.country_code,
    places.name,
    places.latitude,
    places.longitude,
    count(*) as mentions
from scope_articles as articles
inner join stg_places as places on articles.article_id = places.article_id
where
    places.precision = 'city'
    and places.country_code is not null
    and places.latitude is not null
    and places.longitude is not null
group by all
