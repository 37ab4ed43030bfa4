"""Tests for tasks/extraction/amounts.py: invented wire-style sentences, then the ISOT sample."""

from __future__ import annotations

import math
from collections import Counter

import pycountry
import pytest

from tasks.extraction import amounts
from tasks.extraction.amounts import extract_amounts, parse_number, word_currency

pytestmark = pytest.mark.unit

KEYS = {"text", "start_char", "end_char", "kind", "value", "unit", "currency", "sentence_index"}
KINDS = {"money", "percent", "quantity", "count"}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The group agreed to buy the studio for $1.13bn (£600m), the firm said.",
            [("$1.13bn", "money", 1.13e9, None, "USD"), ("£600m", "money", 6e8, None, "GBP")],
        ),
        (
            "The navy fired 59 cruise missiles at the airfield overnight.",
            [("59 cruise missiles", "count", 59.0, "cruise missiles", None)],
        ),
        (
            "Consumer prices climbed 12.5 percent in the year to March.",
            [("12.5 percent", "percent", 12.5, "percent", None)],
        ),
        (
            "Canberra will spend A$2 billion on new frigates, the minister said.",
            [("A$2 billion", "money", 2e9, None, "AUD")],
        ),
        (
            "Rebels said three Syrian soldiers were wounded near the border.",
            [("three Syrian soldiers", "count", 3.0, "Syrian soldiers", None)],
        ),
        (
            "Exports fell to 1.5 million barrels of oil a day.",
            [("1.5 million barrels", "quantity", 1.5e6, "barrels", None)],
        ),
        (
            "Investors lost 200,000 yuan and 40 million euros in the scheme.",
            [
                ("200,000 yuan", "money", 2e5, None, "CNY"),
                ("40 million euros", "money", 4e7, None, "EUR"),
            ],
        ),
        (
            "The fine was 750 million rubles, or about 5 million Canadian dollars.",
            [
                ("750 million rubles", "money", 7.5e8, None, "RUB"),
                ("5 million Canadian dollars", "money", 5e6, None, "CAD"),
            ],
        ),
        (
            "Officials counted 2,500 police officers and a dozen protesters, police said.",
            [
                ("2,500 police officers", "count", 2500.0, "police officers", None),
                ("a dozen protesters", "count", 12.0, "protesters", None),
            ],
        ),
        (
            "Moscow ran a deficit of C$3.5 million and HK$20m, while unemployment rose 0.3 "
            "percentage points.",
            [
                ("C$3.5 million", "money", 3.5e6, None, "CAD"),
                ("HK$20m", "money", 2e7, None, "HKD"),
                ("0.3 percentage points", "percent", 0.3, "percentage points", None),
            ],
        ),
        ("The home side won 3-1 in 2016 and finished 2nd in the league.", []),
    ],
)
def test_extract_amounts(nlp, sentence: str, expected: list[tuple]) -> None:
    rows = extract_amounts(nlp(sentence))
    got = [(r["text"], r["kind"], r["value"], r["unit"], r["currency"]) for r in rows]
    assert got == [(t, k, pytest.approx(v), u, c) for t, k, v, u, c in expected]
    for row in rows:
        assert set(row) == KEYS
        assert sentence[row["start_char"] : row["end_char"]] == row["text"]
        assert row["sentence_index"] == 0


def test_sentence_index_and_ranges(nlp) -> None:
    doc = nlp("Shares rose sharply on Monday. The plant will cost $5 to $10 million to build.")
    rows = extract_amounts(doc)
    assert [(r["text"], r["value"], r["sentence_index"]) for r in rows] == [
        ("$5", 5e6, 1),
        ("$10 million", 1e7, 1),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("59", 59.0),
        ("1,250", 1250.0),
        ("1.5 million", 1.5e6),
        ("1.13bn", 1.13e9),
        ("600m", 6e8),
        ("twenty-two", 22.0),
        ("two", 2.0),
        ("a dozen", 12.0),
        ("half a", 0.5),
        ("three hundred thousand", 3e5),
        ("a penny", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        ("dollars", "USD"),
        ("Canadian dollars", "CAD"),
        ("euros", "EUR"),
        ("pounds", "GBP"),
        ("yuan", "CNY"),
        ("roubles", "RUB"),
        ("Libyan dinars", "LYD"),
        ("pesos", None),
    ],
)
def test_word_currency(phrase: str, code: str | None) -> None:
    assert word_currency(phrase) == code


@pytest.mark.parametrize("code", ["USD", "CHF", "NOK", "ZAR"])
def test_iso_code_money(nlp, code: str) -> None:
    rows = extract_amounts(nlp(f"The fund holds {code} 3.5 billion."))
    assert [(r["text"], r["value"], r["currency"]) for r in rows] == [
        (f"{code} 3.5 billion", 3.5e9, code)
    ]


def test_hand_written_codes_are_iso_currencies() -> None:
    tables = [
        amounts.SYMBOLS,
        amounts.DOLLAR_PREFIXES,
        amounts.LOCAL_CODES,
        amounts.CURRENCY_WORDS,
        amounts.QUALIFIED_CURRENCIES,
    ]
    codes = {code for table in tables for code in table.values() if code is not None}
    assert {code for code in codes if pycountry.currencies.get(alpha_3=code) is None} == set()
    assert codes <= amounts.ISO_CODES


@pytest.mark.slow
def test_isot_sample(isot_docs, capsys) -> None:
    extracted = [(doc, extract_amounts(doc)) for _, doc in isot_docs]
    kinds: Counter[str] = Counter()
    money = with_currency = 0
    for doc, rows in extracted:
        sentences = len(list(doc.sents))
        for row in rows:
            assert set(row) == KEYS
            assert doc.text[row["start_char"] : row["end_char"]] == row["text"]
            assert 0 <= row["sentence_index"] < sentences
            assert row["kind"] in KINDS
            assert isinstance(row["value"], float) and math.isfinite(row["value"]), row
            kinds[row["kind"]] += 1
            if row["kind"] == "money":
                money += 1
                with_currency += row["currency"] is not None
                assert row["unit"] is None
            else:
                assert row["currency"] is None
            if row["kind"] == "percent":
                assert row["unit"] in ("percent", "percentage points")
    with capsys.disabled():
        print(f"\nISOT amounts: {dict(kinds)}; {with_currency}/{money} money rows with a currency")
    assert with_currency >= 0.9 * money
