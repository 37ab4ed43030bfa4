select
    quote_id,
    article_id,
    quote_text,
    start_char,
    end_char,
    speaker_text,
    speaker_start,
    speaker_end,
    speaker_entity_id,
    speaker_entity_id is not null as is_attributed,
    cue,
    attribution_method,
    sentence_index,
    kind,
    continues_quote_id
from quotes
