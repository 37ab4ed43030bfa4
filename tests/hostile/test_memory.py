"""Hostile sizes: a 5 MB record goes through normalise and fingerprinting in bounded memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tasks.documents.dedupe import CHUNK, NUM_PERM, SEED, minhash_values, shingles

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# in a fresh interpreter: make a body of `size` bytes, normalise it and fingerprint it (the
# flow's parse and dedupe steps), then print the peak RSS in KiB
CHILD = """
import random, resource, sys
from datetime import UTC, datetime
from tasks.documents.batch import parse_one
from tasks.documents.dedupe import DedupIndex, dedupe_articles
from tasks.documents.normalise import NormaliseContext
from tasks.records import TEXT, RawRecord

size = int(sys.argv[1])
vocabulary = [f"w{n}" for n in range(5000)]
body = " ".join(random.Random(1).choices(vocabulary, k=size // 6))[:size]
record = RawRecord("s", "files", "big.txt", f"Title\\n\\n{body}".encode(), TEXT, datetime.now(UTC))
del body
context = NormaliseContext("r", datetime.now(UTC))
article = parse_one(record, context)
result = dedupe_articles([article], DedupIndex())
assert len(result.fingerprints) == 1, result
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mib(size: int) -> float:
    """Return the peak RSS (MiB) of a process that normalises and fingerprints a `size` body."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def test_a_5_mb_record_stays_within_300_mb_of_an_ordinary_one() -> None:
    ordinary = peak_rss_mib(3_000)
    huge = peak_rss_mib(5_000_000)
    assert huge - ordinary < 300, (ordinary, huge)  # fingerprinting all at once: +1 GB


def datasketch_signature(body: str) -> np.ndarray:
    """Return the signature datasketch 2 (a dev dependency) makes of every shingle in one pass:
    how the lakes' signatures were made before ours replaced it."""
    from datasketch import MinHash

    sketch = MinHash(num_perm=NUM_PERM, scheme="affine32", seed=SEED)
    sketch.update_batch(shingles(body))
    return np.asarray(sketch.hashvalues, dtype=np.uint32)


def test_fingerprints_are_those_of_one_pass_over_every_shingle() -> None:
    # chunks of shingles must give the very signature of all of them at once
    for words in (20, 700, CHUNK * 2 + 5):
        body = " ".join(f"w{(n * 7919) % 1009}" for n in range(words))
        assert np.array_equal(minhash_values(body), datasketch_signature(body))


def test_fingerprints_of_real_stories_are_datasketchs(bbc_dir: Path) -> None:
    stories = sorted(bbc_dir.rglob("*.txt"))[::10]
    assert len(stories) > 100
    for path in stories:
        body = path.read_text(encoding="utf-8", errors="replace")
        assert np.array_equal(minhash_values(body), datasketch_signature(body)), path
