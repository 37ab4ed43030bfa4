"""Quote attribution: which cue, in which sentence, gives each quote its speaker.

Attribution, first that applies (`method` is `pronoun` whenever the speaker is a pronoun):
- `same_sentence`: a cue verb in the sentence around the quote: after it (`"...," Peskov said.`,
  `"...," said Peskov.`, and after `?`/`!`/`.` only a bare `X asked.`), before it (`Peskov said:`,
  `Peskov said "..."`, framing verbs such as `called it "..."`), the main verb before a colon, or a
  cue the quote hangs from in the parse. The speaker is the verb's subject (climbing from
  `adding`/`saying` to the governing verb; `X quoted Y as saying` gives Y), else the noun phrase
  next to the verb, or the object of `according to`.
- `preceding_sentence`: a quote that opens a sentence takes the cue of the sentence before it, or
  the speaker of a quote right before it (nothing but white space between).
- `following_sentence`: a quote still without speaker takes the speaker of a quote right after it.
"""

from __future__ import annotations

from spacy.tokens import Doc

from tasks.extraction.quote_cues import cue_of, cue_subjects, is_bare_cue
from tasks.extraction.quote_map import TERMINAL, QuoteMap
from tasks.extraction.quote_spans import QuoteSpan
from tasks.extraction.speakers import Speaker, SpeakerFinder

# after a quote that ends a sentence, a frame this short is still its attribution
SHORT_FRAME_WORDS = 6
MAX_CLIMB = 8


def _words(doc: Doc, start: int, end: int) -> int:
    """Return the number of word tokens in a token range."""
    return sum(1 for t in doc[start:end] if t.is_alpha)


class _Attributor(SpeakerFinder):
    """Finds the speaker of each quote in a doc: where to look, in three passes."""

    def from_range(
        self,
        start: int,
        end: int,
        method: str,
        *,
        backward: bool,
        characterize: bool = False,
        prefer_root: bool = False,
        after_quote: bool = False,
        bare_only: bool = False,
    ) -> Speaker | None:
        """Return the speaker of the cue nearest the quote in a token range."""
        indices = range(end - 1, start - 1, -1) if backward else range(start, end)
        cues = []
        for i in indices:
            if self.qmap.is_narrative(i):
                cue_text = cue_of(self.doc[i], characterize=characterize)
                if cue_text is not None and not (bare_only and not is_bare_cue(self.doc[i])):
                    cues.append((self.doc[i], cue_text))
        if prefer_root:
            cues.sort(key=lambda c: c[0].dep_ != "ROOT")
        frame_start = start if after_quote else None
        for cue, cue_text in cues:
            speaker = self.speaker_for_cue(cue, cue_text, method, frame_start)
            if speaker is not None:
                return speaker
        return None

    def leading_frame(self, k: int) -> tuple[int, int, int]:
        """Return (start of the sentence before, start, end) of the text leading to quote k."""
        start, end = self.qmap.leading_region(k)
        cuts: list[int] = []
        words = 0
        for i in range(start, end):
            if self.qmap.boundary[i]:
                if cuts and not words:
                    cuts[-1] = i  # `study.\n\n` ends one sentence, not two
                else:
                    cuts.append(i)
                words = 0
            elif self.doc[i].is_alpha:
                words += 1
        if not cuts:
            return start, start, end
        previous_start = cuts[-2] + 1 if len(cuts) > 1 else start
        return previous_start, cuts[-1] + 1, end

    def trailing_frame(self, k: int) -> tuple[int, int]:
        """Return the tokens after quote k up to the end of its sentence."""
        start, end = self.qmap.trailing_region(k)
        for i in range(start, end):
            if self.qmap.boundary[i]:
                return start, i + 1
        return start, end

    def trailing_allowed(self, k: int, start: int, end: int) -> bool:
        """Return whether the text after quote k can attribute it (`"...?" Putin asked.`)."""
        span = self.qmap.spans[k]
        if not span.is_closed:
            return False
        if self.qmap.text[span.end - 1] not in TERMINAL:
            return True
        words = [t for t in self.doc[start:end] if t.is_alpha]
        if not words:
            return False
        if words[0].is_lower or len(words) <= SHORT_FRAME_WORDS:
            return True
        # a new sentence may follow: only `Name, title, said/asked ...` still attributes
        for token in self.doc[start:end]:
            if self.qmap.is_narrative(token.i) and cue_of(token) is not None:
                subjects = [s for s in cue_subjects(token) if start <= s.i < token.i]
                return bool(subjects) and is_bare_cue(token)
        return False

    def governing_cue(self, k: int) -> Speaker | None:
        """Return the speaker of a cue verb the quote hangs from in the parse."""
        qmap = self.qmap
        tokens = self.doc[qmap.first_token[k] : qmap.after_token[k]]
        heads = [t.head for t in tokens if qmap.inside[t.head.i] != k]
        if not heads:
            return None
        v = heads[0]
        first, after = qmap.first_token[k], qmap.after_token[k]
        for _ in range(MAX_CLIMB):
            if qmap.ends_sentence(v.i, first) if v.i < first else qmap.ends_sentence(after, v.i):
                return None
            if qmap.is_narrative(v.i):
                cue_text = cue_of(v, characterize=True)
                if cue_text is not None:
                    speaker = self.speaker_for_cue(v, cue_text, "same_sentence")
                    if speaker is not None:
                        return speaker
            if v.head is v:
                return None
            v = v.head
        return None

    def colon_verb(self, start: int, end: int) -> Speaker | None:
        """Return the subject of the main verb before a colon that introduces the quote."""
        marks = [t for t in self.doc[start:end] if not t.is_space]
        if not marks or marks[-1].text != ":":
            return None
        verbs = [t for t in marks if t.pos_ == "VERB" and self.qmap.is_narrative(t.i)]
        verbs.sort(key=lambda t: (t.dep_ != "ROOT", -t.i))
        for verb in verbs[:1]:
            for subject in cue_subjects(verb):
                if self.valid_subject(subject, verb):
                    return self.make_speaker(subject, verb.lemma_.lower(), "same_sentence")
        return None

    # -- the three passes

    def own(self, k: int) -> Speaker | None:
        """Return the speaker named in the sentence the quote sits in."""
        _, lead_start, lead_end = self.leading_frame(k)
        trail_start, trail_end = self.trailing_frame(k)
        span = self.qmap.spans[k]
        text = self.qmap.text
        after = text[span.outer_end : span.outer_end + 2].lstrip()[:1]
        inner_comma = text[span.end - 1] in ",—–-"
        trail_first = (inner_comma or after == ",") and span.is_closed
        if trail_first:
            speaker = self.from_range(
                trail_start,
                trail_end,
                "same_sentence",
                backward=False,
                after_quote=True,
                bare_only=not inner_comma,  # `"...", he said`, not `"...", saying that ...`
            )
            if speaker is not None:
                return speaker
        speaker = self.colon_verb(lead_start, lead_end) or self.from_range(
            lead_start, lead_end, "same_sentence", backward=True, characterize=True
        )
        if speaker is not None:
            return speaker
        if not trail_first and self.trailing_allowed(k, trail_start, trail_end):
            speaker = self.from_range(trail_start, trail_end, "same_sentence", backward=False)
            if speaker is not None:
                return speaker
        return self.governing_cue(k)

    def preceding(self, k: int, speakers: list[Speaker | None]) -> Speaker | None:
        """Return the speaker of the sentence, or the adjacent quote, just before quote k."""
        previous_start, lead_start, lead_end = self.leading_frame(k)
        marks = [t.text for t in self.doc[lead_start:lead_end] if not t.is_space]
        if _words(self.doc, lead_start, lead_end) and marks[-1:] != [":"]:
            return None
        if previous_start < lead_start:
            speaker = self.from_range(
                previous_start, lead_start, "preceding_sentence", backward=False, prefer_root=True
            )
            if speaker is not None:
                return speaker
        if k > 0 and _words(self.doc, self.qmap.after_token[k - 1], lead_end) == 0:
            return _inherit(speakers[k - 1], "preceding_sentence")
        return None

    def following(self, k: int, speakers: list[Speaker | None]) -> Speaker | None:
        """Return the speaker of a quote right after quote k (nothing but marks between)."""
        if k + 1 >= len(self.qmap.spans):
            return None
        between = self.doc[self.qmap.after_token[k] : self.qmap.first_token[k + 1]]
        if any(not (t.is_space or t.is_punct) for t in between):
            return None
        return _inherit(speakers[k + 1], "following_sentence")


def _inherit(speaker: Speaker | None, method: str) -> Speaker | None:
    """Return another quote's speaker under a new method (a pronoun stays `pronoun`)."""
    if speaker is None:
        return None
    kept = speaker.method if speaker.method == "pronoun" else method
    return Speaker(
        speaker.start, speaker.end, speaker.ref_start, speaker.ref_end, speaker.cue, kept
    )


def attribute_quotes(doc: Doc, spans: list[QuoteSpan], text: str) -> list[Speaker | None]:
    """Return the speaker of each quote span of the doc's text (None when unattributed)."""
    attributor = _Attributor(QuoteMap(doc, spans, text))
    speakers = [attributor.own(k) for k in range(len(spans))]
    for k in range(len(spans)):
        if speakers[k] is None:
            speakers[k] = attributor.preceding(k, speakers)
    for k in range(len(spans) - 1, -1, -1):
        if speakers[k] is None:
            speakers[k] = attributor.following(k, speakers)
    return speakers
