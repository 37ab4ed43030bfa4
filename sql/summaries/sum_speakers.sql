-- Attributed quotes per speaker entity: quotes, articles, first and last publication and the
-- longest quote. Additive: a commit adds its `scope_articles`' counts, widens the dates and keeps
-- the longer sample.
select
    quotes.speaker_entity_id as entity_id,
    count(*) as quotes,
    count(distinct quotes.article_id) as articles,
    min(articles.published_at) as first_seen_at,
    max(articles.published_at) as last_seen_at,
    max_by(quotes.quote_text, length(quotes.quote_text)) as sample_quote
from scope_articles as articles
inner join stg_quotes as quotes on articles.article_id = quotes.article_id
where quotes.is_attributed
group by all
