"""Paths and names reach SQL only bound or quoted: a lake folder named o'brien works, and a
folder name crafted as SQL stays a folder name (nothing it spells is run)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from tasks import lake
from tasks.serving.bi import init_statements

pytestmark = pytest.mark.unit

CRAFTED = "evil' (READ_ONLY); copy (select 42) to 'pwned.csv'; attach 'x"


@pytest.mark.parametrize("folder", ["o'brien", CRAFTED, 'double"quote'])
def test_lake_paths_are_quoted_everywhere(tmp_path: Path, folder: str, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a COPY ... TO 'pwned.csv' would land here
    location = lake.LakeLocation.local(tmp_path / folder / "lake")
    writer = lake.connect(location)
    writer.execute(
        "insert into runs (run_id, status, sources) values (?, 'completed', ['s'])", ["r'1"]
    )
    writer.close()
    reader = lake.connect(location, read_only=True)
    try:
        assert reader.execute("select run_id from runs").fetchall() == [("r'1",)]
    finally:
        reader.close()
    # the BI recipes' init SQL opens the same lake from a plain DuckDB client
    client = duckdb.connect()
    try:
        for statement in init_statements(location):
            client.execute(statement)
        assert client.execute("select count(*) from runs").fetchone() == (1,)
    finally:
        client.close()
    assert not (tmp_path / "pwned.csv").exists()
    assert sorted(os.listdir(tmp_path / folder / "lake")) == ["catalog.sqlite", "data"]
