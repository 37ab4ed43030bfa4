"""The `article_lsh_bands` table: written with each batch, backfilled in old lakes, rejected with
its article, read by the dedupe index."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tasks import lake
from tasks.documents.dedupe import DedupIndex
from tasks.documents.lsh import BANDS
from tasks.quality.rejection import ARTICLE_ROW_TABLES, Condemned, drop_condemned
from tasks.quality.suites import Failure
from tests.tasks.documents.stories import (
    BASE,
    OTHER,
    article,
    commit,
    dedupe,
    edited,
    flags,
    near_identical,
)

pytestmark = pytest.mark.unit
BANDS_SQL = "select band, band_key, article_id from article_lsh_bands order by band_key"


@pytest.fixture
def location(tmp_path: Path) -> lake.LakeLocation:
    return lake.LakeLocation.local(tmp_path / "lake")


def test_an_old_lake_gets_its_band_keys_from_its_fingerprints_once(location) -> None:
    con = lake.connect(location)
    index = DedupIndex(con)
    stories = [*near_identical(30), article("o", OTHER, 30)]
    for start in (0, 15):
        commit(con, index, dedupe(index, stories[start : start + 15]))
    commit(con, index, dedupe(index, stories[30:]))
    written = con.execute(BANDS_SQL).fetchall()
    con.execute("drop table article_lsh_bands")  # a lake written before the table existed
    con.close()

    con = lake.connect(location)
    try:
        # the same keys, each to the same first article (by ingested_at) as the batches gave it
        assert con.execute(BANDS_SQL).fetchall() == written
        result = dedupe(DedupIndex(con), [article("x", edited(BASE, random.Random(9)), 40)])
        assert flags(result) == {"x": "n0"}
    finally:
        con.close()
    again = lake.connect(location)
    try:
        assert again.execute(BANDS_SQL).fetchall() == written  # nothing backfilled twice
    finally:
        again.close()


def test_a_lake_without_fingerprints_backfills_nothing(location) -> None:
    con = lake.connect(location)
    try:
        assert lake.backfill_lsh_bands(con) == 0
        assert con.execute("select count(*) from article_lsh_bands").fetchone() == (0,)
    finally:
        con.close()


def test_a_batch_committed_twice_adds_its_band_keys_once(location) -> None:
    con = lake.connect(location)
    try:
        result = dedupe(DedupIndex(con), [article("a", BASE)])
        assert lake.commit_batch(con, result.tables)["article_lsh_bands"] == BANDS
        assert lake.commit_batch(con, result.tables)["article_lsh_bands"] == 0
    finally:
        con.close()


def test_a_rejected_article_takes_its_band_keys_with_it() -> None:
    assert "article_lsh_bands" in ARTICLE_ROW_TABLES
    result = dedupe(DedupIndex(), [article("a", BASE), article("o", OTHER, 1)])
    tables = dict(result.tables)
    failure = Failure("articles", "expect_something", "row", "{}")
    drop_condemned(tables, Condemned(articles={"a": failure}))
    assert set(tables["article_lsh_bands"].column("article_id").to_pylist()) == {"o"}


def test_reads_answer_for_the_batch_only(location) -> None:
    con = lake.connect(location)
    try:
        index = DedupIndex(con)
        commit(con, index, dedupe(index, [article("a", BASE), article("o", OTHER, 1)]))
        ids, hashes = lake.stored_repeats(con, ["a", "zz"], [f"hash-{OTHER}", "hash-none"])
        assert ids == {"a"} and hashes == {f"hash-{OTHER}": "o"}
        keys = con.execute("select band_key from article_lsh_bands").fetchnumpy()["band_key"]
        owners, signatures = lake.band_owners(con, np.append(keys[:3], 12345))
        assert len(owners) == 3 and set(signatures) == set(owners.values())
        assert all(len(minhash) == 512 and root is None for minhash, root in signatures.values())
        assert lake.band_owners(con, np.array([], np.int64)) == ({}, {})
    finally:
        con.close()
