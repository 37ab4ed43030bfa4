"""Amounts: money, percentages, quantities and counted things, from spaCy entities."""

from __future__ import annotations

import re
from typing import Any

import pycountry
from spacy.tokens import Doc, Span, Token

from tasks.extraction.sentences import sentence_index, sentence_starts

SMALL_NUMBERS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
SMALL_NUMBERS |= {w: 10 * i for i, w in enumerate("twenty thirty forty fifty".split(), 2)}
SMALL_NUMBERS |= {w: 10 * i for i, w in enumerate("sixty seventy eighty ninety".split(), 6)}
SCALES = {"hundred": 1e2, "dozen": 12.0, "thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6}
SCALES |= {"mn": 1e6, "m": 1e6, "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9}
SCALES |= {"trillion": 1e12, "tn": 1e12}

# ISO 4217 codes ("USD 5 million", "EUR 20bn") come from pycountry, written in capitals only: in
# lower case many are words ("all", "top", "try"). pycountry has no symbols, local abbreviations
# or the nouns and adjectives of wire copy (its names are formal: "Pakistan Rupee", "New Taiwan
# Dollar", "Czech Koruna"), so the tables below are written here.
ISO_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies)
SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
SYMBOLS |= {"₦": "NGN"}
DOLLAR_PREFIXES = {"US": "USD", "U.S.": "USD", "A": "AUD", "AU": "AUD", "C": "CAD", "CA": "CAD"}
DOLLAR_PREFIXES |= {"HK": "HKD", "NZ": "NZD", "S": "SGD", "NT": "TWD", "R": "BRL", "Mex": "MXN"}
DOLLAR_PREFIXES |= {"T": "TOP"}
# abbreviations that are not ISO codes, matched in any case ("Rs 500", "rmb 2bn")
LOCAL_CODES = {"RMB": "CNY", "RM": "MYR", "RS": "INR", "RS.": "INR"}
# singular currency nouns; None where the word alone names several currencies
CURRENCY_WORDS: dict[str, str | None] = {
    "dollar": "USD", "euro": "EUR", "pound": "GBP", "sterling": "GBP", "yuan": "CNY",
    "renminbi": "CNY", "yen": "JPY", "ruble": "RUB", "rouble": "RUB", "rupee": "INR",
    "won": "KRW", "lira": "TRY", "shekel": "ILS", "rand": "ZAR", "naira": "NGN", "ringgit": "MYR",
    "baht": "THB", "rupiah": "IDR", "reais": "BRL", "zloty": "PLN", "hryvnia": "UAH",
    "forint": "HUF", "riyal": "SAR", "dirham": "AED", "cent": "USD", "pence": "GBP",
    "franc": None, "peso": None, "dinar": None, "krone": None, "krona": "SEK", "rial": None,
    "crown": None,
}  # fmt: skip
QUALIFIED_CURRENCIES = {
    "canadian dollar": "CAD", "australian dollar": "AUD", "hong kong dollar": "HKD",
    "singapore dollar": "SGD", "new zealand dollar": "NZD", "taiwan dollar": "TWD",
    "egyptian pound": "EGP", "pakistani rupee": "PKR", "swiss franc": "CHF",
    "mexican peso": "MXN", "philippine peso": "PHP", "argentine peso": "ARS",
    "colombian peso": "COP", "chilean peso": "CLP", "libyan dinar": "LYD", "iraqi dinar": "IQD",
    "jordanian dinar": "JOD", "kuwaiti dinar": "KWD", "qatari riyal": "QAR",
    "iranian rial": "IRR", "danish krone": "DKK", "norwegian krone": "NOK",
    "swedish crown": "SEK", "danish crown": "DKK", "norwegian crown": "NOK", "czech crown": "CZK",
}  # fmt: skip
MEASURE_UNITS = set(
    "km kilometer kilometre mile mph kph meter metre cm mm foot feet ft inch inches yard acre "
    "hectare square cubic kg kilogram gram tonne ton lb pound ounce oz barrel bpd gallon liter "
    "litre degree megawatt mw gigawatt gw kilowatt kw nautical bushel carat knot".split()
)
TIME_UNITS = set("second minute hour day week month year decade century".split())
PERCENT_WORDS = {"percent", "pct", "%"}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_WORD = "|".join(sorted(SMALL_NUMBERS, key=len, reverse=True))
_WORDS = rf"\b(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}|hundred))*\b"
_SCALE_WORD = r"(?:[\s-]*(?:hundred|thousand|million|billion|trillion|mln|bln|mn|bn|tn))\b"
_AMOUNT = rf"(?i:(?:{_NUM}|{_WORDS}|(?:\ba\s+)?\bdozen\b|\bhalf(?:\s+an?)?\b)(?:{_SCALE_WORD})*)"
# money also takes "600m", "1.13bn", "5k"
_MONEY_AMOUNT = rf"(?i:(?:{_NUM}|{_WORDS})(?:{_SCALE_WORD}|[mbk](?![a-z]))*)"
_PREFIX = "|".join(re.escape(p) for p in sorted(DOLLAR_PREFIXES, key=len, reverse=True))
_LOCAL_CODE = "|".join(re.escape(c) for c in sorted(LOCAL_CODES, key=len, reverse=True))
_ISO_CODE = "|".join(sorted(ISO_CODES))
_CURRENCY = (
    r"(?i:dollars?|euros?|pounds?(?:\s+sterling)?|sterling|yuan|renminbi|yen|rubles?|roubles?|"
    r"rupees?|won|liras?|shekels?|rand|naira|ringgit|baht|rupiah|reais|zlotys?|hryvnias?|"
    r"forints?|riyals?|dirhams?|cents?|pence|francs?|pesos?|dinars?|kroner|krone|kronor|krona|"
    r"rials?|crowns?)"
)
_RANGE = r"\s*(?:-|–|to|and)\s*"
_TO = r"\s*(?:-|–|to)\s*"
_SYMBOL_MONEY = (
    rf"(?:\b(?P<prefix>{_PREFIX}))?(?P<symbol>[$£€¥₹₩₽₦])\s?(?P<amount>{_MONEY_AMOUNT})"
    rf"(?:{_TO}(?P<high>{_MONEY_AMOUNT}))?"
)
SYMBOL_MONEY_RX = re.compile(_SYMBOL_MONEY)
MONEY_RX = re.compile(
    rf"{_SYMBOL_MONEY}"
    rf"|\b(?P<code>(?i:{_LOCAL_CODE})|{_ISO_CODE})\s?(?P<code_amount>{_MONEY_AMOUNT})"
    rf"|(?<![\w.,$£€¥])(?:(?P<low>{_MONEY_AMOUNT}){_RANGE})?(?P<word_amount>{_MONEY_AMOUNT})[\s-]+"
    rf"(?:(?P<qualifier>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|U\.S\.)\s+)?(?P<word>{_CURRENCY})\b"
)
PERCENT_RX = re.compile(
    rf"(?:(?P<low>{_AMOUNT}){_RANGE})?(?P<amount>{_AMOUNT})\s*"
    r"(?P<sign>%|(?i:percent(?:age)?\s+points?|percentage\s+points?|per\s?cent|pct)\b)"
)
AMOUNT_RX = re.compile(rf"(?:(?P<low>{_AMOUNT}){_RANGE})?(?P<amount>{_AMOUNT})")
_SCORE_RX = re.compile(r"\d+\s*[-–]\s*\d+")
_YEAR_RX = re.compile(r"(?:1[89]|20)\d\d")
_TIME_ZONE_RX = re.compile(r"(?:GMT|UTC|EDT|EST|CDT|CST|PDT|PST|BST|CET|ET)\b")
_UNIT_END_RX = re.compile(r"\s*(?:[(),;]|\bof\b|\band\b|\bor\b|\bto\b)")


def parse_number(text: str) -> float | None:
    """Return the value of "1.5 million", "1.13bn", "twenty-two", "a dozen", "half a"; or None."""
    total, current, seen = 0.0, 0.0, False
    for part in re.findall(r"\d[\d,]*(?:\.\d+)?|\.\d+|[a-z]+", text.lower()):
        if part[0].isdigit() or part[0] == ".":
            current += float(part.replace(",", ""))
        elif part in SMALL_NUMBERS:
            current += SMALL_NUMBERS[part]
        elif part == "half":
            current += 0.5
        elif part in SCALES and (seen or len(part) > 2):
            current = (current or 1.0) * SCALES[part]  # "a dozen", "a million": the "a" is 1
            if SCALES[part] >= 1e3:
                total, current = total + current, 0.0
        else:
            continue
        seen = True
    return total + current if seen else None


def _scale_of(text: str) -> float:
    words = re.findall(r"[a-z]+", text.lower())
    return next((SCALES[w] for w in reversed(words) if w in SCALES and w != "dozen"), 1.0)


def _range_value(low: str | None, amount: str) -> float | None:
    """Return the value of an amount, or of the low end of "8 to 10 million" (8e6)."""
    if not low:
        return parse_number(amount)
    value = parse_number(low)
    if value is not None and _scale_of(low) == 1.0:
        value *= _scale_of(amount)
    return value


def _currency(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    if groups["symbol"]:
        if match["symbol"] == "$" and match["prefix"]:
            return DOLLAR_PREFIXES[match["prefix"]]
        return SYMBOLS[match["symbol"]]
    if groups.get("code"):
        code = match["code"].upper()
        return LOCAL_CODES.get(code, code)
    return word_currency(f"{match['qualifier'] or ''} {match['word'].split()[0]}")


def word_currency(phrase: str) -> str | None:
    """Return the ISO code for "dollars", "Canadian dollars", "Libyan dinars"; None if unsure."""
    *qualifier, word = phrase.lower().split()
    word = _singular(word)
    return QUALIFIED_CURRENCIES.get(" ".join([*qualifier, word]), CURRENCY_WORDS.get(word))


def _singular(word: str) -> str:
    irregular = {"kroner": "krone", "kronor": "krona", "reais": "reais", "pence": "pence"}
    if word in irregular:
        return irregular[word]
    return word[:-1] if word.endswith("s") and word[:-1] in CURRENCY_WORDS else word


def _row(
    start: int, end: int, kind: str, value: float, unit: str | None, currency: str | None
) -> dict[str, Any]:
    return {
        "start_char": start,
        "end_char": end,
        "kind": kind,
        "value": value,
        "unit": unit,
        "currency": currency,
    }


def _money_rows(doc_text: str, ent: Span) -> list[dict[str, Any]]:
    """Return the money amounts overlapping a MONEY entity, widened to "£" and "m" outside it."""
    offset = max(0, ent.start_char - 6)
    window = doc_text[offset : ent.end_char + 40]
    rows: list[dict[str, Any]] = []
    previous: re.Match[str] | None = None
    for match in MONEY_RX.finditer(window):
        start, end = offset + match.start(), offset + match.end()
        amount = match["amount"] or match["code_amount"] or match["word_amount"]
        value = _range_value(
            match["low"] or (amount if match["high"] else None), match["high"] or amount
        )
        if start >= ent.end_char or end <= ent.start_char or value is None:
            continue
        if match["word"] and match["word"].lower() in ("cent", "cents", "pence"):
            value /= 100
        if previous and _joined_range(window, previous, match):  # "$5 to $10 million"
            rows[-1]["value"] *= _scale_of(amount)
        rows.append(_row(start, end, "money", value, None, _currency(match)))
        previous = match if _scale_of(amount) == 1.0 else None
    if rows:
        return rows
    # no currency in sight: spaCy's MONEY is often a count ("more than 4 million immigrants")
    counted = _count_rows(doc_text, ent)
    if counted:
        return counted
    number = AMOUNT_RX.search(ent.text)
    words_after = number and re.search("[A-Za-z]", ent.text[number.end() :])
    if words_after and not re.search(rf"\b{_CURRENCY}\b", ent.text):  # "100 million barrels"
        return _quantity_rows(doc_text, ent)
    return _fallback_rows(doc_text, ent, "money")


def _joined_range(window: str, first: re.Match[str], second: re.Match[str]) -> bool:
    return re.fullmatch(_RANGE, window[first.end() : second.start()]) is not None


def _fallback_rows(doc_text: str, ent: Span, kind: str) -> list[dict[str, Any]]:
    """Return one row for the entity's first number when no pattern matched ("8 to 10 million")."""
    match = AMOUNT_RX.search(ent.text)
    value = _range_value(match["low"], match["amount"]) if match else None
    if match is None or value is None:
        return []
    unit = "percent" if kind == "percent" else None
    currency = None
    if kind == "money" and (word := re.search(rf"\b{_CURRENCY}\b", ent.text)):
        currency = word_currency(word.group().split()[0])
    start = ent.start_char + match.start()
    return [_row(start, ent.end_char, kind, value, unit, currency)]


def _percent_rows(doc_text: str, ent: Span) -> list[dict[str, Any]]:
    """Return the percentages in a PERCENT entity ("12.5 percent", "10 to 15%", "2 points")."""
    window = doc_text[ent.start_char : ent.end_char + 12]  # "0.3 percentage [points]"
    rows = []
    for match in PERCENT_RX.finditer(window):
        value = _range_value(match["low"], match["amount"])
        if value is None or match.start() >= len(ent.text):
            continue
        unit = "percentage points" if "point" in match["sign"].lower() else "percent"
        start, end = ent.start_char + match.start(), ent.start_char + match.end()
        rows.append(_row(start, end, "percent", value, unit, None))
    return rows or _fallback_rows(doc_text, ent, "percent")


def _quantity_rows(doc_text: str, ent: Span) -> list[dict[str, Any]]:
    """Return the measures in a QUANTITY entity; a unit that measures nothing makes a count."""
    matches = [m for m in AMOUNT_RX.finditer(ent.text) if m.group().strip()]
    rows = []
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(ent.text)
        tail = ent.text[match.end() : stop]
        cut = _UNIT_END_RX.search(tail)
        unit = (tail[: cut.start()] if cut else tail).strip(" -–.")
        value = _range_value(match["low"], match["amount"])
        if value is None or _TIME_ZONE_RX.match(unit):
            continue
        if not unit and len(matches) == 1:  # "at least 10.7 million [migrants]"
            return _count_rows(doc_text, ent)
        start = ent.start_char + match.start()
        end = ent.start_char + match.end() + (tail.index(unit) + len(unit) if unit else 0)
        head = unit.lower().replace("-", " ").split()[:1]
        measured = bool(head) and (head[0] in MEASURE_UNITS or head[0].rstrip("s") in MEASURE_UNITS)
        kind = "quantity" if measured or not unit else "count"
        rows.append(_row(start, end, kind, value, unit or None, None))
    return rows


def _counted_noun(ent: Span) -> Token | None:
    """Return the noun a CARDINAL counts ("59 [cruise] missiles"), or None."""
    root, doc = ent.root, ent.doc
    noun = root.head
    if root.dep_ != "nummod" or noun.pos_ not in ("NOUN", "PROPN"):
        return None
    if not 0 <= noun.i - ent.end <= 3:
        return None
    while noun.dep_ == "compound" and 0 < noun.head.i - noun.i <= 2 and noun.head.pos_ == "NOUN":
        noun = noun.head
    for token in doc[ent.end : noun.i]:
        if (token.is_punct and token.text != "-") or not _governed_by(token, noun):
            return None
    before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
    return None if before in ("no.", "#", "number") else noun


def _governed_by(token: Token, head: Token) -> bool:
    for _ in range(3):
        if token.head == head:
            return True
        token = token.head
    return False


def _count_rows(doc_text: str, ent: Span) -> list[dict[str, Any]]:
    """Return a count (or money/percent/quantity) row for a CARDINAL that counts a noun."""
    doc, text = ent.doc, ent.text.strip()
    if _YEAR_RX.fullmatch(text) or _SCORE_RX.fullmatch(text):
        return []
    if PERCENT_RX.search(text):  # "between 10 and 15 percent" tagged CARDINAL
        return _percent_rows(doc_text, ent)
    noun = _counted_noun(ent)
    match = AMOUNT_RX.search(ent.text)
    if noun is None or match is None:
        return []
    value = _range_value(match["low"], match["amount"])
    lemma = noun.lemma_.lower()
    if value is None or lemma in TIME_UNITS:
        return []
    start, end = ent.start_char + match.start(), noun.idx + len(noun.text)
    if ent.start > 0 and doc[ent.start - 1].lower_ in ("a", "an") and match.start() == 0:
        start = doc[ent.start - 1].idx  # "a dozen" with the "a" outside the entity
    unit = doc_text[doc[ent.end].idx : end]
    if unit.startswith("-") or _TIME_ZONE_RX.match(unit):  # "a 15-member panel", "1500 GMT"
        return []
    if lemma in CURRENCY_WORDS and lemma != "pound":  # a counted "pounds" is a weight
        return [_row(start, end, "money", value, None, word_currency(unit))]
    if lemma in PERCENT_WORDS or re.fullmatch(r"(?i)percentage points?", unit):
        percent_unit = "percent" if lemma in PERCENT_WORDS else "percentage points"
        return [_row(start, end, "percent", value, percent_unit, None)]
    measured = lemma in MEASURE_UNITS or lemma == "pound"
    return [_row(start, end, "quantity" if measured else "count", value, unit, None)]


def _symbol_rows(doc_text: str) -> list[dict[str, Any]]:
    """Return the "$5m", "HK$20m" amounts in the text, spaCy's entity or not (they are sure)."""
    rows = []
    for match in SYMBOL_MONEY_RX.finditer(doc_text):
        value = _range_value(
            match["amount"] if match["high"] else None, match["high"] or match["amount"]
        )
        if value is not None:
            rows.append(_row(match.start(), match.end(), "money", value, None, _currency(match)))
    return rows


EXTRACTORS = {
    "MONEY": _money_rows,
    "PERCENT": _percent_rows,
    "QUANTITY": _quantity_rows,
    "CARDINAL": _count_rows,
}


def extract_amounts(doc: Doc) -> list[dict[str, Any]]:
    """Return one row per money amount, percentage, quantity or counted thing in the doc."""
    doc_text = doc.text  # Doc.text joins every token: read it once
    found = [
        row
        for ent in doc.ents
        if ent.label_ in EXTRACTORS
        for row in EXTRACTORS[ent.label_](doc_text, ent)
    ]
    found += _symbol_rows(doc_text)
    starts = sentence_starts(doc)
    rows, last_end = [], -1
    for row in sorted(found, key=lambda r: (r["start_char"], -r["end_char"])):
        if row["start_char"] < last_end:  # a widened amount already covers this one
            continue
        last_end = row["end_char"]
        text = doc_text[row["start_char"] : row["end_char"]]
        index = sentence_index(starts, row["start_char"])
        rows.append({"text": text, **row, "sentence_index": index})
    return rows
