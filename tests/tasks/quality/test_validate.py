from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from tasks import lake
from tasks.documents.batch import BatchResult, dedupe_batch, parse_batch, with_tables
from tasks.documents.dedupe import build_index
from tasks.documents.normalise import NormaliseContext
from tasks.extraction.tables import extract_tables
from tasks.quality.validate import (
    SUITE_TABLES,
    SUITES_DIR,
    BatchValidationError,
    Validator,
    load_suites,
    validate_batch,
)
from tasks.sources import FolderSource

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_suites())


@pytest.fixture(scope="module")
def clean_batch(nlp) -> BatchResult:
    """The example stories, parsed, deduplicated and extracted: one real batch."""
    context = NormaliseContext("run-v", NOW)
    records = list(FolderSource("examples", ROOT / "examples").read())
    result = dedupe_batch(parse_batch(records, context), build_index([]), context)
    children, articles = extract_tables(nlp, result.tables["articles"])
    return with_tables(result, children | {"articles": articles})


def edit(table: pa.Table, index: int, **values: object) -> pa.Table:
    rows = table.to_pylist()
    rows[index] = rows[index] | values
    return pa.Table.from_pylist(rows, schema=table.schema)


def first_child(tables: dict[str, pa.Table], name: str, spare: set[str]) -> int:
    ids = tables[name].column("article_id").to_pylist()
    return next(i for i, article_id in enumerate(ids) if article_id not in spare)


def test_every_suite_file_has_its_table() -> None:
    assert sorted(SUITE_TABLES) == sorted(path.stem for path in SUITES_DIR.glob("*.json"))


def test_clean_examples_pass_every_suite(validator, clean_batch) -> None:
    checked = validate_batch(validator, clean_batch, "run-v", 0)
    failed = [r for r in checked.tables["validation_results"].to_pylist() if not r["success"]]
    assert failed == []
    assert checked.tables["rejected"].num_rows == 0
    suites = set(checked.tables["validation_results"].column("suite").to_pylist())
    assert suites == set(load_suites())


def test_bad_rows_are_rejected_with_their_expectation_and_the_rest_commits(
    validator, clean_batch, tmp_path: Path
) -> None:
    tables = dict(clean_batch.tables)
    articles = tables["articles"].to_pylist()
    bad_articles = {a["article_id"] for a in articles[:3]}
    tables["articles"] = edit(tables["articles"], 0, published_at=datetime(2999, 1, 1, tzinfo=UTC))
    tables["articles"] = edit(tables["articles"], 1, language="xx")
    tables["articles"] = edit(tables["articles"], 2, tone=3.0)
    mention = first_child(tables, "mentions", bad_articles)
    body = next(
        a["body"]
        for a in articles
        if a["article_id"] == tables["mentions"]["article_id"][mention].as_py()
    )
    tables["mentions"] = edit(tables["mentions"], mention, end_char=len(body) + 5)
    tables["mentions"] = edit(tables["mentions"], mention + 1, label="ALIEN")
    tables["places"] = edit(
        tables["places"], first_child(tables, "places", bad_articles), country_code="ZZ"
    )
    tables["quotes"] = edit(
        tables["quotes"], first_child(tables, "quotes", bad_articles), article_id="no-such-article"
    )
    tables["date_mentions"] = edit(
        tables["date_mentions"],
        first_child(tables, "date_mentions", bad_articles),
        resolved_date=date(1850, 1, 1),
    )
    tables["amounts"] = edit(
        tables["amounts"], first_child(tables, "amounts", bad_articles), currency="ABC"
    )
    injected = BatchResult(tables=tables, counts=dict(clean_batch.counts))

    checked = validate_batch(validator, injected, "run-v", 0)

    rejected = checked.tables["rejected"].to_pylist()
    assert sorted((r["table_name"], r["expectation"]) for r in rejected) == sorted(
        [
            ("articles", "expect_column_values_to_be_between(published_at)"),
            ("articles", "expect_column_values_to_be_in_set(language)"),
            ("articles", "expect_column_values_to_be_between(tone)"),
            ("mentions", "expect_column_pair_values_a_to_be_greater_than_b(body_length, end_char)"),
            ("mentions", "expect_column_values_to_be_in_set(label)"),
            ("places", "expect_column_values_to_be_in_set(country_code)"),
            ("quotes", "expect_column_values_to_not_be_null(body_length)"),
            ("date_mentions", "expect_column_values_to_be_between(resolved_date)"),
            ("amounts", "expect_column_values_to_be_in_set(currency)"),
        ]
    )
    assert all(r["stage"] == "validate" and r["observed_value"] and r["payload"] for r in rejected)
    by_table = {r["table_name"]: r for r in rejected}
    assert json.loads(by_table["places"]["observed_value"]) == {"country_code": "ZZ"}

    # the three bad articles go with all their child rows; everything else stays
    kept = checked.tables
    assert kept["articles"].num_rows == len(articles) - 3
    for name in ("mentions", "places", "quotes", "date_mentions", "amounts"):
        before = tables[name].column("article_id").to_pylist()
        expected = sum(1 for a in before if a not in bad_articles) - (
            2 if name == "mentions" else 1
        )
        assert kept[name].num_rows == expected, name
    assert checked.counts["articles_new"] == clean_batch.counts["articles_new"] - 3
    assert checked.counts["rejected"] == clean_batch.counts["rejected"] + 3
    raw_links = kept["raw_documents"].column("article_id").to_pylist()
    assert not bad_articles & set(raw_links)
    assert kept["raw_documents"].num_rows == tables["raw_documents"].num_rows

    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    lake.commit_batch(con, kept)
    counts = lake.table_counts(con)
    assert counts["articles"] == len(articles) - 3
    assert counts["rejected"] == 9
    assert counts["validation_results"] == kept["validation_results"].num_rows
    assert counts["mentions"] == kept["mentions"].num_rows
    con.close()


def test_batch_level_failure_names_the_expectation(validator, clean_batch) -> None:
    tables = dict(clean_batch.tables)
    tables["mentions"] = tables["mentions"].drop_columns(["sentence_index"])
    drifted = BatchResult(tables=tables, counts=clean_batch.counts)
    with pytest.raises(BatchValidationError, match="expect_table_columns_to_match_ordered_list"):
        validate_batch(validator, drifted, "run-v", 0)


def test_editing_a_suite_file_changes_behaviour(clean_batch, tmp_path: Path) -> None:
    suites = tmp_path / "expectations"
    shutil.copytree(SUITES_DIR, suites)
    path = suites / "articles.json"
    suite = json.loads(path.read_text())
    for expectation in suite["expectations"]:
        if expectation["type"] == "expect_column_values_to_be_between" and (
            expectation["kwargs"].get("column") == "word_count"
        ):
            expectation["kwargs"]["min_value"] = 10_000
    path.write_text(json.dumps(suite))
    checked = validate_batch(Validator(load_suites(suites)), clean_batch, "run-v", 0)
    assert checked.tables["articles"].num_rows == 0
    assert {r["expectation"] for r in checked.tables["rejected"].to_pylist()} == {
        "expect_column_values_to_be_between(word_count)"
    }

    for expectation in suite["expectations"]:
        if expectation["kwargs"].get("min_value") == 10_000:
            expectation["meta"]["level"] = "batch"
    path.write_text(json.dumps(suite))
    with pytest.raises(BatchValidationError, match="word_count"):
        validate_batch(Validator(load_suites(suites)), clean_batch, "run-v", 0)
