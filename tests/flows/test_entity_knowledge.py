"""The lake's entities feed the next run: a bare surname merges with the one full name the lake
knows, an ambiguous one is left alone, and an acronym the lake has seen defined takes its long
form. Stories are our own, in the 1987 wire style."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST_RUN = {
    "tonka.txt": "Tonka Corp said chairman Stephen Shank would lead the toy maker's bid for Kenner "
    "Parker Toys Inc. John Baker, an analyst at Harbour Securities, said the offer was fair. "
    "Mary Baker, a trader in Chicago, said shares of the toy maker rose sharply on the news.",
    "farm.txt": "Farm ministers of the European Community (EC) met in Brussels to set grain "
    "prices for the coming season. Stephen Shank, who chairs a Minnesota toy company, told a "
    "trade fair in Chicago that European demand for American toys was still strong. Mary Baker "
    "of the Chicago Board of Trade and John Baker of Harbour Securities both expect lower wheat "
    "futures.",
    "steel.txt": "Steel imports from the European Community (EC) fell in March, the Commerce "
    "Department said. John Baker, a steel analyst, said quotas would stay. Mary Baker, who "
    "speaks for the United Steelworkers, welcomed the figures. Stephen Shank of Tonka Corp said "
    "toy exports were up as well.",
    "rates.txt": "Interest rates on Treasury bills rose at Monday's auction in New York. Stephen "
    "Shank said higher rates would hurt holiday sales of toys. Mary Baker, an economist in "
    "Boston, and John Baker, a bond dealer in Dallas, both said the Federal Reserve would hold.",
}
SECOND_RUN = {
    "later.txt": "Tonka shares rose on Tuesday in heavy trading. Shank told analysts the Kenner "
    "purchase was on track. Baker said the price looked rich, while EC officials in Brussels "
    "declined to comment on toy tariffs."
}


def write(folder: Path, stories: dict[str, str]) -> Path:
    """Write stories as text files in a folder and return it."""
    folder.mkdir()
    for name, text in stories.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_later_run_resolves_names_with_what_the_lake_knows(
    run_ingest, lake_query, tmp_path: Path
) -> None:
    first = write(tmp_path / "first", FIRST_RUN)
    second = write(tmp_path / "second", SECOND_RUN)
    options = {"extract": True, "n_process": 1}  # in this process: the model loads once
    summary = run_ingest({"name": "wire", "kind": "folder", "path": str(first)}, **options)
    assert summary["totals"]["articles_new"] == 4
    summary = run_ingest({"name": "later", "kind": "folder", "path": str(second)}, **options)
    assert summary["totals"]["articles_new"] == 1
    rows = lake_query(
        "select m.text, m.label, m.canonical_name, m.canonical_source from mentions m "
        "join articles a using (article_id) where a.source = 'later' order by m.start_char"
    )
    found = {row[0]: row[1:] for row in rows}
    assert found["Shank"] == ("PERSON", "Stephen Shank", "lake")
    assert found["Baker"][1:] == ("Baker", "none")  # John or Mary: the lake cannot tell
    assert found["EC"] == ("ORG", "European Community", "lake")
    first_sources = lake_query(
        "select distinct canonical_source from mentions m join articles a using (article_id) "
        "where a.source = 'wire'"
    )
    assert {row[0] for row in first_sources} <= {"article", "none"}  # the lake was empty
    assert lake_query("select count(*) from validation_results where not success") == [(0,)]
