"""Compacting the lake: fewer files, the index sorted by term, the same answers."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tasks import lake
from tasks.lake.compaction import ROW_GROUP_ROWS, compact_fragmented, compact_table, data_files
from tasks.serving.search import Filters, matching_articles, search
from tests.tasks.serving.search_stories import stories
from tests.tasks.serving.test_search import QUERIES

pytestmark = pytest.mark.unit

SORTED = {
    "article_terms": "term",
    "articles": "article_id",
    "mentions": "article_id",
    "places": "article_id",
    "quotes": "article_id",
}


def _one_commit_per_article(con, tables: dict[str, pa.Table], articles: int = 12) -> int:
    """Commit the first stories one article a commit, as a trickle of small runs would."""
    ids = tables["articles"].column("article_id").to_pylist()[:articles]
    for article_id in ids:
        lake.commit_batch(
            con,
            {
                name: table.filter(pc.equal(table.column("article_id"), article_id))
                for name, table in tables.items()
            },
        )
    return len(ids)


def _answers(con) -> dict[str, list[str]]:
    return {
        query: [row["article_id"] for row in matching_articles(con, query, Filters())]
        for query in QUERIES
    }


def test_compaction_merges_the_index_sorted_and_keeps_every_answer(tmp_path):
    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:
        commits = _one_commit_per_article(con, stories())
        files_before = data_files(con, "article_terms")
        assert files_before == commits  # one small file per commit
        before = _answers(con)
        searched_before = search(con, "putin OR merkel")

        assert compact_fragmented(con, over_files=commits) == {}  # not due yet
        merged = compact_fragmented(con, over_files=commits - 1)

        assert merged == dict.fromkeys(
            ("article_terms", "articles", "mentions", "places", "quotes"), commits
        )
        assert data_files(con, "article_terms") < files_before
        # the index merged sorted by term, the fact tables by article id (a range of ids is
        # read from its own row groups: the search's sample of a huge match set)
        for table, column in SORTED.items():
            for (path,) in con.execute(
                "select data_file from ducklake_list_files('lake', ?)", [table]
            ).fetchall():
                keys = [
                    key
                    for (key,) in con.execute(
                        f"select {column} from read_parquet(?)", [path]
                    ).fetchall()
                ]
                assert len(keys) >= commits and keys == sorted(keys), table
        assert _answers(con) == before
        assert search(con, "putin OR merkel") == searched_before
        assert compact_table(con, "article_terms") == 0  # one file left: nothing to merge
    finally:
        con.close()


def test_merged_articles_are_sorted_by_id_in_small_row_groups(tmp_path):
    """A sample's body is read from its own row group: ids sorted, at most ROW_GROUP_ROWS a group."""
    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:
        size = ROW_GROUP_ROWS["articles"]
        for commit in range(2):  # two files of unsorted ids, more rows than one group holds
            con.execute(
                "insert into articles (article_id, raw_id, source, title, body) "
                "select md5(cast(i as varchar)), 'r' || i, 'wire', 'Story ' || i, 'Body ' || i "
                "from range(?, ?) as t (i)",
                [commit * size, (commit + 1) * size],
            )
        assert compact_table(con, "articles") == 2
        ((path,),) = con.execute(
            "select data_file from ducklake_list_files('lake', 'articles')"
        ).fetchall()
        groups = con.execute(
            "select count(distinct row_group_id), max(row_group_num_rows) from parquet_metadata(?)",
            [path],
        ).fetchone()
        assert groups is not None and groups[0] > 1 and groups[1] <= size
        ids = [
            i for (i,) in con.execute("select article_id from read_parquet(?)", [path]).fetchall()
        ]
        assert len(ids) == 2 * size and ids == sorted(ids)
    finally:
        con.close()
