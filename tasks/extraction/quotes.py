"""Direct quotes and their speakers, read from a parsed spaCy Doc (marks, dependencies, entities).

Marks: curly and straight double quotes; single quotes never open a quote (apostrophes, nested
quotes). Every quote is kept, scare quotes of one word included. A quote left open closes at the
end of its paragraph (a blank line, a line break after a sentence, or two or more spaces after a
sentence in text that lost its line breaks) or at the next opening mark, as wire copy reopens a
quote continued into the next paragraph. A curly pair inside an open quote and followed by the
outer closing mark is a nested quote.

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

`speaker_ref` is the PERSON or ORG mention in the speaker phrase (`White House` in `a White House
statement`), a place or group heading it (`Russia said`), or a proper-noun head the entity
recognizer missed. `he`/`she` resolve to the nearest PERSON mention before them outside quotes
that is a subject or an earlier speaker, else the nearest PERSON mention; other pronouns stay
unresolved.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from spacy.attrs import IDX
from spacy.tokens import Doc, Span, Token

SPEECH_CUES = frozenset(
    """
    say tell add state write ask warn announce insist note explain argue claim declare reply
    respond comment suggest recall acknowledge admit assert answer complain concede conclude
    confirm contend deny emphasize emphasise predict promise pledge vow urge tweet post quote
    remark reiterate repeat testify stress joke observe shout lament boast caution counter retort
    exclaim proclaim wonder speak threaten agree demand plead report read thunder quip yell scream
    tout muse chide concur allege maintain recount reflect reason indicate continue
    """.split()
)
# verbs that frame a quoted phrase as someone's words (`called it "..."`), trusted before a quote
CHARACTERIZE_CUES = frozenset(
    """
    call term describe dub label praise criticize criticise condemn dismiss cite decry hail
    welcome blast slam attack reject defend characterize characterise express accuse thank brand
    """.split()
)
# cues only when nothing hangs from them (`he continued`, not `continued to rise`)
BARE_CUES = frozenset({"continue"})
# their object is the person addressed, never the speaker (`told reporters`)
ADDRESSEE_LEMMAS = frozenset(
    {"tell", "ask", "warn", "urge", "quote", "accuse", "threaten", "thank"}
)
PRONOUNS = frozenset(
    {"he", "she", "him", "her", "they", "them", "it", "we", "us", "i", "me", "you"}
)
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
REF_LABELS = ("PERSON", "ORG", "NORP", "GPE", "FAC")
SENTENCE_END = frozenset({".", "!", "?"})
TERMINAL = ".!?…"
CLIMB_DEPS = frozenset({"xcomp", "advcl", "pcomp", "prep"})
# `X quoted/cited Y as saying`: Y speaks
QUOTING_LEMMAS = frozenset({"quote", "cite"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
NONFINITE_TAGS = frozenset({"VBG", "VB", "VBN", "IN", "TO"})
NOUN_PHRASE_POS = frozenset({"PROPN", "NOUN", "DET", "ADJ", "PRON"})
NP_LEFT_DEPS = frozenset({"compound", "amod", "det", "poss", "nummod", "flat", "case", "nmod"})
NP_RIGHT_DEPS = frozenset({"compound", "flat", "nummod", "cc", "conj"})
# closed quotes this short (names, titles, scare quotes) sit inside the sentence around them
SHORT_QUOTE_WORDS = 2
# after a quote that ends a sentence, a frame this short is still its attribution
SHORT_FRAME_WORDS = 6
MAX_SUBJECT_DISTANCE = 40
MAX_CLIMB = 8

_MARKS = re.compile(r'[“”"]')
_CURLY_MARKS = re.compile(r"[“”]")
_SOFT_BREAK = re.compile(r"[.!?:…][ \t\u00a0]{2,}")
_BOUNDARY_CHARS = re.compile(r"[.!?\n]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n|(?<=[.!?:…”\"])[ \t\u00a0]*\n")


@dataclass(frozen=True)
class QuoteSpan:
    """A quote's marks: `open_mark` and `outer_end` bound it, `start`/`end` bound its text."""

    open_mark: int
    start: int
    end: int
    outer_end: int
    is_closed: bool


@dataclass(frozen=True)
class Speaker:
    """A speaker mention, the named span it resolves to, its cue and how it was found."""

    start: int
    end: int
    ref_start: int | None
    ref_end: int | None
    cue: str | None
    method: str


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


class _QuoteMap:
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


def _words(doc: Doc, start: int, end: int) -> int:
    """Return the number of word tokens in a token range."""
    return sum(1 for t in doc[start:end] if t.is_alpha)


def _cue_of(token: Token, *, characterize: bool = False) -> str | None:
    """Return the cue a token is (`say`, `point out`, `according to`), or None."""
    if token.lower_ == "according":
        nxt = token.i + 1
        return "according to" if nxt < len(token.doc) and token.doc[nxt].lower_ == "to" else None
    if token.pos_ not in ("VERB", "AUX") and not token.tag_.startswith("VB"):
        return None
    if token.dep_ in ("acl", "amod", "compound", "pobj"):
        return None
    if any(c.dep_ == "auxpass" for c in token.children):
        return None
    lemma = token.lemma_.lower()
    if lemma == "point" and any(c.dep_ == "prt" and c.lower_ == "out" for c in token.children):
        return "point out"
    if lemma in BARE_CUES and not _is_bare_cue(token):
        return None
    if lemma in SPEECH_CUES or (characterize and lemma in CHARACTERIZE_CUES):
        return lemma
    return None


def _is_bare_cue(verb: Token) -> bool:
    """Return whether a cue verb takes no clause or object after it (`Putin told reporters`)."""
    if any(c.dep_ in ("aux", "auxpass") for c in verb.children):
        return False
    after = {c.dep_ for c in verb.rights}
    if "dobj" in after and verb.lemma_ not in ADDRESSEE_LEMMAS:
        return False
    return not after & {"ccomp", "xcomp"}


def _subjects(verb: Token) -> list[Token]:
    """Return the parsed subjects of a cue verb, or of the verb a non-finite cue hangs from."""
    v = verb
    for _ in range(5):
        if v.lemma_ in QUOTING_LEMMAS:
            found = [c for c in v.children if c.dep_ in ("dobj", "nsubjpass")]
            if found:
                return sorted(found, key=lambda c: c.dep_ != "dobj")
        subjects = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            if v.dep_ == "relcl":
                subjects = [v.head if s.tag_ in ("WP", "WDT") else s for s in subjects]
            return sorted(subjects, key=lambda s: abs(s.i - verb.i))
        climbs = v.dep_ == "conj" or (v.dep_ in CLIMB_DEPS and v.tag_ in NONFINITE_TAGS)
        if not climbs or v.head is v:
            return []
        v = v.head
    return []


def _no_comma(tokens: Span) -> bool:
    """Return whether no comma separates a head from what follows (`Corp (X.N) Chief X`)."""
    return all(t.text != "," for t in tokens)


def _named_ref(ents: list[Span], left: int, right: int, head: Token) -> Span | None:
    """Return the named entity that stands for a speaker phrase: a PERSON or ORG in it, a
    place or group that heads it (`Russia said`, not `the U.S. embassy`), or a proper-noun head."""
    found = [
        e
        for e in ents
        if e.start < right
        and e.end > left
        and (
            e.label_ in ("PERSON", "ORG") or (e.label_ in REF_LABELS and e.start <= head.i < e.end)
        )
    ]
    for label in REF_LABELS:
        matches = [e for e in found if e.label_ == label]
        if matches:
            return matches[-1]
    if head.pos_ == "PROPN" and not head.ent_type_:
        # a name the entity recognizer missed: the proper nouns ending at the head
        doc = head.doc
        start = head.i
        while start > left and doc[start - 1].pos_ == "PROPN" and not doc[start - 1].ent_type_:
            start -= 1
        return doc[start : head.i + 1]
    return None


def _ref_offsets(ent: Span | None) -> tuple[int | None, int | None]:
    """Return the character offsets of a named entity, without a trailing possessive."""
    if ent is None:
        return None, None
    tokens = [t for t in ent if t.tag_ != "POS"] or list(ent)
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1])


class _Attributor:
    """Finds the speaker of each quote in a doc."""

    def __init__(self, qmap: _QuoteMap) -> None:
        self.qmap = qmap
        self.doc = qmap.doc
        self.persons = [e for e in qmap.ents if e.label_ == "PERSON" and qmap.is_narrative(e.start)]
        # PERSON mentions already found speaking, by first token
        self.speaking: set[int] = set()

    # -- subjects and speaker phrases

    def valid_subject(self, subject: Token | None, cue: Token) -> bool:
        """Return whether a token can be the speaker for a cue: unquoted, in the same sentence."""
        if subject is None or not self.qmap.is_narrative(subject.i):
            return False
        if subject.ent_type_ in ("DATE", "TIME"):
            return False
        return abs(subject.i - cue.i) <= MAX_SUBJECT_DISTANCE and not self.qmap.blocked(
            subject.i, cue.i
        )

    def preverbal_subject(self, cue: Token) -> Token | None:
        """Return the noun right before the cue verb (`USAID said`) when the parse gave none."""
        i = cue.i - 1
        while i >= 0 and self.doc[i].pos_ in ("ADV", "AUX", "PART", "SPACE"):
            i -= 1
        if i < 0 or self.doc[i].pos_ not in ("PROPN", "NOUN", "PRON"):
            return None
        return self.doc[i]

    def noun_phrase_after(self, start: int | None, cue: Token) -> Token | None:
        """Return the head of the noun phrase starting at `start` (`said Kremlin aide Peskov`)."""
        if start is None or (start > cue.i and cue.lemma_ in ADDRESSEE_LEMMAS):
            return None
        doc, barrier = self.doc, self.qmap.barrier
        i = start
        while i < len(doc) and doc[i].pos_ in ("ADV", "PUNCT", "SPACE") and not barrier[i]:
            i += 1
        if i >= len(doc) or i == cue.i or doc[i].pos_ not in NOUN_PHRASE_POS:
            return None
        token = doc[i]
        while (
            token.head is not token
            and i < token.head.i < len(doc)
            and token.head.i != cue.i
            and token.head.pos_ in ("NOUN", "PROPN")
            and token.dep_ in NP_LEFT_DEPS
        ):
            token = token.head
        following = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if following is not None and following.pos_ in ("AUX", "VERB") and token.head.i != cue.i:
            return None  # the subject of a reported clause: `said a deal would follow`
        return token

    def according_to(self, cue: Token) -> Token | None:
        """Return the object of `according to`."""
        to = self.doc[cue.i + 1]
        objects = [c for c in to.children if c.dep_ == "pobj"]
        if objects:
            return objects[0]
        return self.doc[to.i + 1] if to.i + 1 < len(self.doc) else None

    def speaker_range(self, subject: Token) -> tuple[int, int]:
        """Return the token range of the noun phrase headed by the subject, inside its clause."""
        doc, barrier = self.doc, self.qmap.barrier
        lo = subject.i
        while lo > 0 and not barrier[lo - 1] and subject.i - lo < MAX_SUBJECT_DISTANCE:
            lo -= 1
        hi = subject.i
        while hi + 1 < len(doc) and not barrier[hi + 1] and hi - subject.i < MAX_SUBJECT_DISTANCE:
            hi += 1
        left, right = subject.left_edge.i, subject.i
        for ent in self.qmap.ents if subject.ent_iob_ != "O" else ():
            if ent.start <= subject.i < ent.end:
                left, right = min(left, ent.start), max(right, ent.end - 1)
        for child in subject.rights:
            if (
                child.dep_ in NP_RIGHT_DEPS
                or (child.dep_ == "prep" and child.lower_ == "of")
                or (child.dep_ == "appos" and _no_comma(doc[subject.i + 1 : child.left_edge.i]))
            ):
                right = max(right, child.right_edge.i)
        left, right = max(left, lo), min(right, hi)
        while left < right and (doc[left].is_punct or doc[left].is_space or doc[left].dep_ == "cc"):
            left += 1
        while right > left and (
            doc[right].is_punct or doc[right].is_space or doc[right].dep_ in ("case", "cc")
        ):
            right -= 1
        return left, right + 1

    def antecedent(self, pronoun: Token) -> Span | None:
        """Return the PERSON a he/she refers to: the nearest one before it that is a subject or
        a speaker, else the nearest one before it."""
        before = [e for e in self.persons if e.end <= pronoun.i]
        salient = [e for e in before if e.root.dep_ in SUBJECT_DEPS or e.start in self.speaking]
        if salient:
            return salient[-1]
        return before[-1] if before else None

    def make_speaker(self, subject: Token, cue: str | None, method: str) -> Speaker:
        """Return the speaker headed by a subject; he/she resolve to the PERSON just before."""
        if subject.lower_ in PRONOUNS and subject.pos_ == "PRON":
            ref: Span | None = None
            if subject.lower_ in PERSON_PRONOUNS:
                ref = self.antecedent(subject)
            start, end, method = subject.idx, subject.idx + len(subject), "pronoun"
        else:
            left, right = self.speaker_range(subject)
            ref = _named_ref(self.qmap.ents, left, right, subject)
            if ref is not None and ref.label_ == "PERSON":
                self.speaking.add(ref.start)
            start, end = self.doc[left].idx, self.doc[right - 1].idx + len(self.doc[right - 1])
        ref_start, ref_end = _ref_offsets(ref)
        return Speaker(start, end, ref_start, ref_end, cue, method)

    def speaker_for_cue(
        self, cue: Token, cue_text: str, method: str, frame_start: int | None = None
    ) -> Speaker | None:
        """Return the speaker of a cue: its parsed subject, else the noun before or after it."""
        if cue_text == "according to":
            candidates = [self.according_to(cue)]
        else:
            candidates = [
                *_subjects(cue),
                self.preverbal_subject(cue),
                self.noun_phrase_after(cue.i + 1, cue) if cue_text in SPEECH_CUES else None,
                self.noun_phrase_after(frame_start, cue),
            ]
        for subject in candidates:
            if subject is not None and self.valid_subject(subject, cue):
                return self.make_speaker(subject, cue_text, method)
        return None

    # -- where to look

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
                cue_text = _cue_of(self.doc[i], characterize=characterize)
                if cue_text is not None and not (bare_only and not _is_bare_cue(self.doc[i])):
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
            if self.qmap.is_narrative(token.i) and _cue_of(token) is not None:
                subjects = [s for s in _subjects(token) if start <= s.i < token.i]
                return bool(subjects) and _is_bare_cue(token)
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
                cue_text = _cue_of(v, characterize=True)
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
            for subject in _subjects(verb):
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
    attributor = _Attributor(_QuoteMap(doc, spans, text))
    speakers = [attributor.own(k) for k in range(len(spans))]
    for k in range(len(spans)):
        if speakers[k] is None:
            speakers[k] = attributor.preceding(k, speakers)
    for k in range(len(spans) - 1, -1, -1):
        if speakers[k] is None:
            speakers[k] = attributor.following(k, speakers)
    return speakers


def extract_quotes(doc: Doc) -> list[dict[str, Any]]:
    """Return one row per direct quote in the doc, with its speaker when attributed."""
    text = doc.text
    spans = find_quote_spans(text)
    if not spans:
        return []
    speakers = attribute_quotes(doc, spans, text)
    has_sentences = doc.has_annotation("DEP") or doc.has_annotation("SENT_START")
    sentence_starts = [s.start_char for s in doc.sents] if has_sentences else [0]
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
                "sentence_index": max(bisect_right(sentence_starts, span.start) - 1, 0),
            }
        )
    return rows
