"""LSH banding of MinHash signatures: band keys that name a few candidates for each article.

A signature's first BANDS * ROWS values are cut into BANDS bands of ROWS values; each band hashes
to one BIGINT key (the band's number is hashed in, so keys of different bands never meet). The
lake keeps, for each key, the first article that had it (`article_lsh_bands`), so a new article
has at most BANDS candidates however many near-identical stories the lake holds.

BANDS x ROWS = 20 x 6 is what datasketch's MinHashLSH picks for 128 permutations, the default
threshold 0.7 and weights (0.1, 0.9): two bodies of Jaccard 0.7 share a band with probability
1 - (1 - 0.7**6)**20 = 0.92, at 0.8 0.996. It is fixed, not derived from the threshold: the keys
are stored, and keys cut another way would never meet them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BANDS = 20
ROWS = 6
_SEED = np.uint64(0x6E6577736C616B65)  # any constant: it only has to stay the same
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _mix(values: np.ndarray) -> np.ndarray:
    """Return splitmix64's finaliser of each uint64 (a bijection that spreads every bit)."""
    values = (values ^ (values >> np.uint64(30))) * _MIX_1
    values = (values ^ (values >> np.uint64(27))) * _MIX_2
    return values ^ (values >> np.uint64(31))


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """Return an (n, BANDS) int64 array: the band keys of each row of an (n, 128) uint32 array."""
    signatures = np.asarray(signatures, dtype=np.uint32).reshape(-1, signatures.shape[-1])
    bands = signatures[:, : BANDS * ROWS].reshape(-1, BANDS, ROWS).astype(np.uint64)
    keys = np.broadcast_to(np.arange(BANDS, dtype=np.uint64) + _SEED, bands.shape[:2]).copy()
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as a hash wants
        keys = _mix(keys)
        for row in range(ROWS):
            keys = _mix(keys ^ bands[:, :, row])
    return keys.view(np.int64)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Return the Jaccard estimate of two signatures: the share of equal values."""
    return float(np.mean(first == second))


def signature_of(minhash: bytes) -> np.ndarray:
    """Return the signature stored in `article_fingerprints.minhash`."""
    return np.frombuffer(minhash, dtype=np.uint32)


def minhash_band_keys(minhashes: Sequence[bytes | None]) -> list[list[int] | None]:
    """Return the band keys of each stored minhash (None for none), as lists of ints."""
    usable = {i: m for i, m in enumerate(minhashes) if m and len(m) >= 4 * BANDS * ROWS}
    out: list[list[int] | None] = [None] * len(minhashes)
    if usable:
        signatures = np.stack([signature_of(m)[: BANDS * ROWS] for m in usable.values()])
        for i, keys in zip(usable, band_keys(signatures).tolist(), strict=True):
            out[i] = keys
    return out
