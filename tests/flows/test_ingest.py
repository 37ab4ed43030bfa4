from __future__ import annotations

import csv
import hashlib
import re
import sys
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from tasks import lake

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# tables that record runs: they grow with every run by design
RUN_LOGS = ("runs", "validation_results")
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REUTERS_DATELINE = re.compile(r"\(Reuters\)\s*[-–—]")


def counts(path: Path) -> dict[str, int]:
    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:
        return lake.table_counts(con)
    finally:
        con.close()


def test_examples_land_with_duplicates_flagged_and_a_rerun_adds_nothing(
    run_ingest, lake_query, tmp_path: Path
) -> None:
    first = run_ingest({"name": "examples", "kind": "folder", "path": str(EXAMPLES)})
    assert first["status"] == "completed"
    assert first["totals"] == {
        "records_read": 21,
        "articles_new": 20,
        "duplicates": 1,
        "near_duplicates": 1,
        "rejected": 0,
    }
    before = counts(tmp_path / "lake")
    second = run_ingest({"name": "examples", "kind": "folder", "path": str(EXAMPLES)})
    # files already read (same size, mtime and hash) are skipped by the source's stored state
    assert second["totals"]["records_read"] == 0 and second["totals"]["articles_new"] == 0
    after = counts(tmp_path / "lake")
    assert {k: v for k, v in after.items() if k not in RUN_LOGS} == {
        k: v for k, v in before.items() if k not in RUN_LOGS
    }
    assert after["runs"] == before["runs"] + 1

    (duplicate,) = lake_query(
        "select r.locator, a.source_kind from raw_documents r join articles a using (article_id) "
        "where r.is_duplicate"
    )
    assert duplicate[0].endswith("wires.jsonl#line=3") and duplicate[1] == "csv"
    (near,) = lake_query(
        "select a.locator, b.locator from articles n "
        "join raw_documents a on a.raw_id = n.raw_id "
        "join articles f on f.article_id = n.duplicate_of "
        "join raw_documents b on b.raw_id = f.raw_id"
    )
    assert {Path(near[0]).name, Path(near[1]).name} == {
        "tampa-port-grant.txt",
        "gulf-ledger-tampa-port-grant.html",
    }
    (cocoa,) = lake_query(
        "select published_at, published_at_source, dateline_places from articles "
        "where dateline_raw like 'SALVADOR%'"
    )
    assert cocoa == (
        datetime(1987, 2, 26, tzinfo=UTC),
        "dateline",
        [{"name": "Salvador", "region": None}],
    )
    # .txt stories carry no date of their own; every other format does
    assert lake_query(
        "select count(*) filter (where published_at is null), "
        "count(*) filter (where published_at is null and published_at_source = 'none') "
        "from articles"
    ) == [(5, 5)]
    assert lake_query("select sum(articles) from mart_articles_per_day") == [(15,)]
    assert lake_query("select status, articles_new from runs order by started_at") == [
        ("completed", 20),
        ("completed", 0),
    ]


def test_isot_sample_datelines_agency_and_dates(run_ingest, lake_query, isot_csv: Path) -> None:
    summary = run_ingest({"name": "isot", "kind": "csv", "path": str(isot_csv)})
    assert summary["totals"]["records_read"] == 1071
    assert summary["totals"]["articles_new"] == 1071 and summary["totals"]["rejected"] == 0
    rows = {
        int(locator.rsplit("=", 1)[1]): (agency, places, published_at, author)
        for locator, agency, places, published_at, author in lake_query(
            "select r.locator, a.agency, a.dateline_places, a.published_at, a.author "
            "from raw_documents r join articles a using (article_id)"
        )
    }
    csv.field_size_limit(sys.maxsize)
    with isot_csv.open(newline="", encoding="utf-8") as f:
        source = list(csv.DictReader(f))
    assert len(rows) == len(source) == 1071
    with_dateline = [
        n for n, row in enumerate(source, 1) if REUTERS_DATELINE.search(row["text"][:200])
    ]
    assert len(with_dateline) == 1061
    assert all(rows[n][0] == "Reuters" for n in with_dateline)
    with_places = [n for n in with_dateline if rows[n][1]]
    assert len(with_places) == 981
    for n, row in enumerate(source, 1):
        expected = datetime.strptime(row["date"].strip(), "%B %d, %Y").replace(tzinfo=UTC)
        assert rows[n][2] == expected, (n, row["date"])
    assert lake_query(
        "select dateline_places from articles where dateline_raw like 'TAMPA, Fla.%' limit 1"
    ) == [([{"name": "Tampa", "region": "Fla."}],)]
    assert lake_query("select count(*) from articles where len(dateline_places) > 1")[0][0] >= 30
    assert any(author == "Asif Shahzad" for *_, author in rows.values())


def exact_duplicate_files(folder: Path) -> set[str]:
    """Return the files whose bytes repeat an earlier file's (in sorted order)."""
    seen: set[bytes] = set()
    repeats = set()
    for path in sorted(folder.rglob("*.txt")):
        digest = hashlib.sha256(path.read_bytes()).digest()
        if digest in seen:
            repeats.add(str(path))
        seen.add(digest)
    return repeats


def test_bbc_duplicates_flagged_and_latin1_file_kept(run_ingest, lake_query, bbc_dir: Path) -> None:
    summary = run_ingest({"name": "bbc", "kind": "files", "path": str(bbc_dir)})
    assert summary["totals"]["records_read"] == 2225
    assert summary["totals"]["rejected"] == 0
    flagged = {
        locator for (locator,) in lake_query("select locator from raw_documents where is_duplicate")
    }
    exact = exact_duplicate_files(bbc_dir)
    assert len(exact) == 98
    assert exact <= set(flagged)
    # 39 more files repeat another story's body under an edited headline: same content_hash
    assert len(flagged) == summary["totals"]["duplicates"] == 98 + 39
    assert lake_query("select count(*) from articles") == [(2225 - 137,)]
    assert lake_query("select count(*) from validation_results where not success") == [(0,)]
    (body,) = lake_query(
        "select a.body from raw_documents r join articles a using (article_id) "
        "where r.locator like '%sport/199.txt'"
    )
    assert "£" in body[0]
    first_line = (bbc_dir / "business" / "001.txt").read_text(encoding="utf-8").splitlines()[0]
    assert lake_query(
        "select a.title, a.section from raw_documents r join articles a using (article_id) "
        "where r.locator like '%business/001.txt'"
    ) == [(first_line.strip(), "business")]


def test_feeds_and_saved_pages(run_ingest, lake_query, feeds_dir: Path, html_dir: Path) -> None:
    summary = run_ingest(
        {"name": "feeds", "kind": "feed", "path": str(feeds_dir)},
        {"name": "pages", "kind": "html", "path": str(html_dir)},
    )
    assert summary["status"] == "completed"
    feeds = summary["sources"]["feeds"]
    assert feeds["records_read"] == 194 and feeds["rejected"] == 0
    pages = summary["sources"]["pages"]
    assert pages["records_read"] == 157
    assert pages["articles_new"] + pages["duplicates"] >= 145
    assert lake_query(
        "select count(*) from articles where source = 'pages' and word_count < 20"
    ) == [(0,)]
    rejected = dict(lake_query("select locator, reason from rejected where source = 'pages'"))
    assert all(reason for reason in rejected.values())
    assert lake_query(
        "select count(*) from articles where source = 'feeds' and published_at is null"
    ) == [(0,)]


def test_hostile_files_are_rejected_and_good_ones_land(
    run_ingest, lake_query, tmp_path: Path
) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "random.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "empty.txt").write_bytes(b"")
    with (folder / "huge.txt").open("wb") as f:
        for _ in range(50):
            f.write(b"word " * (1024 * 1024 // 5))
    (folder / "broken.csv").write_text(
        'title,text,date\n"Fine",good text,"May 1, 2017"\n"Broken quote,never ends,May 2 2017\n'
    )
    (folder / "scripts.html").write_text(
        "<html><head><script>var a = 1;</script></head><body><script>go()</script></body></html>"
    )
    (folder / "good.txt").write_text(
        "Harbour reopens\n\nVALLETTA (Reuters) - Malta reopened its main harbour on Monday after "
        "a three-day strike by pilots ended with a pay deal, the port authority said.\n"
    )
    summary = run_ingest({"name": "hostile", "kind": "folder", "path": str(folder)})
    assert summary["status"] == "completed"
    reasons = dict(lake_query("select locator, reason from rejected"))
    by_file = {Path(loc.split("#")[0]).name: reason for loc, reason in reasons.items()}
    assert {"random.bin", "empty.txt", "huge.txt", "broken.csv", "scripts.html"} <= set(by_file)
    assert "binary" in by_file["random.bin"]
    assert "empty" in by_file["empty.txt"]
    assert "too large" in by_file["huge.txt"]
    titles = {row[0] for row in lake_query("select title from articles")}
    assert "Harbour reopens" in titles
    raw = lake_query(
        "select count(*), count(*) filter (where article_id is null) from raw_documents"
    )
    assert raw[0][0] == summary["totals"]["records_read"]
    assert raw[0][1] == summary["totals"]["rejected"]
    before = lake_query("select count(*) from rejected")
    again = run_ingest({"name": "hostile", "kind": "folder", "path": str(folder)})
    assert again["totals"]["records_read"] == 0
    assert lake_query("select count(*) from rejected") == before


class RecordingHandler(SimpleHTTPRequestHandler):
    statuses: list[int] = []

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.statuses.append(int(code))


def test_unchanged_http_feed_is_not_read_again(run_ingest, lake_query) -> None:
    handler = partial(RecordingHandler, directory=str(EXAMPLES / "feeds"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/wire.rss"
    try:
        first = run_ingest({"name": "wire", "kind": "http", "urls": [url]})
        second = run_ingest({"name": "wire", "kind": "http", "urls": [url]})
    finally:
        server.shutdown()
    assert first["totals"]["articles_new"] == 3
    assert second["totals"]["records_read"] == 0
    assert RecordingHandler.statuses == [200, 304]
    keys = {key for (key,) in lake_query("select key from source_state where source = 'wire'")}
    assert f"last_modified {url}" in keys


def test_a_run_compacts_the_tables_its_commits_fragmented(
    run_ingest, lake_query, tmp_path: Path, monkeypatch
) -> None:
    from tasks.lake import compaction

    monkeypatch.setattr(compaction, "COMPACT_OVER_FILES", 3)
    spec = {"name": "examples", "kind": "folder", "path": str(EXAMPLES)}
    summary = run_ingest(spec, batch_size=4, validate_batches=False)
    assert summary["totals"]["articles_new"] == 20

    (files,) = lake_query("select count(*) from ducklake_list_files('lake', 'article_terms')")
    (commits,) = lake_query("select count(*) from ducklake_list_files('lake', 'raw_documents')")
    (articles,) = lake_query("select count(*) from ducklake_list_files('lake', 'articles')")
    # five commits' index and article files merged into one each
    assert commits[0] > 3 and files[0] == 1 and articles[0] == 1
    (words,) = lake_query("select count(*) from article_terms")
    (distinct,) = lake_query(
        "select count(*) from (select distinct article_id, term from article_terms)"
    )
    assert words == distinct and words[0] > 0
