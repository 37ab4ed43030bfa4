-- Countries named per day, for a map: place rows (mentions), articles naming the country and
-- articles whose focus country it is. The places table has no coordinates for a country, so a
-- country's point is that of its city mentioned most often in the lake (ties by name): it lands on
-- the country and needs no reference data; a country with no city mentioned has no point.
-- Days are publication days as printed: stg_articles.published_date, the local calendar date.
with

country_points as (
    select
        country_code,
        latitude,
        longitude
    from sum_city_mentions
    qualify row_number() over (partition by country_code order by mentions desc, name asc) = 1
)

select
    country_days.published_date,
    country_days.country_code,
    country_days.mentions,
    country_days.articles,
    country_days.focus_articles,
    country_points.latitude,
    country_points.longitude
from sum_country_days as country_days
left join country_points on country_days.country_code = country_points.country_code
