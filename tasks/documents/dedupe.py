"""Exact and near-duplicate detection: flag, never delete."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from tasks.documents.normalise import normalise_text

NUM_PERM = 128
SHINGLE_WORDS = 3
MIN_SHINGLES = 12
SCHEME = "affine32"
CHUNK = 4096
_WORD = re.compile(r"\w+")
# the hash permutations depend only on NUM_PERM and the seed: built once, not per MinHash
PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def iter_shingles(body: str, size: int = SHINGLE_WORDS) -> Iterator[bytes]:
    """Yield the body's word n-grams as bytes, blind to case and punctuation.

    Words are taken CHUNK at a time (a 5 MB body never becomes one list of words), each block
    keeping the last size-1 words of the one before, so the n-grams are those of the whole text.
    """
    words = (match.group() for match in _WORD.finditer(normalise_text(body)))
    carry: list[str] = []
    while block := carry + list(islice(words, CHUNK)):
        if len(block) == len(carry):
            return
        yield from (" ".join(block[i : i + size]).encode() for i in range(len(block) - size + 1))
        carry = block[len(block) - size + 1 :] if size > 1 else []


def shingles(body: str, size: int = SHINGLE_WORDS) -> list[bytes]:
    """Return the body's word n-grams as bytes, blind to case and punctuation."""
    return list(iter_shingles(body, size))


def minhash_values(body: str) -> np.ndarray | None:
    """Return the body's MinHash signature as uint32 values, or None for very short bodies."""
    # hashed CHUNK shingles at a time: update_batch holds NUM_PERM hashes of every shingle it is
    # given (1 GB for a 5 MB body at once); a signature is a minimum, so chunks change nothing
    grams = iter_shingles(body)
    chunk = list(islice(grams, CHUNK))
    if len(chunk) < MIN_SHINGLES:
        return None
    sketch = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=PERMUTATIONS)
    while chunk:
        sketch.update_batch(chunk)
        chunk = list(islice(grams, CHUNK))
    return np.asarray(sketch.hashvalues, dtype=np.uint32)


@dataclass
class DedupIndex:
    """What the lake already holds: article ids, content hashes and MinHash signatures."""

    threshold: float = 0.7
    ids: set[str] = field(default_factory=set)
    by_hash: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, np.ndarray] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    lsh: MinHashLSH = field(init=False)

    def __post_init__(self) -> None:
        # weigh recall over precision: candidates are checked against the threshold anyway
        self.lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM, weights=(0.1, 0.9))

    def known(self, article_id: str, body_hash: str) -> str | None:
        """Return the id of the stored article this one repeats exactly, if any."""
        if article_id in self.ids:
            return article_id
        return self.by_hash.get(body_hash)

    def nearest(self, signature: np.ndarray | None) -> str | None:
        """Return the first-seen article whose body is a near-duplicate of this signature."""
        if signature is None:
            return None
        best, best_score = None, self.threshold
        for candidate in self.lsh.query(
            MinHash(
                num_perm=NUM_PERM, hashvalues=signature, scheme=SCHEME, permutations=PERMUTATIONS
            )
        ):
            score = float(np.mean(self.signatures[candidate] == signature))
            if score >= best_score:
                best, best_score = candidate, score
        return self.roots.get(best, best) if best else None

    def add(
        self,
        article_id: str,
        body_hash: str,
        signature: np.ndarray | None,
        duplicate_of: str | None = None,
    ) -> None:
        """Remember an article so later ones can be matched against it."""
        self.ids.add(article_id)
        self.by_hash.setdefault(body_hash, article_id)
        if duplicate_of:
            self.roots[article_id] = duplicate_of
        if signature is not None and article_id not in self.signatures:
            self.signatures[article_id] = signature
            self.lsh.insert(
                article_id,
                MinHash(
                    num_perm=NUM_PERM,
                    hashvalues=signature,
                    scheme=SCHEME,
                    permutations=PERMUTATIONS,
                ),
            )


def build_index(
    rows: Iterable[tuple[str, str, bytes | None, str | None]], threshold: float = 0.7
) -> DedupIndex:
    """Return an index over stored (article_id, content_hash, minhash, duplicate_of) rows."""
    index = DedupIndex(threshold=threshold)
    for article_id, body_hash, minhash, duplicate_of in rows:
        signature = np.frombuffer(minhash, dtype=np.uint32) if minhash else None
        index.add(article_id, body_hash, signature, duplicate_of)
    return index


@dataclass
class DedupResult:
    """Articles to store, with what each raw record became."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    fingerprints: list[dict[str, Any]] = field(default_factory=list)
    article_of_raw: dict[str, tuple[str, bool]] = field(default_factory=dict)
    duplicates: int = 0
    near_duplicates: int = 0


def dedupe_articles(articles: list[dict[str, Any]], index: DedupIndex) -> DedupResult:
    """Split articles into new ones and repeats; near-duplicates get `duplicate_of`."""
    result = DedupResult()
    for article in articles:
        article_id, body_hash = article["article_id"], article["content_hash"]
        existing = index.known(article_id, body_hash)
        if existing:
            result.article_of_raw[article["raw_id"]] = (existing, True)
            result.duplicates += 1
            continue
        signature = minhash_values(article["body"])
        near = index.nearest(signature)
        if near:
            article = article | {"duplicate_of": near}
            result.near_duplicates += 1
        index.add(article_id, body_hash, signature, near)
        result.articles.append(article)
        if signature is not None:
            result.fingerprints.append({"article_id": article_id, "minhash": signature.tobytes()})
        result.article_of_raw[article["raw_id"]] = (article_id, False)
    return result
