from __future__ import annotations

import pytest

from tasks.documents.dedupe import build_index, dedupe_articles, minhash_values

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


def article(article_id: str, body: str, raw_id: str | None = None) -> dict[str, object]:
    return {
        "article_id": article_id,
        "raw_id": raw_id or f"raw-{article_id}",
        "body": body,
        "content_hash": f"hash-{body}",
        "duplicate_of": None,
    }


def test_exact_repeats_add_no_article_and_point_to_the_first() -> None:
    index = build_index([])
    result = dedupe_articles([article("a", STORY), article("b", STORY, "raw-2")], index)
    assert [a["article_id"] for a in result.articles] == ["a"]
    assert result.duplicates == 1
    assert result.article_of_raw == {"raw-a": ("a", False), "raw-2": ("a", True)}


def test_same_id_seen_in_an_earlier_run_is_a_duplicate() -> None:
    index = build_index([("a", "hash-old", None, None)])
    result = dedupe_articles([article("a", STORY)], index)
    assert result.articles == [] and result.duplicates == 1


def test_near_duplicate_is_kept_with_duplicate_of() -> None:
    index = build_index([])
    result = dedupe_articles(
        [article("a", STORY), article("b", EDITED), article("c", OTHER)], index
    )
    by_id = {a["article_id"]: a for a in result.articles}
    assert by_id["b"]["duplicate_of"] == "a"
    assert by_id["c"]["duplicate_of"] is None
    assert result.near_duplicates == 1


def test_near_duplicates_point_to_the_first_seen_across_runs() -> None:
    first = minhash_values(STORY)
    assert first is not None
    index = build_index([("a", "hash-a", first.tobytes(), None)])
    result = dedupe_articles([article("b", EDITED), article("c", EDITED + " More.")], index)
    assert [a["duplicate_of"] for a in result.articles] == ["a", "a"]


def test_short_bodies_get_no_signature() -> None:
    assert minhash_values("Too short to compare.") is None
