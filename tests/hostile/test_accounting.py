"""Run accounting tells the truth: a run that committed batches and died is recorded as such."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks import lake
from tasks.documents.batch import dedupe_batch, parse_batch
from tasks.documents.dedupe import DedupIndex
from tasks.documents.normalise import NormaliseContext
from tasks.records import RawRecord

pytestmark = pytest.mark.unit

STORY = "{title}\n\nKOTOR (Reuters) - {title}, the harbour master said on {day}.\n"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday")


def batch(run_id: str, titles: list[str], at: datetime) -> dict:
    """Return the tables of one parsed batch of small fictional stories."""
    records = [
        RawRecord(
            source="harbour",
            source_kind="files",
            locator=f"{title}.txt",
            payload=STORY.format(title=title, day=DAYS[i % 4]).encode(),
            media_type="text/plain",
            fetched_at=at,
        )
        for i, title in enumerate(titles)
    ]
    records.append(
        RawRecord("harbour", "files", "broken.txt", b"", "text/plain", at, error="unreadable")
    )
    context = NormaliseContext(run_id=run_id, ingested_at=at)
    return dedupe_batch(parse_batch(records, context), DedupIndex(), context).tables


def test_a_run_that_died_after_committing_is_recorded_as_interrupted(tmp_path: Path) -> None:
    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:
        at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
        titles = ["Ferry lanes reopen", "Cranes return to the quay", "Pilots end their strike"]
        lake.commit_batch(con, batch("killed-run", titles, at))  # ...and no runs row: it died
        counts = {"records_read": 1, "articles_new": 1}
        lake.commit_batch(con, batch("finished-run", ["Tugboats repainted"], at))
        lake.record_run(con, "finished-run", at, ["harbour"], "completed", counts, {})

        assert lake.record_interrupted_runs(con) == ["killed-run"]
        assert lake.record_interrupted_runs(con) == []  # found once, recorded once
        rows = con.execute(
            "select run_id, status, sources, records_read, articles_new, rejected, error "
            "from runs order by run_id"
        ).fetchall()
    finally:
        con.close()
    assert rows[1][0] == "killed-run"
    assert rows[1][1:6] == ("interrupted", ["harbour"], 4, 3, 1)
    assert "did not record its end" in rows[1][6]
    assert rows[0][:2] == ("finished-run", "completed")


@pytest.mark.integration
@pytest.mark.slow
def test_a_publish_failure_after_the_commit_says_so(run_ingest, lake_query, tmp_path: Path) -> None:
    from tasks.serving.publish import PublishTarget
    from tests.conftest import free_port

    stories = tmp_path / "stories"
    stories.mkdir()
    for title in ("Ferry lanes reopen", "Cranes return to the quay"):
        (stories / f"{title}.txt").write_text(STORY.format(title=title, day="Monday"))
    nobody = f"postgresql://lake:secret-pw@127.0.0.1:{free_port()}/marts"  # nothing listens
    summary = run_ingest(
        {"name": "harbour", "kind": "folder", "path": str(stories)},
        publish_to=PublishTarget(nobody),
        validate_batches=False,
    )
    assert summary["status"] == "publish_failed"
    assert summary["totals"]["articles_new"] == 2  # the commit stands
    assert "publish failed" in summary["publish_error"]
    assert "secret-pw" not in summary["publish_error"]
    [(status, articles, error)] = lake_query("select status, articles_new, error from runs")
    assert (status, articles) == ("publish_failed", 2)
    assert "publish failed" in error and "secret-pw" not in error
    assert lake_query("select count(*) from articles") == [(2,)]
