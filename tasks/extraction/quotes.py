"""Direct quotes and their speakers, read from a parsed spaCy Doc (marks, dependencies, entities).

Quote spans are found in `quote_spans`, their speakers in `attribution` (cues in `quote_cues`,
speaker phrases in `speakers`); this module turns both into the rows of the `quotes` table.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from tasks.extraction.attribution import attribute_quotes
from tasks.extraction.quote_spans import find_quote_spans
from tasks.extraction.sentences import sentence_index, sentence_starts

__all__ = ["extract_quotes", "find_quote_spans"]


def extract_quotes(doc: Doc) -> list[dict[str, Any]]:
    """Return one row per direct quote in the doc, with its speaker when attributed."""
    text = doc.text
    spans = find_quote_spans(text)
    if not spans:
        return []
    speakers = attribute_quotes(doc, spans, text)
    starts = sentence_starts(doc)
    rows = []
    for span, speaker in zip(spans, speakers, strict=True):
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
            }
        )
    return rows
