"""A lake written before `mentions.canonical_source` stays readable, and a writer adds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks import lake

pytestmark = pytest.mark.integration


def test_a_lake_without_canonical_source_opens_for_readers_and_writers(tmp_path: Path) -> None:
    location = lake.LakeLocation.local(tmp_path / "lake")
    con = lake.connect(location)
    # what an older version left: the table without the column, its staging view without it
    con.execute("alter table mentions drop column canonical_source")
    con.execute("create or replace view stg_mentions as select mention_id, label from mentions")
    con.close()
    reader = lake.connect(location, read_only=True)
    assert reader.execute("select count(*) from stg_mentions").fetchall() == [(0,)]
    reader.close()
    writer = lake.connect(location)
    columns = {row[0] for row in writer.execute("describe mentions").fetchall()}
    writer.close()
    assert "canonical_source" in columns
