"""A fixture lake of invented wire stories for the search tests, and a brute-force search.

The stories are written for these tests (no corpus text): a few people, places and topics
combined so that words, phrases, prefixes and field filters select different, overlapping sets.
`brute_force` answers a parsed query by reading every article in Python, as a reference.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from tasks import lake
from tasks.ids import stable_id
from tasks.lake.search_index import tokens
from tasks.lake.views import load_views, register_views
from tasks.schema import ARTICLES, MENTIONS, PLACES, QUOTES
from tasks.serving.search_query import And, Field, Node, Not, Or, Prefix, Words

PEOPLE = [
    ("Vladimir Putin", "Putin", "RU", "Moscow"),
    ("Dmitry Peskov", "Peskov", "RU", "Moscow"),
    ("Angela Merkel", "Merkel", "DE", "Berlin"),
    ("Emmanuel Macron", "Macron", "FR", "Paris"),
    ("Olaf Schütz", "Schütz", "CH", "Zürich"),
]
TOPICS = [
    ("gas pipeline", "talks on the gas pipeline stalled again"),
    ("sanctions", "new sanctions were announced against exporters"),
    ("trade deal", "a trade deal was signed after long negotiations"),
    ("climate summit", "the climate summit ended without a pledge"),
    ("election", "the election campaign turned to energy prices"),
    ("café owners", "café owners protested the naïve energy rules"),
]
SOURCES = ["wire", "feeds", "pages"]
LANGUAGES = ["en", "en", "de"]
START = datetime(2024, 3, 4, 8, tzinfo=UTC)
DAYS = 10


def story(i: int) -> dict[str, Any]:
    """Return the parts of invented story number i."""
    person = PEOPLE[i % len(PEOPLE)]
    other = PEOPLE[(i * 2 + 2) % len(PEOPLE)]
    topic = TOPICS[(i // 2) % len(TOPICS)]
    title = f"{person[1]} speaks on {topic[0]}" if i % 4 else f"{topic[0].title()} in focus"
    quote = f"We will not accept this {topic[0]}" if i % 3 else "Nothing is decided yet"
    body = (
        f"{person[3].upper()} (Newslake) - {person[0]} said on Tuesday that {topic[1]}. "
        f'"{quote}," {person[1]} told reporters. '
        + (f"{other[0]} was also in {other[3]}. " if i % 2 else "")
        + ("Pipelines and piping were discussed at length. " if i % 5 == 0 else "")
        + ("The U.S. delegation left early. " if i % 7 == 3 else "")
    )
    return {
        "person": person,
        "other": other if i % 2 else None,
        "title": title,
        "body": body,
        "quote": quote,
    }


def stories(count: int = 48) -> dict[str, pa.Table]:
    """Return batch tables (articles, mentions, places, quotes) of `count` invented stories."""
    articles, mentions, places, quotes = [], [], [], []
    for i in range(count):
        parts = story(i)
        article_id = stable_id("story", i)  # hex digits of a hash, as the lake's ids are
        articles.append(
            {
                "article_id": article_id,
                "raw_id": f"r{i:03d}",
                "source": SOURCES[i % len(SOURCES)],
                "source_kind": "csv",
                "title": parts["title"],
                "body": parts["body"],
                "published_at": START + timedelta(days=(i * 7) % DAYS, hours=i % 9),
                "language": LANGUAGES[(i // 3) % len(LANGUAGES)],
                "word_count": len(tokens(parts["body"])),
                "content_hash": f"h{i:03d}",
                "ingested_at": START + timedelta(days=DAYS),
                "run_id": "test",
            }
        )
        named = [parts["person"]] + ([parts["other"]] if parts["other"] else [])
        name, short = parts["person"][0], parts["person"][1]
        surname_at = parts["body"].find(f"{short} told")
        mentions.append(
            {
                "mention_id": f"{article_id}-m9",
                "article_id": article_id,
                "start_char": surname_at,
                "end_char": surname_at + len(short),
                "text": short,
                "label": "PERSON",
                "spacy_label": "PERSON",
                "sentence_index": 1,
                "canonical_name": name,
                "entity_id": f"PERSON:{name}",
            }
        )
        for k, (name, _, code, city) in enumerate(named):
            start = parts["body"].find(name)
            mentions.append(
                {
                    "mention_id": f"{article_id}-m{k}",
                    "article_id": article_id,
                    "start_char": start,
                    "end_char": start + len(name),
                    "text": name,
                    "label": "PERSON",
                    "spacy_label": "PERSON",
                    "sentence_index": 0,
                    "canonical_name": name,
                    "entity_id": f"PERSON:{name}",
                }
            )
            places.append(
                {
                    "place_id": f"{article_id}-p{k}",
                    "article_id": article_id,
                    "text": city,
                    "origin": "dateline" if k == 0 else "body",
                    "name": city,
                    "country_code": code,
                    "precision": "city",
                }
            )
        name, short = parts["person"][0], parts["person"][1]
        quotes.append(
            {
                "quote_id": f"{article_id}-q0",
                "article_id": article_id,
                "quote_text": parts["quote"],
                "speaker_text": short,
                "speaker_entity_id": f"PERSON:{name}" if i % 2 else None,
                "cue": "told",
                "attribution_method": "cue",
                "sentence_index": 1,
            }
        )
    return {
        "articles": pa.Table.from_pylist(articles, schema=ARTICLES),
        "mentions": pa.Table.from_pylist(mentions, schema=MENTIONS),
        "places": pa.Table.from_pylist(places, schema=PLACES),
        "quotes": pa.Table.from_pylist(quotes, schema=QUOTES),
    }


def build_story_lake(path: Path, tables: dict[str, pa.Table]) -> lake.LakeLocation:
    """Create a lake at `path` holding the stories in one committed batch, with the views."""
    location = lake.LakeLocation.local(path)
    con = lake.connect(location)
    try:
        lake.commit_batch(con, tables)
        register_views(con, load_views())
    finally:
        con.close()
    return location


def _has_words(article: dict[str, Any], words: tuple[str, ...]) -> bool:
    """Return whether the title or the body holds these words consecutively."""
    for text in (article["title"], article["body"]):
        found = tokens(text or "")
        if any(tuple(found[i : i + len(words)]) == words for i in range(len(found))):
            return True
    return False


def _field_matches(node: Field, article: dict[str, Any], tables: dict[str, list[dict]]) -> bool:
    """Return whether an article passes a field filter, read from the batch rows."""
    value = node.value.lower()

    def equal(candidate: str | None) -> bool:
        text = (candidate or "").lower()
        return text.startswith(value) if node.prefix else text == value

    rows = tables[_TABLE_OF[node.name]]
    own = [row for row in rows if row["article_id"] == article["article_id"]]
    if node.name == "entity":
        return any(equal(m["canonical_name"]) or equal(m["text"]) for m in own)
    if node.name == "place":
        return any(equal(p["name"]) or equal(p["text"]) for p in own)
    if node.name == "country":
        return any(equal(p["country_code"]) for p in own)
    if node.name == "speaker":
        names = [
            (q["speaker_text"] or "", (q["speaker_entity_id"] or "").partition(":")[2]) for q in own
        ]
        return any(value in text.lower() or value in name.lower() for text, name in names)
    if node.name == "source":
        return equal(article["source"])
    return equal(article["language"])


_TABLE_OF = {
    "entity": "mentions",
    "place": "places",
    "country": "places",
    "speaker": "quotes",
    "source": "articles",
    "lang": "articles",
    "language": "articles",
}


def matches(node: Node, article: dict[str, Any], tables: dict[str, list[dict]]) -> bool:
    """Return whether an article matches a parsed query, by reading it."""
    if isinstance(node, Words):
        return _has_words(article, node.words)
    if isinstance(node, Prefix):
        words = tokens(article["title"] or "") + tokens(article["body"] or "")
        return any(word.startswith(node.prefix) for word in words)
    if isinstance(node, Field):
        return _field_matches(node, article, tables)
    if isinstance(node, Not):
        return not matches(node.node, article, tables)
    if isinstance(node, And):
        return all(matches(n, article, tables) for n in node.nodes)
    assert isinstance(node, Or)
    return any(matches(n, article, tables) for n in node.nodes)


def brute_force(node: Node, tables: dict[str, pa.Table]) -> set[str]:
    """Return the ids of the articles that match, reading every article in Python."""
    rows = {name: table.to_pylist() for name, table in tables.items()}
    return {a["article_id"] for a in rows["articles"] if matches(node, a, rows)}
