"""Hand-labelled quotes: load the labelled set, rebuild its story bodies, score extracted quotes.

The labels (`tests/fixtures/labels/quotes.json`) hold spans and ids only, never corpus text: each
story names where its body comes from (an ISOT row, a BBC file, or one of our own invented stories
in the same file), a hash of that body, and per direct quote the character offsets of the quote
and of the speaker mention that attributes it (null when nothing in the text attributes it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.documents.batch import parse_batch
from tasks.documents.normalise import NormaliseContext
from tasks.sources import CsvSource, TextFilesSource

if TYPE_CHECKING:
    from spacy.language import Language

ISOT_FILE = Path("isot-true-sample", "true_sample.csv")
BBC_FOLDER = Path("bbc-news", "bbc")


@dataclass(frozen=True)
class GoldQuote:
    """A labelled quote: its span, its speaker mention's span and the name it stands for."""

    start: int
    end: int
    speaker: tuple[int, int] | None
    referent: tuple[int, int] | None


@dataclass(frozen=True)
class LabelledStory:
    """A story of the labelled set: where its body comes from and its labelled quotes."""

    story_id: str
    corpus: str
    ref: str
    body_sha1: str
    quotes: tuple[GoldQuote, ...]


def body_sha1(body: str) -> str:
    """Return the hash that ties a label to the exact body it was made on."""
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


def load_labels(path: Path) -> tuple[list[LabelledStory], dict[str, str]]:
    """Return the labelled stories of a labels file and the bodies of its invented stories."""
    data = json.loads(path.read_text(encoding="utf-8"))
    invented = {story_id: "".join(parts) for story_id, parts in data["invented"].items()}
    stories = [_story(item) for item in data["stories"]]
    seen: set[str] = set()
    for story in stories:
        if story.story_id in seen:
            raise ValueError(f"story {story.story_id} is labelled twice")
        seen.add(story.story_id)
        if story.corpus == "invented" and story.ref not in invented:
            raise ValueError(f"story {story.story_id}: no invented story {story.ref!r}")
    return stories, invented


def _story(item: dict[str, Any]) -> LabelledStory:
    """Return one labelled story from its JSON form, checking its spans are well formed."""
    quotes = []
    for start, end, speaker, referent in item["quotes"]:
        for span in ([start, end], speaker, referent):
            if span is not None and not 0 <= span[0] < span[1]:
                raise ValueError(f"story {item['id']}: bad span {span}")
        quotes.append(GoldQuote(start, end, _pair(speaker), _pair(referent)))
    if item["corpus"] not in ("isot", "bbc", "invented"):
        raise ValueError(f"story {item['id']}: unknown corpus {item['corpus']!r}")
    return LabelledStory(
        item["id"], item["corpus"], str(item["ref"]), item["sha1"], tuple(sorted(quotes, key=_at))
    )


def _pair(span: list[int] | None) -> tuple[int, int] | None:
    """Return a JSON span as a tuple."""
    return (span[0], span[1]) if span else None


def _at(quote: GoldQuote) -> int:
    """Return a quote's sort key."""
    return quote.start


def _articles(records: list[Any]) -> list[dict[str, Any]]:
    """Return the normalised articles of raw records, as the pipeline stores their bodies."""
    context = NormaliseContext(run_id="labels", ingested_at=datetime.now(UTC))
    return parse_batch(records, context).articles


def story_bodies(
    stories: Iterable[LabelledStory], invented: dict[str, str], corpora: Path
) -> dict[str, str]:
    """Return each story's body as the pipeline normalises it; a changed body raises."""
    wanted = list(stories)
    bodies: dict[str, str] = {}
    isot_rows = {int(s.ref) for s in wanted if s.corpus == "isot"}
    isot: list[dict[str, Any]] = []
    if isot_rows:
        isot = _articles(list(CsvSource("isot", str(corpora / ISOT_FILE)).read()))
    for story in wanted:
        if story.corpus == "invented":
            body = invented[story.ref]  # written by us as a body: nothing to normalise
        elif story.corpus == "isot":
            body = isot[int(story.ref)]["body"]
        else:
            records = list(TextFilesSource("bbc", str(corpora / BBC_FOLDER / story.ref)).read())
            body = _articles(records)[0]["body"]
        if body_sha1(body) != story.body_sha1:
            raise ValueError(f"story {story.story_id}: its body changed since it was labelled")
        bodies[story.story_id] = body
    return bodies


PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you"})


@dataclass
class QuoteScore:
    """Counts behind the quote figures of a set of stories."""

    gold: int = 0
    predicted: int = 0
    exact: int = 0
    overlapping: int = 0
    predicted_exact: int = 0
    predicted_overlapping: int = 0
    speaker_right: int = 0

    def add(self, other: QuoteScore) -> None:
        """Add another score's counts to this one."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float | int | None]:
        """Return recall, precision (exact span and overlap) and speaker accuracy."""
        return {
            "gold_quotes": self.gold,
            "predicted_quotes": self.predicted,
            "recall_exact": _ratio(self.exact, self.gold),
            "recall_overlap": _ratio(self.overlapping, self.gold),
            "precision_exact": _ratio(self.predicted_exact, self.predicted),
            "precision_overlap": _ratio(self.predicted_overlapping, self.predicted),
            "speaker_accuracy_found": _ratio(self.speaker_right, self.overlapping),
            "speaker_accuracy_all": _ratio(self.speaker_right, self.gold),
        }


def _ratio(part: int, whole: int) -> float | None:
    """Return part / whole to four places, None for an empty whole."""
    return round(part / whole, 4) if whole else None


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Return whether two character spans share a character."""
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _last_word(text: str) -> str:
    """Return the last word of a name, lower case, without a possessive."""
    words = [w for w in text.replace("’s", "").replace("'s", "").lower().split() if w[:1].isalnum()]
    return words[-1].strip(".,") if words else ""


def speaker_right(body: str, gold: GoldQuote, row: dict[str, Any]) -> bool:
    """Return whether an extracted quote row names the labelled speaker (or none when none is).

    Right when the row's speaker mention overlaps the labelled one, or when the name it resolves
    to ends in the same word as the labelled name (another mention of the same person).
    """
    if gold.speaker is None:
        return row["speaker_start"] is None
    if row["speaker_start"] is None:
        return False
    spoken = (row["speaker_start"], row["speaker_end"])
    referent = None
    if row.get("speaker_ref_start") is not None:
        referent = (row["speaker_ref_start"], row["speaker_ref_end"])
    if _overlaps(spoken, gold.speaker) or _overlaps(referent, gold.referent or gold.speaker):
        return True
    name = _last_word(body[slice(*(gold.referent or gold.speaker))])
    found = _last_word(body[slice(*(referent or spoken))])
    return bool(name) and name not in PRONOUNS and name == found


def score_story(body: str, gold: Iterable[GoldQuote], rows: list[dict[str, Any]]) -> QuoteScore:
    """Score one story's extracted quote rows against its labelled quotes."""
    labels = list(gold)
    spans = [(r["start_char"], r["end_char"]) for r in rows]
    score = QuoteScore(gold=len(labels), predicted=len(rows))
    for quote in labels:
        span = (quote.start, quote.end)
        matches = [k for k, s in enumerate(spans) if _overlaps(s, span)]
        score.exact += span in spans
        score.overlapping += bool(matches)
        if matches:
            best = spans.index(span) if span in spans else matches[0]
            score.speaker_right += speaker_right(body, quote, rows[best])
    gold_spans = [(q.start, q.end) for q in labels]
    score.predicted_exact = sum(s in gold_spans for s in spans)
    score.predicted_overlapping = sum(any(_overlaps(s, g) for g in gold_spans) for s in spans)
    return score


def score_labelled(
    nlp: Language, stories: list[LabelledStory], bodies: dict[str, str]
) -> dict[str, QuoteScore]:
    """Return the quote score of each corpus of the labelled set and of all of it (`all`)."""
    from tasks.extraction.quotes import extract_quotes

    scores: dict[str, QuoteScore] = {"all": QuoteScore()}
    texts = (bodies[story.story_id] for story in stories)
    for story, doc in zip(stories, nlp.pipe(texts), strict=True):
        body = bodies[story.story_id]
        score = score_story(body, story.quotes, extract_quotes(doc))
        scores.setdefault(story.corpus, QuoteScore()).add(score)
        scores["all"].add(score)
    return scores
