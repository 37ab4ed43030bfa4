from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks import lake
from tasks.documents.batch import ParsedBatch, dedupe_batch
from tasks.documents.dedupe import DedupIndex, dedupe_articles, minhash_values
from tasks.documents.normalise import NormaliseContext

pytestmark = pytest.mark.unit

STORY = (
    "The port authority will receive a federal grant of 12 million dollars to rebuild two "
    "cargo berths damaged by last year's storm, officials said on Friday, adding that work "
    "would start in the spring and take about eighteen months to finish."
)
EDITED = STORY + " The mayor welcomed the news on Saturday."
OTHER = (
    "Parliament voted late on Wednesday to cut the culture budget by a tenth, a move that "
    "opposition members said would close regional theatres and museums across the country."
)


def article(
    article_id: str, body: str, raw_id: str | None = None, body_hash: str | None = None
) -> dict[str, object]:
    return {
        "article_id": article_id,
        "raw_id": raw_id or f"raw-{article_id}",
        "body": body,
        "content_hash": body_hash or f"hash-{body}",
        "duplicate_of": None,
        "ingested_at": datetime(2026, 10, 6, tzinfo=UTC),
    }


@pytest.fixture
def con(tmp_path: Path):
    connection = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    yield connection
    connection.close()


def store(con, articles: list[dict[str, object]]) -> None:
    """Dedupe and commit articles as an earlier run did, then forget them: only the lake knows."""
    context = NormaliseContext("earlier", datetime(2026, 10, 6, tzinfo=UTC))
    result = dedupe_batch(ParsedBatch(records=[], articles=articles), DedupIndex(con), context)
    lake.commit_batch(con, result.tables)


def test_exact_repeats_add_no_article_and_point_to_the_first() -> None:
    index = DedupIndex()
    result = dedupe_articles([article("a", STORY), article("b", STORY, "raw-2")], index)
    assert [a["article_id"] for a in result.articles] == ["a"]
    assert result.duplicates == 1
    assert result.article_of_raw == {"raw-a": ("a", False), "raw-2": ("a", True)}


def test_same_id_seen_in_an_earlier_run_is_a_duplicate(con) -> None:
    store(con, [article("a", "Too short to compare.", body_hash="hash-old")])
    result = dedupe_articles([article("a", STORY)], DedupIndex(con))
    assert result.articles == [] and result.duplicates == 1


def test_near_duplicate_is_kept_with_duplicate_of() -> None:
    index = DedupIndex()
    result = dedupe_articles(
        [article("a", STORY), article("b", EDITED), article("c", OTHER)], index
    )
    by_id = {a["article_id"]: a for a in result.articles}
    assert by_id["b"]["duplicate_of"] == "a"
    assert by_id["c"]["duplicate_of"] is None
    assert result.near_duplicates == 1


def test_near_duplicates_point_to_the_first_seen_across_runs(con) -> None:
    store(con, [article("a", STORY, body_hash="hash-a")])
    index = DedupIndex(con)
    result = dedupe_articles([article("b", EDITED), article("c", EDITED + " More.")], index)
    assert [a["duplicate_of"] for a in result.articles] == ["a", "a"]


def test_short_bodies_get_no_signature() -> None:
    assert minhash_values("Too short to compare.") is None


def test_signatures_stay_those_the_lake_already_holds() -> None:
    # datasketch 2.0's MinHash(num_perm=128, scheme="affine32") made the lakes' signatures before
    # ours replaced it (tests/hostile/test_memory.py compares the two where datasketch is
    # installed); a changed signature would make every stored article look new to dedupe
    body = (
        "The harbour council in Marrowdale voted on Thursday to rebuild the old stone pier before "
        "the winter storms, the mayor said, after engineers found cracks along its northern wall."
    )
    signature = minhash_values(body)
    assert signature is not None and signature.dtype == "uint32" and signature.shape == (128,)
    assert signature[:4].tolist() == [220666733, 6785383, 19676209, 163021507]
    digest = "8699662a7bf45ea2a70ec42ff9d5911d705077e99aaddff5c4c862f63824db03"
    assert hashlib.sha256(signature.tobytes()).hexdigest() == digest
