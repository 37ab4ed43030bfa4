"""Fictional stories for the dedupe tests (written for these tests), and the lake they go to."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from tasks import lake
from tasks.documents.batch import BatchResult, ParsedBatch, dedupe_batch
from tasks.documents.dedupe import DedupIndex
from tasks.documents.normalise import NormaliseContext

BASE = (
    "The orchard cooperative in the hill village of Sarnow said on Thursday that this year's "
    "apple harvest was the largest in a decade, after a mild spring and steady rain in July. "
    "Its chairwoman, Petra Lind, told members that the new cold store had kept fruit fresh for "
    "buyers in three neighbouring provinces, and that wages for pickers would rise by a fifth. "
    "Growers still worry about the price of diesel and the cost of replacing old trees, but the "
    "cooperative plans a cider festival in the market hall in late October to celebrate."
)
OTHER = (
    "A freight train carrying timber stopped for six hours outside the junction at Kelvard on "
    "Monday night when a signal cable failed in the frost, the rail operator said, and it "
    "apologised to commuters whose morning services were cancelled or ran more than an hour "
    "late while engineers worked in the dark to splice the damaged line."
)
START = datetime(2026, 10, 6, tzinfo=UTC)


def edited(body: str, rng: random.Random, swaps: int = 1) -> str:
    """Return the body with `swaps` words replaced by made-up ones."""
    words = body.split()
    for _ in range(swaps):
        words[rng.randrange(len(words))] = f"word{rng.randrange(10**9)}"
    return " ".join(words)


def article(article_id: str, body: str, seq: int = 0) -> dict[str, Any]:
    """Return an article row as parse gives it (the fields dedupe and the lake need)."""
    return {
        "article_id": article_id,
        "raw_id": f"raw-{article_id}",
        "source": "tests",
        "title": f"Story {article_id}",
        "body": body,
        "content_hash": f"hash-{body}",
        "duplicate_of": None,
        "ingested_at": START + timedelta(seconds=seq),
        "run_id": "tests",
    }


def near_identical(count: int, seed: int = 1, prefix: str = "n") -> list[dict[str, Any]]:
    """Return `count` articles, each the base story with one word changed."""
    rng = random.Random(seed)
    return [article(f"{prefix}{i}", edited(BASE, rng), i) for i in range(count)]


def dedupe(index: DedupIndex, articles: list[dict[str, Any]]) -> BatchResult:
    """Return the batch's tables and counts, as the flow's dedupe step makes them."""
    context = NormaliseContext("tests", START)
    return dedupe_batch(ParsedBatch(records=[], articles=articles), index, context)


def commit(con: duckdb.DuckDBPyConnection, index: DedupIndex, result: BatchResult) -> None:
    """Commit a deduped batch and tell the index, as the flow does."""
    lake.commit_batch(con, result.tables)
    index.committed(result.tables["articles"].column("article_id").to_pylist())


def flags(result: BatchResult) -> dict[str, str | None]:
    """Return each new article's duplicate_of."""
    rows = result.tables["articles"].select(["article_id", "duplicate_of"]).to_pylist()
    return {row["article_id"]: row["duplicate_of"] for row in rows}
