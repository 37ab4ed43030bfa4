"""Which sentence of a Doc a character offset falls in: the one helper every extractor uses."""

from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc


def sentence_starts(doc: Doc) -> list[int]:
    """Return the start character of each sentence, in order; [0] for a doc without sentences."""
    if not (doc.has_annotation("DEP") or doc.has_annotation("SENT_START")):
        return [0]
    return [sent.start_char for sent in doc.sents]


def sentence_index(starts: list[int], offset: int) -> int:
    """Return the index of the sentence holding the character offset (0 before the first)."""
    return max(bisect_right(starts, offset) - 1, 0)
