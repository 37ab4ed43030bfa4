"""Hostile files: an entry that cannot be read is one rejection; the rest of the folder lands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tasks import lake
from tasks.documents.batch import BatchResult, dedupe_batch, parse_batch
from tasks.documents.dedupe import DedupIndex
from tasks.documents.normalise import NormaliseContext
from tasks.records import RawRecord
from tasks.sources import FolderSource, Source

pytestmark = pytest.mark.integration

STORY = "{title}\n\nKOTOR (Reuters) - {title}, the harbour master said on Monday.\n"


def story(folder: Path, name: str | bytes, title: str) -> Path:
    """Write a small fictional story under folder (a bytes name may be any bytes)."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    path.write_text(STORY.format(title=title))
    return path


def ingest(
    con: Any, source: Source, run_id: str, records: Iterator[RawRecord] | None = None
) -> BatchResult:
    """Read, parse and commit one source as the ingest flow does (one batch, its checkpoint)."""
    since = lake.load_state(con, source.name)
    context = NormaliseContext(run_id=run_id, ingested_at=datetime.now(UTC))
    read = list(records if records is not None else source.read(since))
    result = dedupe_batch(parse_batch(read, context), DedupIndex(), context)
    lake.commit_batch(
        con, result.tables, lake.state_table(source.name, source.checkpoint(), run_id)
    )
    return result


def test_bad_names_loops_and_files_vanishing_mid_run_are_one_rejection_each(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    for name, title in [("a.txt", "Ferry lanes reopen"), ("c.txt", "Cranes return"),
                        ("d.txt", "Pilots strike"), ("z.txt", "Tugboats repainted")]:  # fmt: skip
        story(folder, name, title)
    story(folder, b"caf\xe9.txt", "A latin-1 file name")  # not UTF-8: the name itself is bad
    os.symlink("loop2.txt", folder / "loop1.txt")
    os.symlink("loop1.txt", folder / "loop2.txt")
    os.symlink("nowhere.txt", folder / "gone.txt")
    (folder / "rows.csv").write_text("title,text\nQuay extended,The quay grew by forty metres.\n")

    source = FolderSource("wire", folder)
    con = lake.connect(lake.LakeLocation.local(tmp_path / "lake"))
    try:

        def read_while_the_folder_changes() -> Iterator[RawRecord]:
            for record in source.read(lake.load_state(con, "wire")):
                yield record
                if record.locator.endswith("a.txt"):  # after the walk listed the folder
                    (folder / "c.txt").unlink()
                    (folder / "d.txt").unlink()
                    os.symlink("d.txt", folder / "d.txt")  # now a loop: unreadable
                    if os.geteuid() != 0:  # root reads any file whatever its mode
                        (folder / "z.txt").chmod(0)

        first = ingest(con, source, "first", read_while_the_folder_changes())
        rejected = dict(
            con.execute("select locator, reason from rejected where stage = 'read'").fetchall()
        )
        titles = {t for (t,) in con.execute("select title from articles").fetchall()}
        state = lake.load_state(con, "wire")

        second = ingest(con, FolderSource("wire", folder), "second")  # nothing new, no errors
        os.rename(os.fsencode(folder / "caf") + b"\xe9.txt", folder / "café.txt")
        third = ingest(con, FolderSource("wire", folder), "third")  # renamed: now it lands
    finally:
        con.close()

    at = f"{folder}/"
    assert {k.removeprefix(at): v for k, v in rejected.items()} == {
        "c.txt": "unreadable file: it vanished before it could be read",
        "d.txt": "unreadable file: Too many levels of symbolic links",
        "gone.txt": "broken symlink: its target does not exist",
        "loop1.txt": "unreadable file: Too many levels of symbolic links",
        "loop2.txt": "unreadable file: Too many levels of symbolic links",
        "caf\\xe9.txt": "file name is not valid UTF-8 (rename the file)",
    } | ({} if os.geteuid() == 0 else {"z.txt": "unreadable file: Permission denied"})
    root = os.geteuid() == 0
    assert titles == {"Ferry lanes reopen", "Quay extended"} | (
        {"Tugboats repainted"} if root else set()
    )
    assert first.counts["read_errors"] == len(rejected)
    # the state advances for what was read; an entry that failed is retried once it changes
    assert state[f"file {at}a.txt"].count(":") == 2
    assert f"file {at}c.txt" not in state
    assert all(state[f"file {at}{name}"].startswith("failed:") for name in ("d.txt", "gone.txt"))
    assert second.counts["records_read"] == 0
    assert (third.counts["records_read"], third.counts["articles_new"]) == (1, 1)
