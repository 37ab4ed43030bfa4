"""The hand-labelled quote set: it loads, its spans fit, recall stays above a floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.quality.quote_labels import (
    GoldQuote,
    body_sha1,
    load_labels,
    score_labelled,
    score_story,
    story_bodies,
)

LABELS = Path(__file__).resolve().parents[2] / "fixtures" / "labels" / "quotes.json"
# measured on the labelled set after the quote conventions landed (bench/quality_quotes.py);
# a change that loses quotes or speakers fails here
RECALL_FLOOR = 0.9
SPEAKER_FLOOR = 0.88


@pytest.mark.unit
def test_labels_load_and_invented_spans_fit_their_bodies() -> None:
    stories, invented = load_labels(LABELS)
    assert len(stories) >= 30
    assert {s.corpus for s in stories} == {"isot", "bbc", "invented"}
    for story in stories:
        if story.corpus != "invented":
            continue
        body = invented[story.ref]
        assert body_sha1(body) == story.body_sha1
        for quote in story.quotes:
            assert body[: quote.start].rstrip()[-1] in "\"“'«„‹‘`" and quote.end <= len(body)
            assert body[quote.start : quote.end] == body[quote.start : quote.end].strip()


@pytest.mark.unit
def test_a_twice_labelled_story_is_refused(tmp_path: Path) -> None:
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    data["stories"].append(data["stories"][0])
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="labelled twice"):
        load_labels(path)


@pytest.mark.unit
def test_score_counts_exact_and_overlapping_spans_and_speakers() -> None:
    body = '"We go," said Anna Berg. "Now."'
    gold = [GoldQuote(1, 7, (13, 22), None), GoldQuote(26, 30, (13, 22), None)]
    rows = [
        {"start_char": 1, "end_char": 7, "speaker_start": 18, "speaker_end": 22},
        {"start_char": 26, "end_char": 29, "speaker_start": None, "speaker_end": None},
    ]
    score = score_story(body, gold, rows).figures()
    assert score["recall_exact"] == 0.5 and score["recall_overlap"] == 1.0
    assert score["speaker_accuracy_found"] == 0.5


@pytest.mark.integration
def test_labelled_set_recall_and_speakers_stay_above_the_floor(nlp, isot_csv: Path) -> None:
    stories, invented = load_labels(LABELS)
    bodies = story_bodies(stories, invented, isot_csv.parents[1])
    figures = score_labelled(nlp, stories, bodies)["all"].figures()
    assert figures["recall_exact"] >= RECALL_FLOOR, figures
    assert figures["speaker_accuracy_found"] >= SPEAKER_FLOOR, figures
