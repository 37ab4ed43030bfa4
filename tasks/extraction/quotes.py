"""Direct quotes and their speakers, read from a parsed spaCy Doc (marks, dependencies, entities).

Quote spans are found in `quote_spans`, their speakers in `attribution` (cues in `quote_cues`,
speaker phrases in `speakers`); this module turns both into the rows of the `quotes` table.

`kind` says what a row is: `direct` (a quote standing as its own sentence or clause), `partial`
(a quote inside a sentence, opened right after a word: `said the conduct "should be looked at"`)
or `phrase` (a single-marked headline-style phrase: `'super league'`; never given a speaker).
A quote split around its attribution (`"A," she said. "B."`) is two rows: the second names the
first in `continues_index` (the row index of the part it continues; `tables` turns it into
`continues_quote_id`), and both carry the same speaker.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from tasks.extraction.attribution import attribute_quotes
from tasks.extraction.quote_spans import QuoteSpan, find_quote_spans
from tasks.extraction.sentences import sentence_index, sentence_starts
from tasks.extraction.speakers import Speaker

__all__ = ["extract_quotes", "find_quote_spans", "quote_kind"]

# the attribution between the two parts of a split quote is this short (`said Omar Haddad, a
# local farmer,`)
MAX_SPLIT_WORDS = 12


def quote_kind(text: str, span: QuoteSpan) -> str:
    """Return `phrase`, `partial` or `direct` for a quote span of a text."""
    if span.is_single:
        return "phrase"
    before = text[: span.open_mark].rstrip()
    if span.is_closed and before and (before[-1].isalnum() or before[-1] in "’'"):
        return "partial"
    return "direct"


def _continues(
    text: str, first: QuoteSpan, second: QuoteSpan, speakers: tuple[Speaker | None, ...]
) -> bool:
    """Return whether `second` continues `first` across their attribution (`"A," she said.`)."""
    first_speaker, second_speaker = speakers
    if first.is_single or second.is_single or not first.is_closed:
        return False
    if first_speaker is None or second_speaker is None:
        return False
    if first_speaker.start != second_speaker.start:
        return False
    between = text[first.outer_end : second.open_mark]
    inside = first.outer_end <= first_speaker.start and first_speaker.end <= second.open_mark
    return (
        text[first.end - 1] in ",—–-"
        and inside
        and len(between.split()) <= MAX_SPLIT_WORDS
        and "\n\n" not in between
    )


def extract_quotes(doc: Doc) -> list[dict[str, Any]]:
    """Return one row per quote in the doc, with its speaker when attributed."""
    text = doc.text
    spans = find_quote_spans(text)
    if not spans:
        return []
    doubles = [k for k, span in enumerate(spans) if not span.is_single]
    speakers: list[Speaker | None] = [None] * len(spans)
    found = attribute_quotes(doc, [spans[k] for k in doubles], text)
    for k, speaker in zip(doubles, found, strict=True):
        speakers[k] = speaker
    starts = sentence_starts(doc)
    rows = []
    for k, (span, speaker) in enumerate(zip(spans, speakers, strict=True)):
        previous = k - 1
        linked = previous >= 0 and _continues(
            text, spans[previous], span, (speakers[previous], speaker)
        )
        rows.append(
            {
                "quote_text": text[span.start : span.end],
                "start_char": span.start,
                "end_char": span.end,
                "speaker_text": text[speaker.start : speaker.end] if speaker else None,
                "speaker_start": speaker.start if speaker else None,
                "speaker_end": speaker.end if speaker else None,
                "speaker_ref_start": speaker.ref_start if speaker else None,
                "speaker_ref_end": speaker.ref_end if speaker else None,
                "cue": speaker.cue if speaker else None,
                "attribution_method": speaker.method if speaker else "none",
                "sentence_index": sentence_index(starts, span.start),
                "kind": quote_kind(text, span),
                "continues_index": previous if linked else None,
            }
        )
    return rows


def link_quote_parts(rows: list[dict[str, Any]]) -> None:
    """Turn each row's `continues_index` into `continues_quote_id` once rows have their ids."""
    for row in rows:
        index = row.pop("continues_index", None)
        row["continues_quote_id"] = rows[index]["quote_id"] if index is not None else None
