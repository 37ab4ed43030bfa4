"""Quote spans: where the double-quoted passages of a text open and close (marks only).

Marks: curly and straight double quotes; single quotes never open a quote (apostrophes, nested
quotes). Every quote is kept, scare quotes of one word included. A quote left open closes at the
end of its paragraph (a blank line, a line break after a sentence, or two or more spaces after a
sentence in text that lost its line breaks) or at the next opening mark, as wire copy reopens a
quote continued into the next paragraph. A curly pair inside an open quote and followed by the
outer closing mark is a nested quote.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

_MARKS = re.compile(r'[“”"]')
_CURLY_MARKS = re.compile(r"[“”]")
_SOFT_BREAK = re.compile(r"[.!?:…][ \t\u00a0]{2,}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n|(?<=[.!?:…”\"])[ \t\u00a0]*\n")


@dataclass(frozen=True)
class QuoteSpan:
    """A quote's marks: `open_mark` and `outer_end` bound it, `start`/`end` bound its text."""

    open_mark: int
    start: int
    end: int
    outer_end: int
    is_closed: bool


def _paragraph_ends(text: str) -> list[int]:
    """Return the offsets where a paragraph break starts."""
    return [m.start() for m in _PARAGRAPH_BREAK.finditer(text)]


def _add_span(
    spans: list[QuoteSpan], text: str, open_mark: int, stop: int, *, closed: bool
) -> None:
    """Append the quote between a mark and `stop`, trimmed of white space, unless it is empty."""
    start, end = open_mark + 1, stop
    if not closed:
        # text that lost its line breaks keeps them as runs of spaces after a sentence
        soft_break = _SOFT_BREAK.search(text, start, end)
        end = soft_break.start() + 1 if soft_break else end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if any(ch.isalnum() for ch in text[start:end]):
        outer_end = stop + 1 if closed else end
        spans.append(QuoteSpan(open_mark, start, end, outer_end, closed))


def _nested_close(text: str, at: int, limit: int) -> int | None:
    """Return the end of a curly pair opened at `at` when an outer closing mark follows it."""
    inner_close = text.find("”", at + 1, limit)
    if inner_close < 0 or "“" in text[at + 1 : inner_close]:
        return None
    following = _CURLY_MARKS.search(text, inner_close + 1, limit)
    if following is not None and following.group() == "”":
        return inner_close + 1
    return None


def _opens_with_closing_mark(text: str, i: int) -> bool:
    """Return whether a stray closing curly mark is used as an opening one (`”He said`)."""
    next_ok = i + 1 < len(text) and text[i + 1].isalnum()
    prev_ok = i == 0 or text[i - 1].isspace() or text[i - 1] == "”"
    return next_ok and prev_ok


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Return the double-quoted passages of a text, in order."""
    breaks = _paragraph_ends(text) + [len(text)]
    marks = [m.start() for m in _MARKS.finditer(text)]
    spans: list[QuoteSpan] = []
    open_mark: int | None = None
    straight = False
    paragraph_end = len(text)
    j = 0
    while j < len(marks):
        i, j = marks[j], j + 1
        ch = text[i]
        if open_mark is not None and i >= paragraph_end:
            _add_span(spans, text, open_mark, paragraph_end, closed=False)
            open_mark = None
        if open_mark is None:
            if ch == "“" or (ch == "”" and _opens_with_closing_mark(text, i)):
                open_mark, straight = i, False
            elif ch == '"' and i + 1 < len(text) and not text[i + 1].isspace():
                open_mark, straight = i, True
            paragraph_end = breaks[bisect_left(breaks, i)]
        elif straight or ch == "”":
            if straight == (ch == '"'):
                _add_span(spans, text, open_mark, i, closed=True)
                open_mark = None
        elif ch == "“":
            nested_end = _nested_close(text, i, paragraph_end)
            if nested_end is not None:
                while j < len(marks) and marks[j] < nested_end:
                    j += 1
                continue
            _add_span(spans, text, open_mark, i, closed=False)
            open_mark = i
    if open_mark is not None:
        _add_span(spans, text, open_mark, paragraph_end, closed=False)
    return spans
