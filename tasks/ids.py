"""Stable ids: one hashing rule for every id the lake stores."""

from __future__ import annotations

import hashlib

SEPARATOR = "\x1f"


def stable_id(*parts: object, size: int = 32) -> str:
    """Return the first `size` hex digits of sha256 over the parts joined by a unit separator."""
    key = SEPARATOR.join(map(str, parts))
    return hashlib.sha256(key.encode()).hexdigest()[:size]


def bytes_id(*parts: bytes, size: int = 32) -> str:
    """Return an id over byte strings, each length-prefixed (payloads may hold any byte)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:size]
