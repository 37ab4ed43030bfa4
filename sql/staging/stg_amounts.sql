select
    amount_id,
    article_id,
    text,
    start_char,
    end_char,
    kind,
    value,
    unit,
    currency,
    sentence_index
from amounts
