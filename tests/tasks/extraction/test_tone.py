"""Tests for tasks/extraction/tone.py: VADER tone of invented sentences."""

from __future__ import annotations

import pytest

from tasks.extraction.tone import score_tone

pytestmark = pytest.mark.unit

POSITIVE = "The rescue was a wonderful success and families were happy and grateful."
NEGATIVE = "The attack was a horrible disaster that killed and injured many people."


def test_positive_sentences_score_above_zero() -> None:
    assert score_tone([POSITIVE, "Investors welcomed the excellent results."]) > 0


def test_negative_sentences_score_below_zero() -> None:
    assert score_tone([NEGATIVE, "Officials condemned the terrible violence."]) < 0


@pytest.mark.parametrize("sentences", [[], [""], ["   ", "\n"]])
def test_no_text_has_no_tone(sentences: list[str]) -> None:
    assert score_tone(sentences) is None


def test_tone_is_the_mean_over_sentences() -> None:
    positive, negative = score_tone([POSITIVE]), score_tone([NEGATIVE])
    assert positive is not None and negative is not None
    assert positive > 0 > negative
    mixed = score_tone([POSITIVE, NEGATIVE, "  "])  # blank sentences do not count
    assert mixed == pytest.approx((positive + negative) / 2, abs=1e-4)
    assert -1.0 <= mixed <= 1.0
