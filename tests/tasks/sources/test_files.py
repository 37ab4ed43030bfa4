"""Tests for tasks/sources.py: every source kind over real files and a local HTTP server."""

from __future__ import annotations

import csv
import json
import os
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tasks.records import CSV_ROW, FEED_ITEM, HTML, JSONL_ROW, TEXT, UNKNOWN, RawRecord
from tasks.sources.readers import (
    CsvSource,
    FeedSource,
    FolderSource,
    HtmlFilesSource,
    HttpSource,
    JsonlSource,
    Source,
    TextFilesSource,
    detect_columns,
    looks_like_feed,
    source_from_config,
    source_from_path,
)

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
FEED_COUNTS = {"encoding.rss": 40, "guardian.rss": 55, "heise.atom": 15, "rss-1.rss": 69}
FEED_COUNTS |= {"uolNoticias.rss": 15}


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _rows(records: list[RawRecord]) -> list[dict[str, str]]:
    return [json.loads(r.payload) for r in records if r.error is None]


# ---- files -------------------------------------------------------------------------------------


def test_bbc_text_files(bbc_dir: Path) -> None:
    source = TextFilesSource("bbc", bbc_dir)
    records = list(source.read())
    assert len(records) == 2225
    assert not any(r.error for r in records)
    assert not any(Path(r.locator).name.lower() == "readme.txt" for r in records)
    assert Counter(r.meta["folder"] for r in records) == {
        "business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401,
    }  # fmt: skip
    assert [r.locator for r in records] == sorted(r.locator for r in records)
    first = records[0]
    assert (first.source, first.source_kind, first.media_type) == ("bbc", "files", TEXT)
    assert first.fetched_at.tzinfo is UTC
    assert first.payload == Path(first.locator).read_bytes()
    assert len(source.checkpoint()) == 2225  # every file read, by size, mtime and hash


def test_text_files_single_file_and_subfolders(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    _write(tmp_path / "top.txt", "Top\n\nStory.")
    _write(tmp_path / "a" / "b" / "deep.txt", "Deep\n\nStory.")
    _write(tmp_path / "a" / "notes.md", "not a txt")
    _write(tmp_path / "README.txt", "about this folder")
    _write(tmp_path / ".hidden.txt", "editor swap")
    records = list(TextFilesSource("t", tmp_path).read())
    assert [(Path(r.locator).name, r.meta["folder"]) for r in records] == [
        ("deep.txt", "a/b"),
        ("top.txt", ""),
    ]
    single = list(TextFilesSource("t", tmp_path / "top.txt").read())
    assert [r.meta["folder"] for r in single] == [""]
    missing = list(TextFilesSource("t", tmp_path / "nope").read())
    assert len(missing) == 1
    assert missing[0].error == "source path not found"


def test_size_cap_and_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "big.txt", "x" * 5000)
    _write(tmp_path / "small.txt", "Small\n\nStory.")
    _write(tmp_path / "locked.txt", "Locked")
    real_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    source = TextFilesSource("t", tmp_path, max_bytes=1000)
    records = {Path(r.locator).name: r for r in source.read()}
    assert records["big.txt"].error == "file too large: 5000 bytes > cap 1000"
    assert len(records["big.txt"].payload) == 1000
    assert records["small.txt"].error is None
    assert "unreadable file" in (records["locked.txt"].error or "")


def test_html_files(html_dir: Path) -> None:
    records = list(HtmlFilesSource("pages", html_dir).read())
    assert len(records) == 157
    assert {r.media_type for r in records} == {HTML}
    assert not any(r.error for r in records)
    saved = list(HtmlFilesSource("pages", FIXTURES / "page.html").read())
    assert saved[0].meta == {"url": "https://example.com/d/orchards"}


# ---- csv ---------------------------------------------------------------------------------------


def test_isot_csv(isot_csv: Path) -> None:
    records = list(CsvSource("isot", isot_csv).read())
    assert len(records) == 1071
    assert not any(r.error for r in records)
    assert records[0].locator == f"{isot_csv}#row=1"
    assert records[-1].locator == f"{isot_csv}#row=1071"
    assert records[0].meta == {
        "columns": {"title": "title", "body": "text", "published_at": "date", "section": "subject"},
        "encoding": "utf-8",
    }
    with isot_csv.open(encoding="utf-8", newline="") as fh:
        expected = list(csv.DictReader(fh))
    assert _rows(records) == expected
    assert {r.media_type for r in records} == {CSV_ROW}


def test_csv_explicit_columns_and_multiline_field() -> None:
    columns = {"title": "headline", "body": "body"}
    records = list(CsvSource("rows", FIXTURES / "rows.csv", columns).read())
    assert len(records) == 3
    assert records[0].meta["columns"] == columns
    assert "\n\nOfficials said repairs" in _rows(records)[0]["body"]
    detected = list(CsvSource("rows", FIXTURES / "rows.csv").read())[0].meta["columns"]
    assert detected == {
        "title": "headline", "body": "body", "published_at": "pubdate", "url": "link",
        "section": "category", "author": "byline",
    }  # fmt: skip


def test_detect_columns_is_case_blind() -> None:
    assert detect_columns([" Headline ", "ARTICLE", "PubDate", "x"]) == {
        "title": " Headline ",
        "body": "ARTICLE",
        "published_at": "PubDate",
    }


def test_csv_in_latin1(tmp_path: Path) -> None:
    text = "title,text\n" + "".join(
        f"Notícia {n},Ação rápida em São João: votação às {n}h.\n" for n in range(40)
    )
    path = _write(tmp_path / "legacy.csv", text, "cp1252")
    records = list(CsvSource("legacy", path).read())
    assert len(records) == 40
    assert records[0].meta["encoding"] == "cp1252"
    assert _rows(records)[3] == {
        "title": "Notícia 3",
        "text": "Ação rápida em São João: votação às 3h.",
    }
    czech = _write(tmp_path / "cz.csv", "title,text\nZpráva,Vláda schválila rozpočet.\n", "cp1250")
    declared = list(CsvSource("cz", czech, encoding="cp1250").read())
    assert _rows(declared) == [{"title": "Zpráva", "text": "Vláda schválila rozpočet."}]
    assert declared[0].meta["encoding"] == "cp1250"


def test_csv_broken_quote_recovers(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "broken.csv",
        "title,text,date\n"
        "Good one,Body one,2024-01-01\n"
        'Broken,"Body with an unclosed quote,2024-01-02\n'
        "Good two,Body two,2024-01-03\n"
        "Too,many,fields,here\n"
        "Good three,Body three,2024-01-04\n",
    )
    records = list(CsvSource("broken", path).read())
    assert [r.error is None for r in records] == [True, False, True, False, True]
    assert "malformed CSV row" in (records[1].error or "")
    assert records[1].payload == b'Broken,"Body with an unclosed quote,2024-01-02\n'
    assert records[3].error == "malformed CSV row: 4 fields, header has 3"
    assert [row["title"] for row in _rows(records)] == ["Good one", "Good two", "Good three"]
    assert [r.locator.rsplit("=", 1)[1] for r in records] == ["1", "2", "3", "4", "5"]


def test_csv_unclosed_quote_to_end_of_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "eof.csv", 'title,text\nBroken,"never closed\nGood,Body\n')
    records = list(CsvSource("eof", path).read())
    assert "unterminated quote" in (records[0].error or "")
    assert _rows(records) == [{"title": "Good", "text": "Body"}]


def test_csv_overlong_line_and_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.csv", "title,text\nHuge," + "y" * 5000 + "\nSmall,Body\n")
    records = list(CsvSource("long", path, max_bytes=1000).read())
    assert "over the cap" in (records[0].error or "")
    assert len(records[0].payload) == 1000
    assert _rows(records) == [{"title": "Small", "text": "Body"}]
    empty = list(CsvSource("empty", _write(tmp_path / "empty.csv", "")).read())
    assert [r.error for r in empty] == ["empty CSV: no header row"]


def test_csv_streams_row_by_row(tmp_path: Path) -> None:
    row = "A title,A body of about a hundred characters " + "z" * 60 + ",2024-01-01\n"
    path = tmp_path / "large.csv"
    with path.open("w") as fh:
        fh.write("title,text,date\n")
        fh.writelines(row for _ in range(40_000))
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in CsvSource("large", path).read())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40_000
    assert peak < 1_500_000


# ---- jsonl -------------------------------------------------------------------------------------


def test_jsonl() -> None:
    records = list(JsonlSource("rows", FIXTURES / "rows.jsonl").read())
    assert [r.locator.rsplit("=", 1)[1] for r in records] == ["1", "3", "4", "5", "6"]
    assert [r.error is None for r in records] == [True, True, False, False, True]
    assert (records[2].error or "").startswith("invalid JSON")
    assert records[3].error == "not a JSON object: list"
    assert {r.media_type for r in records} == {JSONL_ROW}
    assert json.loads(records[0].payload)["title"] == "Library extends weekend hours"


def test_jsonl_overlong_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.jsonl", '{"text": "' + "q" * 3000 + '"}\n{"text": "ok"}\n')
    records = list(JsonlSource("x", path, max_bytes=500).read())
    assert "line too large" in (records[0].error or "")
    assert len(records[0].payload) == 500
    assert records[1].error is None
    assert records[1].locator.endswith("#line=2")


# ---- feeds -------------------------------------------------------------------------------------


def test_feeds(feeds_dir: Path) -> None:
    records = list(FeedSource("feeds", feeds_dir).read())
    assert len(records) == 194
    assert not any(r.error for r in records)
    per_file = Counter(Path(r.locator.split("#")[0]).name for r in records)
    assert per_file == FEED_COUNTS
    items = [json.loads(r.payload) for r in records]
    assert set(items[0]) == {
        "title", "link", "id", "summary", "content", "published", "published_parsed",
        "updated", "updated_parsed", "author", "tags", "feed",
    }  # fmt: skip
    assert all(item["title"] and item["link"] for item in items)


def test_uol_feed_latin1_without_declaration(feeds_dir: Path) -> None:
    records = list(FeedSource("uol", feeds_dir / "uolNoticias.rss").read())
    assert len(records) == 15
    items = [json.loads(r.payload) for r in records]
    titles = " ".join(item["title"] for item in items)
    assert "simulações" in titles
    assert "\ufffd" not in titles and "Ã" not in titles
    assert items[0]["published"] == "Seg, 24 Set 2018 19:42:40 -0300"
    assert items[0]["feed"]["title"] == "UOL Noticias"
    # feedparser names it windows-1252, or ISO-8859-1 when chardet is installed beside it
    assert records[0].meta["encoding"].lower() in {"windows-1252", "iso-8859-1"}


def test_feed_fixture_fields() -> None:
    records = list(FeedSource("wire", FIXTURES / "feed.rss").read())
    assert [r.locator.rsplit("#", 1)[1] for r in records] == ["item=1", "item=2", "item=3"]
    item = json.loads(records[0].payload)
    assert item["published_parsed"] == "2024-03-04T09:15:00+00:00"
    assert item["tags"] == ["Transport", "Islands"]
    assert item["author"] == "Nils Amberg"
    assert item["feed"] == {
        "title": "Invented Wire",
        "link": "https://example.com/",
        "language": "en-GB",
    }
    assert "<p>" in item["summary"]
    assert json.loads(records[1].payload)["title"] == "Café owners & bakers meet"


def test_not_a_feed_is_one_error_record(tmp_path: Path) -> None:
    fake = _write(tmp_path / "fake.rss", "This is a note, not XML at all.\n")
    records = list(FeedSource("fake", fake).read())
    assert len(records) == 1
    assert (records[0].error or "").startswith("not a feed: ")
    assert records[0].payload == fake.read_bytes()
    html = _write(tmp_path / "page.xml", "<html><body><p>hello</p></body></html>")
    assert (list(FeedSource("x", html).read())[0].error or "").startswith("not a feed")


def test_looks_like_feed() -> None:
    assert looks_like_feed(b'<?xml version="1.0"?><rss version="2.0">')
    assert looks_like_feed(b"<feed xmlns='http://www.w3.org/2005/Atom'>")
    assert looks_like_feed(b"<rdf:RDF xmlns:rdf='x'>")
    assert looks_like_feed(b"{}", "application/rss+xml; charset=utf-8")
    assert not looks_like_feed(b"<html><body><div class='feed'>x</div></body></html>")
    assert not looks_like_feed(b"<html><head></head><body><feed>", "text/html")


# ---- folder and factories ----------------------------------------------------------------------


def test_folder_dispatches_by_extension(tmp_path: Path) -> None:
    for name in ("story.txt", "rows.csv", "rows.jsonl", "page.html", "feed.atom"):
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    _write(tmp_path / "notes", "An extensionless story\n\nWith a body.")
    (tmp_path / "blob.dat").write_bytes(bytes(range(256)) * 4)
    _write(tmp_path / "README.md", "describes the folder")
    records = list(FolderSource("mixed", tmp_path).read())
    kinds = Counter(r.media_type for r in records)
    assert kinds == {TEXT: 2, CSV_ROW: 3, JSONL_ROW: 5, HTML: 1, FEED_ITEM: 1, UNKNOWN: 1}
    assert {r.source_kind for r in records} == {"files", "csv", "jsonl", "html", "feed", "folder"}
    blob = next(r for r in records if r.media_type == UNKNOWN)
    assert blob.error == "binary file"
    assert not any("README" in r.locator for r in records)


def test_source_from_path(isot_csv: Path, tmp_path: Path) -> None:
    csv_source = source_from_path(str(isot_csv))
    assert isinstance(csv_source, CsvSource)
    assert csv_source.name == "true_sample"
    assert isinstance(source_from_path(str(FIXTURES / "rows.jsonl")), JsonlSource)
    assert isinstance(source_from_path(str(FIXTURES / "page.html")), HtmlFilesSource)
    assert isinstance(source_from_path(str(FIXTURES / "feed.atom")), FeedSource)
    assert isinstance(source_from_path(str(FIXTURES / "story.txt")), TextFilesSource)
    folder = source_from_path(str(FIXTURES), name="fx")
    assert isinstance(folder, FolderSource)
    assert folder.name == "fx"
    http = source_from_path("https://example.com/news.rss")
    assert isinstance(http, HttpSource)
    assert http.urls == ["https://example.com/news.rss"]
    with pytest.raises(FileNotFoundError):
        source_from_path(str(tmp_path / "missing.csv"))


def test_source_from_config() -> None:
    spec = {
        "name": "isot", "kind": "csv", "path": "x.csv", "urls": [],
        "columns": {"title": "title", "body": "text"}, "max_bytes": 2048,
    }  # fmt: skip
    source = source_from_config(spec)
    assert isinstance(source, CsvSource)
    assert (source.name, source.columns, source.max_bytes) == ("isot", spec["columns"], 2048)
    http = source_from_config({"name": "w", "kind": "http", "urls": ["http://a/x"], "attempts": 5})
    assert isinstance(http, HttpSource)
    assert http.attempts == 5
    folder = source_from_config({"name": "e", "kind": "folder", "path": "e"})
    assert isinstance(folder, FolderSource)
    files = source_from_config({"name": "b", "kind": "files", "path": "b"})
    assert isinstance(files, TextFilesSource)
    with pytest.raises(ValueError, match="'gopher'"):
        source_from_config({"name": "g", "kind": "gopher", "path": "x"})
    with pytest.raises(ValueError, match="no urls"):
        source_from_config({"name": "h", "kind": "http", "urls": []})


def test_every_class_is_a_source() -> None:
    sources: list[Source] = [
        TextFilesSource("a", "."), CsvSource("a", "x.csv"), JsonlSource("a", "x.jsonl"),
        HtmlFilesSource("a", "."), FeedSource("a", "."), FolderSource("a", "."),
        HttpSource("a", []),
    ]  # fmt: skip
    assert [s.kind for s in sources] == ["files", "csv", "jsonl", "html", "feed", "folder", "http"]


# ---- http --------------------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out leave broken pipes behind


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Run a threaded HTTP server on 127.0.0.1 with the given routes; yield its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


FEED_BYTES = (FIXTURES / "feed.rss").read_bytes()
PAGE_BYTES = (FIXTURES / "page.html").read_bytes()
LAST_MODIFIED = "Mon, 04 Mar 2024 12:00:00 GMT"


def test_http_conditional_get() -> None:
    hits: list[dict[str, str | None]] = []

    def feed(handler: BaseHTTPRequestHandler) -> None:
        hits.append({k: handler.headers.get(k) for k in ("If-None-Match", "If-Modified-Since")})
        if handler.headers.get("If-None-Match") == '"v1"':
            _send(handler, 304)
        else:
            _send(handler, 200, FEED_BYTES, Content_Type="application/rss+xml",
                  ETag='"v1"', Last_Modified=LAST_MODIFIED)  # fmt: skip

    with serve({"/feed.rss": feed}) as base:
        url = f"{base}/feed.rss"
        source = HttpSource("wire", [url], backoff=0.01)
        first = list(source.read())
        state = source.checkpoint()
        again = list(source.read(state))
    assert [r.locator for r in first] == [f"{url}#item={n}" for n in (1, 2, 3)]
    assert {r.media_type for r in first} == {FEED_ITEM}
    assert {r.source_kind for r in first} == {"http"}
    assert first[0].meta == {"url": url, "encoding": "utf-8"}
    assert state == {f"etag {url}": '"v1"', f"last_modified {url}": LAST_MODIFIED}
    assert again == []
    assert hits[1] == {"If-None-Match": '"v1"', "If-Modified-Since": LAST_MODIFIED}
    assert source.checkpoint() == state


def test_http_retries_503_then_succeeds() -> None:
    calls = Counter[str]()

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        calls["flaky"] += 1
        if calls["flaky"] <= 2:
            _send(handler, 503, b"busy")
        else:
            _send(handler, 200, FEED_BYTES, Content_Type="application/octet-stream")

    with serve({"/flaky": flaky}) as base:
        records = list(HttpSource("wire", [f"{base}/flaky"], attempts=3, backoff=0.01).read())
    assert calls["flaky"] == 3
    assert len(records) == 3
    assert not any(r.error for r in records)
    assert {r.media_type for r in records} == {FEED_ITEM}  # sniffed: served as octet-stream


def test_http_failures_become_error_records() -> None:
    calls = Counter[str]()

    def down(handler: BaseHTTPRequestHandler) -> None:
        calls["down"] += 1
        _send(handler, 500, b"broken")

    def gone(handler: BaseHTTPRequestHandler) -> None:
        calls["gone"] += 1
        _send(handler, 404, b"no")

    def page(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, 200, PAGE_BYTES, Content_Type="text/html; charset=utf-8")

    with serve({"/down": down, "/gone": gone, "/page": page}) as base:
        urls = [f"{base}/down", f"{base}/gone", f"{base}/page"]
        records = list(HttpSource("site", urls, attempts=3, backoff=0.01).read())
    assert calls == {"down": 3, "gone": 1}
    down_record, gone_record, page_record = records
    expected = f"fetch failed after 3 attempts: {urls[0]}: HTTP 500 Internal Server Error"
    assert down_record.error == expected
    assert gone_record.error == f"fetch failed: {urls[1]}: HTTP 404 Not Found"
    assert page_record.error is None
    assert page_record.media_type == HTML
    assert page_record.payload == PAGE_BYTES
    assert page_record.meta["url"] == urls[2]
    assert page_record.meta["charset"] == "utf-8"


def test_http_timeout_and_refused_connection() -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.6)
        _send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    with serve({"/slow": slow}) as base:
        url = f"{base}/slow"
        started = time.perf_counter()
        records = list(HttpSource("s", [url], timeout=0.15, attempts=2, backoff=0.01).read())
        elapsed = time.perf_counter() - started
    assert len(records) == 1
    assert (records[0].error or "").startswith(f"fetch failed after 2 attempts: {url}: ReadTimeout")
    assert elapsed < 1.5
    refused = list(HttpSource("r", [base + "/x"], timeout=0.5, attempts=2, backoff=0.01).read())
    assert "ConnectError" in (refused[0].error or "")


def test_http_follows_redirects_and_caps_size() -> None:
    def moved(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, 302, Location="/page")

    def page(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, 200, PAGE_BYTES, Content_Type="text/html")

    with serve({"/moved": moved, "/page": page}) as base:
        (record,) = HttpSource("s", [f"{base}/moved"]).read()
        (capped,) = HttpSource("s", [f"{base}/page"], max_bytes=100).read()
    assert record.meta["url"] == f"{base}/page"
    assert record.locator == f"{base}/moved"
    assert (capped.error or "").startswith("response too large")
    assert len(capped.payload) == 100


def test_files_already_read_are_skipped_until_they_change(tmp_path: Path) -> None:
    story = tmp_path / "a.txt"
    story.write_text("Talks resume\n\nGENEVA (Reuters) - Talks resumed on Monday, officials said.")
    (tmp_path / "b.txt").write_text("Port reopens\n\nVALLETTA (Reuters) - The port reopened.")
    source = FolderSource("wire", tmp_path)
    assert len(list(source.read())) == 2
    state = source.checkpoint()
    assert set(state) == {f"file {story}", f"file {tmp_path / 'b.txt'}"}

    again = FolderSource("wire", tmp_path)
    assert list(again.read(state)) == [] and again.checkpoint() == {}
    os.utime(story, ns=(1, 1))  # touched, same bytes: still skipped
    assert list(FolderSource("wire", tmp_path).read(state)) == []
    story.write_text(story.read_text() + " More.")
    changed = FolderSource("wire", tmp_path)
    assert [r.locator for r in changed.read(state)] == [str(story)]
    assert set(changed.checkpoint()) == {f"file {story}"}
