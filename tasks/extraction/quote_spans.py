"""Quote spans: where the quoted passages of a text open and close (marks only).

Double marks: curly and straight double quotes, guillemets (`« »`), German `„ “`, and the archive
convention of two apostrophes (`''We will rebuild,''`, also opened with two backticks). They are
read as curly marks at the same offsets, so one set of rules pairs them all. Every quote is kept,
scare quotes of one word included. A quote left open closes at the end of its paragraph (a blank
line, a line break after a sentence, or two or more spaces after a sentence in text that lost its
line breaks) or at the next opening mark; when its last sentence is complete and only white space
comes before that next opening mark, the next quote continues it (wire copy reopens a quote in
each paragraph without closing it), and the two are one span. A curly pair inside an open quote
and followed by the outer closing mark is a nested quote.

Single marks (`'…'`, `‘…’`, `‹…›`) are headline-style phrases, found by strict rules only (an
apostrophe in `don't`, `the '90s`, `rock 'n' roll` or `players'` never opens or closes one) and
never inside a double-quoted span.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

_MARKS = re.compile(r'[“”"]')
_CURLY_MARKS = re.compile(r"[“”]")
_SOFT_BREAK = re.compile(r"[.!?:…][ \t\u00a0]{2,}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n|(?<=[.!?:…”\"])[ \t\u00a0]*\n")
_ARCHIVE_MARK = re.compile(r"''|``")
_GUILLEMETS = str.maketrans({"«": "“", "»": "”"})
_LOW_QUOTE_CLOSE = re.compile(r"[“”\n]")
_TERMINAL = ".!?…"
# a single mark opens before a letter, after white space, an opening bracket or a dash
_SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[—–]))(['‘‹])(?=[^\W\d_])")
_SINGLE_CLOSE = {"'": "'", "‘": "’", "‹": "›"}
# elisions that start with an apostrophe (`rock 'n' roll`, `'em`), never a phrase
_ELISIONS = frozenset({"n", "em", "til", "cause", "tis", "twas", "bout", "round", "ere"})
MAX_PHRASE_CHARS = 80
# an open quote holding its own attribution lost its closing mark: the next quote is a new one
_ATTRIBUTION_INSIDE = re.compile(
    r",\s+(?:\w+\s+){0,3}?(?:said|says|told|added|asked)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class QuoteSpan:
    """A quote's marks: `open_mark` and `outer_end` bound it, `start`/`end` bound its text."""

    open_mark: int
    start: int
    end: int
    outer_end: int
    is_closed: bool
    is_single: bool = False


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
    """Return the quoted passages of a text (double marks, then single-marked phrases), in order."""
    doubles = _continued(text, _double_spans(as_curly(text)))
    singles = [
        span
        for span in _single_spans(text)
        if not any(d.open_mark <= span.open_mark < d.outer_end for d in doubles)
    ]
    return sorted(doubles + singles, key=lambda span: span.open_mark)


def as_curly(text: str) -> str:
    """Return the text with every double-mark convention written as curly marks, same offsets.

    `''` and two backticks become a curly mark and a space; `« »` become `“ ”`; `„` opens and
    the `“` that closes it becomes `”`.
    """
    chars = list(text.translate(_GUILLEMETS))
    for match in _ARCHIVE_MARK.finditer(text):
        i = match.start()
        before = text[i - 1] if i else " "
        after = text[i + 2] if i + 2 < len(text) else " "
        if match.group() == "``" or (before.isspace() or before in "([—–") and not after.isspace():
            chars[i : i + 2] = ["“", " "]
        elif not before.isspace() and not after.isalnum():
            chars[i : i + 2] = ["”", " "]
    for i, ch in enumerate(text):
        if ch == "„":
            chars[i] = "“"
            close = _LOW_QUOTE_CLOSE.search(text, i + 1)
            if close is not None and close.group() == "“":
                chars[close.start()] = "”"
    return "".join(chars)


def _continued(text: str, spans: list[QuoteSpan]) -> list[QuoteSpan]:
    """Return the spans with each open quote that the next one continues merged into one span."""
    merged: list[QuoteSpan] = []
    for span in spans:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.is_closed
            and text[previous.end - 1] in _TERMINAL
            and not text[previous.end : span.open_mark].strip()
            and not _ATTRIBUTION_INSIDE.search(text, previous.start, previous.end)
        ):
            merged[-1] = QuoteSpan(
                previous.open_mark, previous.start, span.end, span.outer_end, span.is_closed
            )
        else:
            merged.append(span)
    return merged


def _single_spans(text: str) -> list[QuoteSpan]:
    """Return the single-marked phrases of a text (`'super league'`, `‘Club in crisis’`)."""
    spans = []
    for match in _SINGLE_OPEN.finditer(text):
        i = match.start(1)
        close = _single_close(text, i, _SINGLE_CLOSE[match.group(1)])
        if close is None:
            continue
        phrase = text[i + 1 : close]
        if phrase.lower() in _ELISIONS or len(phrase.strip()) < 2:
            continue
        spans.append(QuoteSpan(i, i + 1, close, close + 1, True, is_single=True))
    return spans


def _single_close(text: str, i: int, mark: str) -> int | None:
    """Return where the single mark opened at i closes in the same sentence, or None."""
    limit = min(len(text), i + MAX_PHRASE_CHARS)
    possessive = None
    j = i + 1
    while (j := text.find(mark, j, limit)) > 0:
        before, after = text[j - 1], text[j + 1 : j + 3]
        if "\n" in text[i:j] or before.isspace():
            break
        if not after[:1].isalnum():
            # `players' union` may be a plural possessive: the phrase ends there only if no
            # other mark ends it
            if not (before == "s" and after[:1] == " " and after[1:2].isalpha()):
                return j
            possessive = j if possessive is None else possessive
        j += 1
    return possessive


def _double_spans(text: str) -> list[QuoteSpan]:
    """Return the double-quoted passages of a text written with curly or straight marks."""
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
