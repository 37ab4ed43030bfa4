from __future__ import annotations

import numpy as np
import pytest

from tasks.documents.dedupe import NUM_PERM, minhash_values
from tasks.documents.lsh import BANDS, ROWS, band_keys, minhash_band_keys
from tests.tasks.documents.stories import BASE, OTHER

pytestmark = pytest.mark.unit


def test_bands_use_the_signature_and_fit_in_it() -> None:
    assert BANDS * ROWS <= NUM_PERM


def test_equal_bands_give_equal_keys_and_other_bands_other_keys() -> None:
    first = minhash_values(BASE)
    assert first is not None
    second = first.copy()
    second[:ROWS] += 1  # band 0 differs, the others do not
    keys = band_keys(np.stack([first, second]))
    assert keys.shape == (2, BANDS) and keys.dtype == np.int64
    assert keys[0, 0] != keys[1, 0]
    assert (keys[0, 1:] == keys[1, 1:]).all()
    # a band's number is part of its key: equal values in two bands give two keys
    same = np.zeros((1, NUM_PERM), np.uint32)
    assert len(set(band_keys(same)[0].tolist())) == BANDS


def test_keys_are_the_same_from_a_stored_minhash() -> None:
    signature = minhash_values(OTHER)
    assert signature is not None
    stored = minhash_band_keys([signature.tobytes(), None, b"short"])
    assert stored == [band_keys(signature[np.newaxis])[0].tolist(), None, None]


def test_keys_do_not_change_between_versions() -> None:
    # stored lakes hold these keys: a change of the hashing would orphan every one of them
    signature = np.arange(NUM_PERM, dtype=np.uint32) * np.uint32(2654435761)
    assert band_keys(signature[np.newaxis])[0, :2].tolist() == KNOWN_KEYS


KNOWN_KEYS = [-6557268146390594317, -3858907086058210292]
