"""Tests for tasks/documents/dateline.py: invented wire-style strings, then the real ISOT sample."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pytest

from tasks.documents.dateline import WINDOW, Dateline, Place, parse_dateline

pytestmark = pytest.mark.unit

REUTERS_RX = re.compile(r"\(Reuters\)\s*[-–—]")
BODY = "Officials met on Tuesday to discuss the plan for the coming year."


def test_multi_city_dateline() -> None:
    text = f"WASHINGTON/MOSCOW (Reuters) - {BODY}"
    assert parse_dateline(text) == Dateline(
        raw="WASHINGTON/MOSCOW (Reuters) -",
        places=(Place("Washington", None), Place("Moscow", None)),
        agency="Reuters",
        author=None,
        month_day=None,
        preamble=None,
        body_start=text.index(BODY),
    )


@pytest.mark.parametrize(
    ("head", "places"),
    [
        ("TAMPA, Fla.", (Place("Tampa", "Fla."),)),
        (
            "AL-BAB, Syria/BEIRUT/ANKARA",
            (Place("Al-Bab", "Syria"), Place("Beirut", None), Place("Ankara", None)),
        ),
        ("NEW YORK", (Place("New York", None),)),
        ("ST. PETERSBURG", (Place("St. Petersburg", None),)),
        ("SAN JUAN, Puerto Rico", (Place("San Juan", "Puerto Rico"),)),
        ("UNITED NATIONS/WASHINGTON", (Place("United Nations", None), Place("Washington", None))),
        ("KANSAS CITY, Mo./PEORIA, Ill.", (Place("Kansas City", "Mo."), Place("Peoria", "Ill."))),
        ("GOMA, Democratic Republic of Congo", (Place("Goma", "Democratic Republic of Congo"),)),
        ("DAR ES SALAAM", (Place("Dar es Salaam", None),)),
        ("PORT-AU-PRINCE", (Place("Port-au-Prince", None),)),
        ("ERBIL Iraq", (Place("Erbil", "Iraq"),)),
        ("DHAKA, ", (Place("Dhaka", None),)),
        ("Aden", (Place("Aden", None),)),
    ],
)
def test_places_before_agency(head: str, places: tuple[Place, ...]) -> None:
    dateline = parse_dateline(f"{head} (Reuters) - {BODY}")
    assert dateline.places == places
    assert dateline.agency == "Reuters"
    assert dateline.raw == f"{head} (Reuters) -"


def test_bare_agency() -> None:
    text = f"(Reuters) - {BODY}"
    dateline = parse_dateline(text)
    assert (dateline.raw, dateline.places, dateline.agency) == ("(Reuters) -", (), "Reuters")
    assert text[dateline.body_start :] == BODY


def test_place_and_dash_without_agency() -> None:
    dateline = parse_dateline(f"WASHINGTON - {BODY}")
    assert (dateline.raw, dateline.places, dateline.agency) == (
        "WASHINGTON -",
        (Place("Washington", None),),
        None,
    )


@pytest.mark.parametrize(
    ("text", "month_day"),
    [
        (f"SALVADOR, Feb 26 - {BODY}", (2, 26)),
        (f"NEW YORK, March 2 - {BODY}", (3, 2)),
        (f"LONDON, Sept. 14 (Reuters) - {BODY}", (9, 14)),
    ],
)
def test_1987_wire_form(text: str, month_day: tuple[int, int]) -> None:
    dateline = parse_dateline(text)
    assert dateline.month_day == month_day
    assert len(dateline.places) == 1
    assert text[dateline.body_start :] == BODY


@pytest.mark.parametrize("dash", ["-", "–", "—", "--"])
def test_dashes(dash: str) -> None:
    text = f"BERLIN (Reuters) {dash} {BODY}"
    dateline = parse_dateline(text)
    assert dateline.raw == f"BERLIN (Reuters) {dash}"
    assert text[dateline.body_start :] == BODY


def test_leading_and_no_break_spaces() -> None:
    text = "  \u00a0NEW\u00a0YORK (Reuters) -\u00a0" + BODY
    dateline = parse_dateline(text)
    assert dateline.raw == "NEW\u00a0YORK (Reuters) -"
    assert dateline.places == (Place("New York", None),)
    assert dateline.preamble is None
    assert text[dateline.body_start :] == BODY


@pytest.mark.parametrize(
    "note",
    [
        "(This version of the story corrects the name in paragraph 3)",
        "((In an earlier item, fixes a spelling in paragraph 2))",
        "(Corrects date in headline (May 4), adds detail)",
    ],
)
def test_correction_note_preamble(note: str) -> None:
    text = f" {note} WASHINGTON (Reuters) - {BODY}"
    dateline = parse_dateline(text)
    assert dateline.preamble == note
    assert dateline.places == (Place("Washington", None),)
    assert dateline.author is None
    assert text[dateline.body_start :] == BODY


def test_byline_preamble() -> None:
    text = f"By Jane Doe  ISLAMABAD (Reuters) - {BODY}"
    dateline = parse_dateline(text)
    assert (dateline.author, dateline.preamble) == ("Jane Doe", "By Jane Doe")
    assert dateline.places == (Place("Islamabad", None),)
    assert text[dateline.body_start :] == BODY


def test_correction_note_then_byline() -> None:
    note = "(This version of the story fixes a typo throughout)"
    dateline = parse_dateline(f"{note} By Mary-Ann O'Neil and Li Wei SEOUL (Reuters) - {BODY}")
    assert dateline.author == "Mary-Ann O'Neil and Li Wei"
    assert dateline.preamble == f"{note} By Mary-Ann O'Neil and Li Wei"
    assert dateline.places == (Place("Seoul", None),)


@pytest.mark.parametrize(
    "agency",
    ["AP", "AFP", "Bloomberg", "UPI", "dpa", "Xinhua", "Reuters Breakingviews", "CNN"],
)
def test_other_agencies(agency: str) -> None:
    dateline = parse_dateline(f"PARIS ({agency}) — {BODY}")
    assert dateline.agency == agency
    assert dateline.places == (Place("Paris", None),)


def test_caption_lines_before_dateline() -> None:
    caption = "A man walks past a bank in the city centre, March 3.\n\nMore pictures below."
    text = f"{caption}\n\nMUMBAI (Reuters) - {BODY}"
    dateline = parse_dateline(text)
    assert dateline.preamble == caption
    assert dateline.places == (Place("Mumbai", None),)
    assert text[dateline.body_start :] == BODY


@pytest.mark.parametrize(
    "text",
    [
        "The following statements were posted to the verified accounts of a senator. - Hello",
        "Shares in a mid-sized brewer rose 4% on Monday after a bid (Reuters) - report.",
        "A singer posted a video on Friday (June 2) of herself at a hotel - it went viral.",
        "Officials said (Reuters) - nothing more.",
        "By now the tune has been remixed a hundred ways - literally.",
        "U.S. - China talks resume next week.",
        "DJ Sam Example - the star of the show - played until dawn.",
        "GRANTS/DONATIONS\n\nBEAVERTON - A school board met.",
        "WASHINGTON -based groups lobbied hard.",
        "Lower-case prose - with a dash near the start.",
        "",
        "   \u00a0 ",
    ],
)
def test_no_dateline(text: str) -> None:
    dateline = parse_dateline(text)
    assert (dateline.raw, dateline.places, dateline.agency, dateline.preamble) == (
        None,
        (),
        None,
        None,
    )
    assert dateline.body_start == len(text) - len(text.lstrip())


def test_dateline_past_the_window_is_ignored() -> None:
    note = "(" + "x" * WINDOW + ")"
    dateline = parse_dateline(f"{note} LONDON (Reuters) - {BODY}")
    assert dateline.raw is None
    assert dateline.body_start == 0


def test_body_is_a_slice_of_the_text() -> None:
    text = f"\u00a0 CAIRO, Egypt (AFP) -\u00a0\u00a0{BODY}"
    dateline = parse_dateline(text)
    assert dateline.raw is not None
    assert text.endswith(text[dateline.body_start :])
    assert text[: dateline.body_start].rstrip().endswith(dateline.raw)
    assert text[dateline.body_start :] == BODY


@pytest.fixture(scope="module")
def isot_texts(isot_csv: Path) -> list[str]:
    csv.field_size_limit(sys.maxsize)
    with isot_csv.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def isot_datelines(isot_texts: list[str]) -> list[Dateline]:
    return [parse_dateline(text) for text in isot_texts]


def test_isot_reuters_datelines(isot_texts: list[str], isot_datelines: list[Dateline]) -> None:
    within_200 = {i for i, text in enumerate(isot_texts) if REUTERS_RX.search(text[:200])}
    within_window = {i for i, text in enumerate(isot_texts) if REUTERS_RX.search(text[:WINDOW])}
    parsed = {i for i, d in enumerate(isot_datelines) if d.agency == "Reuters"}
    assert len(within_200) == 1061
    assert parsed == within_window
    # one more story ends its dateline at character 209, behind a long correction note and byline
    (late,) = within_window - within_200
    preamble = isot_datelines[late].preamble
    assert preamble is not None and preamble.startswith("(This version")
    assert isot_datelines[late].author is not None


def test_isot_preambles(isot_texts: list[str], isot_datelines: list[Dateline]) -> None:
    within_200 = [
        isot_datelines[i] for i, text in enumerate(isot_texts) if REUTERS_RX.search(text[:200])
    ]
    with_preamble = [d for d in within_200 if d.preamble]
    assert len(with_preamble) == 3
    assert all(d.preamble and d.preamble.startswith("(") for d in with_preamble)
    assert [d.author for d in within_200 if d.author] == ["Asif Shahzad"]


def test_isot_places(isot_texts: list[str], isot_datelines: list[Dateline]) -> None:
    placed = []
    for text, dateline in zip(isot_texts, isot_datelines, strict=True):
        match = REUTERS_RX.search(text[:200])
        if match and text[: match.start()].strip():
            placed.append(dateline)
    assert len(placed) == 981
    assert all(d.places for d in placed)
    assert Place("Tampa", "Fla.") in {p for d in placed for p in d.places}
    assert sum(len(d.places) > 1 for d in placed) >= 30
    assert any(len(d.places) == 3 and d.places[0].region == "Syria" for d in placed)
    assert all(p.name[:1].isupper() and not p.name.isupper() for d in placed for p in d.places)


def test_isot_body_offsets(isot_texts: list[str], isot_datelines: list[Dateline]) -> None:
    for text, dateline in zip(isot_texts, isot_datelines, strict=True):
        body = text[dateline.body_start :]
        assert text.endswith(body)
        assert body == text.lstrip() or dateline.raw is not None
        assert not body[:1].isspace()
        if dateline.raw is not None:
            assert not body.startswith(dateline.raw)
            assert not REUTERS_RX.match(body)
            assert text[: dateline.body_start].rstrip().endswith(dateline.raw)


def test_isot_rows_without_reuters(isot_texts: list[str], isot_datelines: list[Dateline]) -> None:
    others = [
        (text, d)
        for text, d in zip(isot_texts, isot_datelines, strict=True)
        if not REUTERS_RX.search(text[:WINDOW])
    ]
    assert len(others) == 9
    assert sorted(d.raw for _, d in others if d.raw) == ["BEIJING -", "WASHINGTON -"]
    for text, d in others:
        if d.raw is None:
            assert d.body_start == len(text) - len(text.lstrip())
