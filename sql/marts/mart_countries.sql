-- Countries named in the lake's places, over all articles (dated or not): articles naming the
-- country, distinct place names in it and the mean coordinates of its place rows that have them.
select
    country_code,
    count(distinct article_id) as articles,
    count(distinct name) as places,
    avg(latitude) as latitude,
    avg(longitude) as longitude
from stg_places
where country_code is not null
group by all
