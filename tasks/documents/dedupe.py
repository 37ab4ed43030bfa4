"""Exact and near-duplicate detection: flag, never delete.

The index asks the lake, once a batch, which of the batch's ids and content hashes it holds and
which articles own the batch's LSH band keys (`tasks.documents.lsh`); what it accepted since the
last commit (batches deduped ahead of their commit) it keeps in memory, in an overlay the caller
empties with `DedupIndex.committed` once a batch is in the lake.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import duckdb
import numpy as np

from tasks.documents.lsh import band_keys, signature_of, similarity
from tasks.documents.normalise import normalise_text
from tasks.lake.reads import band_owners, stored_repeats

NUM_PERM = 128
SHINGLE_WORDS = 3
MIN_SHINGLES = 12
CHUNK = 4096
_WORD = re.compile(r"\w+")
# the signature is datasketch 2.0's MinHash(num_perm=128, scheme="affine32", seed=1), made with
# numpy alone (datasketch pulls in scipy: ~45 MB and ~1 s of start-up in the run's process);
# the lake holds signatures made that way, so these must not change
SEED = 1
_MAX32 = np.uint32(0xFFFFFFFF)


def _permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Return the affine permutations h -> a * h + b (mod 2^32), with every `a` odd."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


# the hash permutations depend only on NUM_PERM and the seed: built once
PERMUTATIONS = _permutations()


def _hashes(grams: list[bytes]) -> np.ndarray:
    """Return each n-gram's 32-bit hash: the first 4 bytes of its SHA-1, little-endian, then
    MurmurHash3's finalizer (a bijection that spreads structured values)."""
    digests = b"".join(hashlib.sha1(gram).digest()[:4] for gram in grams)
    hashes = np.frombuffer(digests, dtype="<u4").astype(np.uint32)
    hashes ^= hashes >> np.uint32(16)
    hashes *= np.uint32(0x85EBCA6B)
    hashes ^= hashes >> np.uint32(13)
    hashes *= np.uint32(0xC2B2AE35)
    hashes ^= hashes >> np.uint32(16)
    return hashes


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
    # hashed CHUNK shingles at a time: NUM_PERM hashes of every shingle of a 5 MB body at once
    # would take 1 GB; a signature is a minimum, so chunks change nothing
    grams = iter_shingles(body)
    chunk = list(islice(grams, CHUNK))
    if len(chunk) < MIN_SHINGLES:
        return None
    a, b = PERMUTATIONS
    signature = np.full(NUM_PERM, _MAX32, dtype=np.uint32)
    while chunk:
        permuted = _hashes(chunk)[:, None] * a + b  # wraps around: arithmetic mod 2^32
        np.minimum(signature, permuted.min(axis=0), out=signature)
        chunk = list(islice(grams, CHUNK))
    return signature


@dataclass(frozen=True)
class Candidate:
    """An article a new one may repeat: its signature and the root of its duplicate chain."""

    article_id: str
    signature: np.ndarray
    root: str


@dataclass
class Overlay:
    """Articles the index accepted that the lake may not hold yet, with the band keys they own."""

    ids: set[str] = field(default_factory=set)
    by_hash: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, np.ndarray] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    owners: dict[int, str] = field(default_factory=dict)
    claims: dict[str, tuple[str, list[int]]] = field(default_factory=dict)

    def add(
        self,
        article_id: str,
        body_hash: str,
        signature: np.ndarray | None,
        claimed: list[int],
        duplicate_of: str | None,
    ) -> None:
        """Remember an accepted article and the band keys it is the first to have."""
        self.ids.add(article_id)
        self.by_hash.setdefault(body_hash, article_id)
        if signature is not None:
            self.signatures.setdefault(article_id, signature)
        if duplicate_of:
            self.roots[article_id] = duplicate_of
        for key in claimed:
            self.owners.setdefault(key, article_id)
        self.claims[article_id] = (body_hash, claimed)

    def candidate(self, key: int) -> Candidate | None:
        """Return the article owning this band key, if it is one of the overlay's."""
        owner = self.owners.get(key)
        if owner is None or owner not in self.signatures:
            return None
        return Candidate(owner, self.signatures[owner], self.roots.get(owner, owner))

    def drop(self, article_ids: Iterable[str]) -> None:
        """Forget these articles (the lake holds them now, or never will)."""
        for article_id in article_ids:
            if article_id not in self.claims:
                continue
            body_hash, claimed = self.claims.pop(article_id)
            self.ids.discard(article_id)
            if self.by_hash.get(body_hash) == article_id:
                del self.by_hash[body_hash]
            self.signatures.pop(article_id, None)
            self.roots.pop(article_id, None)
            for key in claimed:
                if self.owners.get(key) == article_id:
                    del self.owners[key]


@dataclass
class StoredBands:
    """What the lake holds for a batch's band keys: the keys it has, and their owners."""

    keys: set[int] = field(default_factory=set)
    candidates: dict[int, Candidate] = field(default_factory=dict)


class DedupIndex:
    """Finds the articles a new one repeats: in the lake, and in the overlay of those accepted
    since the last commit.

    con: the writer's connection (the caller uses it from one thread). None keeps everything in
    memory (tests, benches): nothing is looked up, and `committed` forgets nothing.
    `comparisons` counts the signature comparisons made, at most BANDS per article.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None, threshold: float = 0.7):
        self.con = con
        self.threshold = threshold
        self.overlay = Overlay()
        self.comparisons = 0

    def committed(self, article_ids: Iterable[str]) -> None:
        """Drop these articles from the overlay: call it once their batch is committed, with
        every article id the batch's dedupe accepted (those validation rejected included)."""
        if self.con is not None:
            self.overlay.drop(article_ids)

    @property
    def in_flight(self) -> int:
        """Return how many articles the overlay holds."""
        return len(self.overlay.claims)

    def add(
        self,
        article_id: str,
        body_hash: str,
        signature: np.ndarray | None,
        duplicate_of: str | None = None,
    ) -> None:
        """Remember an article in the overlay, owning each of its band keys no one owns yet."""
        claimed: list[int] = []
        if signature is not None:
            keys = band_keys(signature[np.newaxis])[0].tolist()
            claimed = [key for key in keys if key not in self.overlay.owners]
        self.overlay.add(article_id, body_hash, signature, claimed, duplicate_of)

    def stored_repeats(self, articles: Sequence[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
        """Return which of the articles' ids the lake holds, and its article of each hash."""
        if self.con is None:
            return set(), {}
        ids = [a["article_id"] for a in articles]
        return stored_repeats(self.con, ids, [a["content_hash"] for a in articles])

    def known(
        self, article_id: str, body_hash: str, stored: tuple[set[str], dict[str, str]]
    ) -> str | None:
        """Return the id of the stored or accepted article this one repeats exactly, if any."""
        ids, by_hash = stored
        if article_id in ids or article_id in self.overlay.ids:
            return article_id
        return by_hash.get(body_hash) or self.overlay.by_hash.get(body_hash)

    def stored_bands(self, keys: np.ndarray) -> StoredBands:
        """Return the lake's owners of these band keys, with their signatures and roots."""
        if self.con is None or keys.size == 0:
            return StoredBands()
        owners, rows = band_owners(self.con, np.unique(keys))
        candidates = {
            key: Candidate(owner, signature_of(rows[owner][0]), rows[owner][1] or owner)
            for key, owner in owners.items()
            if owner in rows
        }
        return StoredBands(set(owners), candidates)

    def nearest(
        self, signature: np.ndarray, keys: list[int], stored: StoredBands
    ) -> tuple[str | None, list[int]]:
        """Return the root of the closest candidate at or above the threshold (or None), and
        the bands whose key no article owns yet, which this one will own."""
        best, best_score = None, self.threshold
        compared: set[str] = set()
        unowned = []
        for band, key in enumerate(keys):
            candidate = stored.candidates.get(key) or self.overlay.candidate(key)
            if key not in stored.keys and key not in self.overlay.owners:
                unowned.append(band)
            if candidate is None or candidate.article_id in compared:
                continue
            compared.add(candidate.article_id)
            self.comparisons += 1
            score = similarity(candidate.signature, signature)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = candidate, score
        return (best.root if best else None), unowned


def build_index(
    rows: Iterable[tuple[str, str, bytes | None, str | None]], threshold: float = 0.7
) -> DedupIndex:
    """Return an in-memory index (no lake) over (article_id, content_hash, minhash,
    duplicate_of) rows."""
    index = DedupIndex(threshold=threshold)
    for article_id, body_hash, minhash, duplicate_of in rows:
        index.add(article_id, body_hash, signature_of(minhash) if minhash else None, duplicate_of)
    return index


@dataclass
class DedupResult:
    """Articles to store, with what each raw record became."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    fingerprints: list[dict[str, Any]] = field(default_factory=list)
    bands: list[dict[str, Any]] = field(default_factory=list)
    article_of_raw: dict[str, tuple[str, bool]] = field(default_factory=dict)
    duplicates: int = 0
    near_duplicates: int = 0


def split_repeats(
    articles: list[dict[str, Any]], index: DedupIndex, result: DedupResult
) -> list[dict[str, Any]]:
    """Record the exact repeats (same id or content hash as a stored, accepted or earlier
    article of the batch); return the other articles, in order."""
    stored = index.stored_repeats(articles)
    batch_ids: set[str] = set()
    batch_hashes: dict[str, str] = {}
    fresh = []
    for article in articles:
        article_id, body_hash = article["article_id"], article["content_hash"]
        existing = index.known(article_id, body_hash, stored)
        if existing is None:
            existing = article_id if article_id in batch_ids else batch_hashes.get(body_hash)
        if existing:
            result.article_of_raw[article["raw_id"]] = (existing, True)
            result.duplicates += 1
            continue
        batch_ids.add(article_id)
        batch_hashes.setdefault(body_hash, article_id)
        fresh.append(article)
    return fresh


def dedupe_articles(articles: list[dict[str, Any]], index: DedupIndex) -> DedupResult:
    """Split articles into new ones and repeats; near-duplicates get `duplicate_of`.

    The lake is read twice for the whole batch (its repeats, then its band keys' owners), never
    once per article.
    """
    result = DedupResult()
    fresh = split_repeats(articles, index, result)
    signatures = [minhash_values(article["body"]) for article in fresh]
    signed = [s for s in signatures if s is not None]
    keys = band_keys(np.stack(signed)) if signed else np.empty((0, 0), np.int64)
    stored = index.stored_bands(keys)
    rows = iter(keys.tolist())
    for article, signature in zip(fresh, signatures, strict=True):
        article_id = article["article_id"]
        near, claimed = None, {}
        if signature is not None:
            row = next(rows)
            near, bands = index.nearest(signature, row, stored)
            claimed = {band: row[band] for band in bands}
        if near:
            article = article | {"duplicate_of": near}
            result.near_duplicates += 1
        index.overlay.add(article_id, article["content_hash"], signature, [*claimed.values()], near)
        result.articles.append(article)
        if signature is not None:
            result.fingerprints.append({"article_id": article_id, "minhash": signature.tobytes()})
        result.bands.extend(
            {"band": band, "band_key": key, "article_id": article_id}
            for band, key in claimed.items()
        )
        result.article_of_raw[article["raw_id"]] = (article_id, False)
    return result
