-- Attributed quotes per speaker entity: counts, first and last article, and the longest quote as
-- a sample. Unattributed quotes (no speaker entity) are left out.
select
    quotes.speaker_entity_id as entity_id,
    entities.canonical_name,
    entities.label,
    count(*) as quotes,
    count(distinct quotes.article_id) as articles,
    min(articles.published_at) as first_seen_at,
    max(articles.published_at) as last_seen_at,
    max_by(quotes.quote_text, length(quotes.quote_text)) as sample_quote
from stg_quotes as quotes
inner join stg_articles as articles on quotes.article_id = articles.article_id
inner join stg_entities as entities on quotes.speaker_entity_id = entities.entity_id
where quotes.is_attributed
group by all
