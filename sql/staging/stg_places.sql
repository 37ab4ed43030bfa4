select
    place_id,
    article_id,
    text,
    start_char,
    end_char,
    origin,
    name,
    country_code,
    admin1_code,
    admin1_name,
    latitude,
    longitude,
    gazetteer_id,
    precision
from places
