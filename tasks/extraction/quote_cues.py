"""Speech cues: the verbs that introduce or frame a quote, and the subjects they take."""

from __future__ import annotations

from spacy.tokens import Token

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
CLIMB_DEPS = frozenset({"xcomp", "advcl", "pcomp", "prep"})
# `X quoted/cited Y as saying`: Y speaks
QUOTING_LEMMAS = frozenset({"quote", "cite"})
NONFINITE_TAGS = frozenset({"VBG", "VB", "VBN", "IN", "TO"})


def cue_of(token: Token, *, characterize: bool = False) -> str | None:
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
    if lemma in BARE_CUES and not is_bare_cue(token):
        return None
    if lemma in SPEECH_CUES or (characterize and lemma in CHARACTERIZE_CUES):
        return lemma
    return None


def is_bare_cue(verb: Token) -> bool:
    """Return whether a cue verb takes no clause or object after it (`Putin told reporters`)."""
    if any(c.dep_ in ("aux", "auxpass") for c in verb.children):
        return False
    after = {c.dep_ for c in verb.rights}
    if "dobj" in after and verb.lemma_ not in ADDRESSEE_LEMMAS:
        return False
    return not after & {"ccomp", "xcomp"}


def cue_subjects(verb: Token) -> list[Token]:
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
