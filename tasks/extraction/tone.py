"""Article tone from the VADER lexicon (offline): the mean compound score of its sentences."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score_tone(sentences: list[str]) -> float | None:
    """Return the mean VADER compound score of the sentences, in [-1, 1]; None when empty."""
    scores = [_analyzer().polarity_scores(s)["compound"] for s in sentences if s.strip()]
    if not scores:
        return None
    return round(sum(scores) / len(scores), 4)
