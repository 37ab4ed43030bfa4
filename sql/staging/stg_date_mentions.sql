select
    date_mention_id,
    article_id,
    text,
    start_char,
    end_char,
    resolved_date,
    precision,
    is_relative,
    sentence_index
from date_mentions
