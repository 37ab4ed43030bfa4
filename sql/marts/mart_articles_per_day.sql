-- Articles per publication day: the day the outlet printed (stg_articles.published_date, its
-- local calendar date), not the UTC date of published_at.
select
    published_date,
    source,
    coalesce(agency, 'none') as agency,
    count(*) as articles,
    count(*) filter (where is_near_duplicate) as near_duplicates,
    sum(word_count) as words
from stg_articles
where published_date is not null
group by all
order by published_date, source, agency
