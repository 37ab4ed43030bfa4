-- Quotes per speaker name: the speaker entity's canonical name, else the speaker as written, so
-- unattributed quotes with a speaker count too (quotes with neither are left out). Quotes,
-- articles and the longest quote as a sample.
with

named_quotes as (
    select
        quotes.article_id,
        quotes.quote_text,
        coalesce(entities.canonical_name, quotes.speaker_text) as speaker
    from stg_quotes as quotes
    left join stg_entities as entities on quotes.speaker_entity_id = entities.entity_id
)

select
    speaker,
    count(*) as quotes,
    count(distinct article_id) as articles,
    max_by(quote_text, length(quote_text)) as sample_quote
from named_quotes
where speaker is not null
group by all
