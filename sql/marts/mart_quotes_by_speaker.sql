-- Attributed quotes per speaker entity: counts, first and last article, and the longest quote as
-- a sample. Unattributed quotes (no speaker entity) are left out.
select
    speakers.entity_id,
    entities.canonical_name,
    entities.label,
    speakers.quotes,
    speakers.articles,
    speakers.first_seen_at,
    speakers.last_seen_at,
    speakers.sample_quote
from sum_speakers as speakers
left join stg_entities as entities on speakers.entity_id = entities.entity_id
