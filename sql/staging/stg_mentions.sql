select
    mention_id,
    article_id,
    entity_id,
    canonical_name,
    canonical_source,
    label,
    spacy_label,
    text,
    start_char,
    end_char,
    sentence_index
from mentions
