"""Random bytes, random file names and mutated CSV/JSONL/feed/HTML/text files through `newslake
run`: it exits 0 or 1 (every source failed), every record becomes an article, a duplicate or a
rejection, and `newslake validate` passes on the lake afterwards."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flows.cli import app
from tasks import lake

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# valid inputs of each kind, written for this test; the strategies below break them
TEMPLATES: dict[str, bytes] = {
    ".txt": b"Night ferry resumes\n\nBAR (Reuters) - The night ferry to Bari resumed on Friday, "
    b'the operator said. "We are back," its captain told reporters.\n',
    ".csv": b'title,text,date\n"Quay widened","SPLIT (Reuters) - The quay grew by forty metres '
    b'on Monday, the port said.","March 2, 2026"\nTram depot opens,The depot opened.,2026-03-03\n',
    ".jsonl": b'{"title": "Lighthouse relit", "text": "The old lighthouse was relit on Sunday '
    b'after ten years.", "published": "2026-03-01T10:00:00Z"}\n{"title": "Pier", "text": "x"}\n',
    ".rss": b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Port'
    b"</title><item><title>Dredging ends</title><link>http://example.org/a</link><description>"
    b"Dredging of the harbour mouth ended on Tuesday, two weeks early.</description><pubDate>"
    b"Tue, 03 Mar 2026 09:00:00 GMT</pubDate></item></channel></rss>\n",
    ".html": b"<html><head><title>Breakwater repaired</title></head><body><article><h1>"
    b"Breakwater repaired</h1><p>"
    + b"Divers finished repairing the breakwater on Thursday, the harbour office said. " * 6
    + b"</p></article></body></html>",
}
SUFFIXES = [*TEMPLATES, ".bin", ".csv", ".jsonl"]

mutation = st.tuples(
    st.floats(0, 1), st.sampled_from(["insert", "delete", "replace"]), st.binary(max_size=12)
)
name = st.binary(min_size=1, max_size=16).filter(
    lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
)
entry = st.tuples(
    name,
    st.sampled_from(SUFFIXES),
    st.one_of(st.binary(max_size=400), st.lists(mutation, max_size=4)),
)


def mutated(suffix: str, content: bytes | list[tuple[float, str, bytes]]) -> bytes:
    """Return random bytes as they are, or the suffix's template with the mutations applied."""
    if isinstance(content, bytes):
        return content
    data = bytearray(TEMPLATES.get(suffix, TEMPLATES[".txt"]))
    for where, op, chunk in content:
        at = int(where * len(data))
        if op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at : at + len(chunk) + 1]
        else:
            data[at : at + len(chunk)] = chunk
    return bytes(data)


def write_folder(folder: Path, entries: list[tuple[bytes, str, object]]) -> None:
    root = os.fsencode(folder)
    for index, (raw_name, suffix, content) in enumerate(entries):
        path = os.path.join(root, raw_name + b"-%d" % index + suffix.encode())
        with open(path, "wb") as handle:
            handle.write(mutated(suffix, content))  # type: ignore[arg-type]


def unaccounted(path: Path) -> tuple[int, int, int]:
    """Return (raw records, records that became nothing, articles without a raw record)."""
    con = lake.connect(lake.LakeLocation.local(path), read_only=True)
    try:
        row = con.execute(
            "select (select count(*) from raw_documents), "
            "(select count(*) from raw_documents r where r.article_id is null and not exists "
            " (select 1 from rejected x where x.raw_id = r.raw_id)), "
            "(select count(*) from articles a where a.raw_id not in "
            " (select raw_id from raw_documents))"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row


@settings(
    max_examples=6,
    database=None,  # nothing written into the checkout
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(entry, min_size=1, max_size=6))
def test_random_inputs_are_accounted_for_and_validate(prefect_harness: None, entries) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder, path = Path(scratch) / "in", Path(scratch) / "lake"
        folder.mkdir()
        write_folder(folder, entries)
        runner = CliRunner()
        env = {"NEWSLAKE_EXTRACT": "false"}
        ran = runner.invoke(app, ["run", "-s", str(folder), "--lake", str(path)], env=env)
        assert ran.exit_code in (0, 1), ran.output
        if not (path / "catalog.sqlite").exists():
            assert ran.exit_code == 1, ran.output  # nothing could be read at all
            return
        records, lost, orphans = unaccounted(path)
        assert lost == 0 and orphans == 0, (records, ran.output)
        checked = runner.invoke(app, ["validate", "--lake", str(path)], env=env)
        assert checked.exit_code == 0, checked.output
