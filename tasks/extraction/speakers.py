"""Speaker phrases: the noun phrase that speaks for a cue, and the named mention it stands for.

`speaker_ref` is the PERSON or ORG mention in the speaker phrase (`White House` in `a White House
statement`), a place or group heading it (`Russia said`), or a proper-noun head the entity
recognizer missed. `he`/`she` resolve to the nearest PERSON mention before them outside quotes
that is a subject or an earlier speaker, else the nearest PERSON mention; other pronouns stay
unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from tasks.extraction.quote_cues import ADDRESSEE_LEMMAS, SPEECH_CUES, cue_subjects
from tasks.extraction.quote_map import QuoteMap

PRONOUNS = frozenset(
    {"he", "she", "him", "her", "they", "them", "it", "we", "us", "i", "me", "you"}
)
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
REF_LABELS = ("PERSON", "ORG", "NORP", "GPE", "FAC")
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
NOUN_PHRASE_POS = frozenset({"PROPN", "NOUN", "DET", "ADJ", "PRON"})
NP_LEFT_DEPS = frozenset({"compound", "amod", "det", "poss", "nummod", "flat", "case", "nmod"})
NP_RIGHT_DEPS = frozenset({"compound", "flat", "nummod", "cc", "conj"})
MAX_SUBJECT_DISTANCE = 40


@dataclass(frozen=True)
class Speaker:
    """A speaker mention, the named span it resolves to, its cue and how it was found."""

    start: int
    end: int
    ref_start: int | None
    ref_end: int | None
    cue: str | None
    method: str


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


class SpeakerFinder:
    """Finds the speaker phrase of a cue in a doc, resolving he/she to a PERSON mention."""

    def __init__(self, qmap: QuoteMap) -> None:
        self.qmap = qmap
        self.doc = qmap.doc
        self.persons = [e for e in qmap.ents if e.label_ == "PERSON" and qmap.is_narrative(e.start)]
        # PERSON mentions already found speaking, by first token
        self.speaking: set[int] = set()

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
                *cue_subjects(cue),
                self.preverbal_subject(cue),
                self.noun_phrase_after(cue.i + 1, cue) if cue_text in SPEECH_CUES else None,
                self.noun_phrase_after(frame_start, cue),
            ]
        for subject in candidates:
            if subject is not None and self.valid_subject(subject, cue):
                return self.make_speaker(subject, cue_text, method)
        return None
