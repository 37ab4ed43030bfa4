"""Tests for tasks/parse/text.py: plain-text stories, titles and wire datelines."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tasks.parse import replace_entities, split_title, starts_with_dateline
from tasks.sources import TextFilesSource
from tests.tasks.parse.support import FIXTURES, parsed, record, rejected

pytestmark = pytest.mark.unit


def test_bbc_all_parse(bbc_dir: Path) -> None:
    docs = [parsed(r) for r in TextFilesSource("bbc", bbc_dir).read()]
    assert len(docs) == 2225
    for doc in docs:
        first_line = doc.raw.payload.split(b"\n", 1)[0].decode(doc.encoding or "utf-8").strip()
        assert doc.title == replace_entities(first_line)
        assert doc.text and not doc.text.startswith(doc.title)
        assert doc.section == doc.raw.meta["folder"]
        assert doc.published_at is None
        assert "&#" not in doc.text and "&lt;" not in doc.text
    sport_199 = next(d for d in docs if d.raw.locator.endswith("sport/199.txt"))
    assert "£" in sport_199.text
    assert sport_199.encoding == "cp1252"
    assert "\ufffd" not in "".join(d.text for d in docs)


def test_title_split_rules() -> None:
    assert split_title("Headline\n\nBody one.\n\nBody two.") == (
        "Headline",
        "Body one.\n\nBody two.",
    )
    assert split_title("Headline\r\n\r\nBody.") == ("Headline", "Body.")
    assert split_title("One line only") == (None, "One line only")
    assert split_title("Line one\nline two\n\nmore") == (None, "Line one\nline two\n\nmore")
    long_first = "x" * 250 + "\n\nrest"
    assert split_title(long_first) == (None, long_first)
    wire = "WASHINGTON (Reuters) - Short lede.\n\nSecond paragraph."
    assert split_title(wire) == (None, wire)


def test_wire_datelines_are_not_titles() -> None:
    assert starts_with_dateline("(Reuters) - A trader said on Tuesday it would close.")
    assert starts_with_dateline("TAMPA, Fla. (Reuters) - The port will get money.")
    assert starts_with_dateline("QAMISHLI, Syria/ERBIL/ANKARA (Reuters) - A convoy crossed.")
    lede = "WASHINGTON - The U.S. Senate voted 61-38 on Wednesday to advance a relief bill."
    assert starts_with_dateline(lede)
    assert starts_with_dateline(
        "SALVADOR, Feb 26 - Picking of the crop began slowly this year in the state."
    )
    assert not starts_with_dateline("Port wins $1.2 billion federal grant for storm-proof terminal")
    assert not starts_with_dateline("UK - what next")


def test_text_fixtures() -> None:
    story = parsed(record((FIXTURES / "story.txt").read_bytes(), folder="local"))
    assert story.title == "Harbour council approves night ferry trial"
    assert story.text.startswith("OSTERVIK (Reuters) - ")
    assert story.section == "local"
    bare = parsed(record((FIXTURES / "bare_wire.txt").read_bytes(), folder=""))
    assert bare.title is None
    assert bare.text.startswith("(Reuters) - Fictional grain trader")
    assert bare.section is None
    entities = parsed(record((FIXTURES / "entities.txt").read_bytes()))
    assert entities.title == "Café chain lifts prices & cuts hours"
    assert "by £1 <per cup>" in entities.text
    assert "AT&T-style bundles &amp more" in entities.text  # no semicolon: left alone


def test_text_rejections() -> None:
    assert rejected(record(b"")).reason == "empty body"
    assert rejected(record(b" \n\t \n")).reason == "empty body"
    assert rejected(record(random.Random(1).randbytes(2000))).reason == "binary file"
