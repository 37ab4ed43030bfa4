"""Parsing raw records into documents: one parser per record kind."""

from tasks.parse.dates import as_utc, parse_date_value, read_date_value
from tasks.parse.dispatch import PARSERS, parse_record
from tasks.parse.feeds import parse_feed_item
from tasks.parse.html import parse_html
from tasks.parse.markup import html_to_text, replace_entities
from tasks.parse.rows import parse_row
from tasks.parse.text import parse_text, split_title, starts_with_dateline

__all__ = [
    "PARSERS",
    "as_utc",
    "html_to_text",
    "parse_date_value",
    "parse_feed_item",
    "parse_html",
    "parse_record",
    "parse_row",
    "parse_text",
    "read_date_value",
    "replace_entities",
    "split_title",
    "starts_with_dateline",
]
