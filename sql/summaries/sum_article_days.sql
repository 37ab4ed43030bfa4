-- Articles per UTC day of published_at, source and language: the totals a search's shares
-- divide by (`newslake search`), read instead of every article. Additive: a commit adds its
-- `scope_articles`' counts by key. A missing language is '' so that the key joins.
select
    cast(published_at as date) as published_day,
    source,
    coalesce(language, '') as language,
    count(*) as articles
from scope_articles
where published_at is not null
group by all
