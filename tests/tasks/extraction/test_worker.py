"""Tests for tasks/extraction/worker.py: a worker sends plain rows and imports no Arrow."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tasks.extraction.batch_output import child_tables
from tasks.extraction.tables import extract_articles, extraction_tables
from tasks.extraction.worker import WARM_UP, extract_chunk
from tests.conftest import SPACY_MODEL

pytestmark = pytest.mark.unit

# what a spawned worker runs: its start (warm_up), then a chunk; which heavy modules it then holds
WORKER = f"""
import json, pickle, sys
from tasks.extraction.worker import WARM_UP, extract_chunk, warm_up
warm_up({SPACY_MODEL!r})
rows, fields = extract_chunk({SPACY_MODEL!r}, [WARM_UP])
pickle.dumps((rows, fields))  # what the pool sends back
print(json.dumps({{
    "modules": sorted(m for m in ("pyarrow", "pandas") if m in sys.modules),
    "rows": {{name: len(table_rows) for name, table_rows in rows.items()}},
}}))
"""


def test_a_worker_extracts_without_importing_arrow_or_pandas() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKER], capture_output=True, text=True, check=True, timeout=300
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["modules"] == []
    assert seen["rows"]["mentions"] > 0 and seen["rows"]["quotes"] > 0


def test_chunk_rows_make_the_same_tables_as_an_extraction_in_process(nlp) -> None:
    rows, fields = extract_chunk(SPACY_MODEL, [WARM_UP])
    expected = extract_articles(nlp, [WARM_UP])
    tables = child_tables(rows)
    assert tables.keys() == extraction_tables(expected).keys()
    for name, table in extraction_tables(expected).items():
        assert tables[name].equals(table), name
    assert fields == expected.article_fields
