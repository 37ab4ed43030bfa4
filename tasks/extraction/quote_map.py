"""A token-level view of a Doc's quotes: which tokens are quoted, where sentences stop."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.attrs import IDX
from spacy.tokens import Doc, Token

from tasks.extraction.quote_spans import QuoteSpan

SENTENCE_END = frozenset({".", "!", "?"})
TERMINAL = ".!?…"
# closed quotes this short (names, titles, scare quotes) sit inside the sentence around them
SHORT_QUOTE_WORDS = 2

_BOUNDARY_CHARS = re.compile(r"[.!?\n]")


class QuoteMap:
    """Token-level view of a doc's quotes: which tokens are quoted, where sentences stop."""

    def __init__(self, doc: Doc, spans: list[QuoteSpan], text: str) -> None:
        self.doc = doc
        self.text = text  # Doc.text is rebuilt from the tokens on every access
        self.ents = list(doc.ents)
        self.spans = spans
        token_starts = doc.to_array(IDX).tolist()
        self.inside = [-1] * len(doc)
        self.first_token: list[int] = []
        self.after_token: list[int] = []
        for k, span in enumerate(spans):
            first = bisect_left(token_starts, span.open_mark)
            after = max(bisect_left(token_starts, span.outer_end), first + 1)
            for i in range(first, after):
                self.inside[i] = k
            self.first_token.append(first)
            self.after_token.append(after)
        self.breaking = [_is_breaking(text, span) for span in spans]
        self.boundary = [False] * len(doc)
        for match in _BOUNDARY_CHARS.finditer(text):
            i = bisect_right(token_starts, match.start()) - 1
            if i >= 0 and self.inside[i] == -1 and _is_boundary(doc[i]):
                self.boundary[i] = True
        for k, span in enumerate(spans):
            if not self.breaking[k] and text[span.end - 1] in TERMINAL:
                self.boundary[self.after_token[k] - 1] = True
        self.barrier = [
            self.boundary[i] or (self.inside[i] != -1 and self.breaking[self.inside[i]])
            for i in range(len(doc))
        ]

    def leading_region(self, k: int) -> tuple[int, int]:
        """Return the tokens between the previous breaking quote (or the start) and quote k."""
        previous = [j for j in range(k - 1, -1, -1) if self.breaking[j]]
        start = self.after_token[previous[0]] if previous else 0
        return min(start, self.first_token[k]), self.first_token[k]

    def trailing_region(self, k: int) -> tuple[int, int]:
        """Return the tokens between quote k and the next breaking quote (or the end)."""
        following = [j for j in range(k + 1, len(self.spans)) if self.breaking[j]]
        end = self.first_token[following[0]] if following else len(self.doc)
        return self.after_token[k], max(end, self.after_token[k])

    def is_narrative(self, i: int) -> bool:
        """Return whether token i is outside every quote."""
        return self.inside[i] == -1

    def ends_sentence(self, a: int, b: int) -> bool:
        """Return whether a sentence ends between tokens a and b."""
        return any(self.boundary[min(a, b) : max(a, b)])

    def blocked(self, a: int, b: int) -> bool:
        """Return whether a sentence end or a breaking quote lies between tokens a and b."""
        lo, hi = min(a, b), max(a, b)
        return any(self.barrier[lo:hi])


def _is_breaking(text: str, span: QuoteSpan) -> bool:
    """Return whether a quote cuts the narrative around it into separate frames.

    Short quotes (names, titles, scare quotes) and quotes opening right after a word
    (`called it "..."`) sit inside the sentence around them.
    """
    if not span.is_closed:
        return True
    if len(text[span.start : span.end].split()) <= SHORT_QUOTE_WORDS:
        return False
    before = text[: span.open_mark].rstrip()
    return not (before and (before[-1].isalnum() or before[-1] in "’'"))


def _is_boundary(token: Token) -> bool:
    """Return whether a token ends a sentence or a paragraph."""
    if token.text in SENTENCE_END:
        return token.pos_ == "PUNCT"  # not the period of a split abbreviation (`No .`)
    return token.is_space and "\n" in token.text
