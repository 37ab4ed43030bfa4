"""spaCy's rule components (attribute ruler, rule lemmatizer) with their answers cached per token.

Both are pure functions of a few token attributes: the attribute ruler's single-token patterns of
the attributes they test (and the values they may overwrite), the rule lemmatizer of (orth, pos,
morph). The stock components work them out again for every token through Python `Token` objects
(about a fifth of the small English model's time); these compute each distinct key once per
process and write whole columns back with `Doc.from_array`. The annotations are the stock ones,
token for token (tests compare both over the corpora). A model whose rules fall outside what is
cached here (operators, extension attributes, lexical attributes set) keeps its stock component.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import AttributeRuler, Lemmatizer
    from spacy.tokens import Doc

# token attributes the cached ruler may set (plain token fields, no lexeme flags)
SETTABLE = ("TAG", "POS", "MORPH", "LEMMA", "DEP")
CACHE_LIMIT = 200_000  # distinct keys kept per component before the cache starts over (~40 MB)


def _base_forms() -> tuple[Any, ...]:
    from spacy.lang.en.lemmatizer import EnglishLemmatizer
    from spacy.pipeline import Lemmatizer

    return (Lemmatizer.is_base_form, EnglishLemmatizer.is_base_form)


def use_cached_rules(nlp: Language) -> Language:
    """Swap the pipeline's attribute ruler and rule lemmatizer for cached ones where they allow."""
    from spacy.pipeline import AttributeRuler, Lemmatizer

    # a rule lemma is a function of (orth, pos, morph) (spaCy caches it on that key) where the
    # base-form test reads pos and morph only: spaCy's own and English's; other languages may
    # read more, and keep the stock lemmatizer
    base_forms = _base_forms()
    components = nlp._components  # (name, component) pairs; `pipeline` is a frozen copy
    for position, (name, component) in enumerate(components):
        cached: Any = None
        if type(component) is AttributeRuler:
            cached = CachedAttributeRuler.of(component)
        elif (
            isinstance(component, Lemmatizer)
            and type(component).is_base_form in base_forms
            and type(component).rule_lemmatize is Lemmatizer.rule_lemmatize
        ):
            cached = CachedLemmatizer.of(component)
        if cached is not None:
            components[position] = (name, cached)
    return nlp


def _rules(stock: AttributeRuler) -> list[dict[str, Any]]:
    return cast("list[dict[str, Any]]", stock.patterns)


def _pipe(component: Any, docs: Iterable[Doc]) -> Iterator[Doc]:
    for doc in docs:
        yield component(doc)


class CachedAttributeRuler:
    """An AttributeRuler's single-token rules looked up per distinct key; longer rules matched.

    The key is a token's values of the attributes single-token rules test, each value no rule
    names or finds folded into one (`Named`): under a thousand keys in English news, not one
    per word.
    """

    def __init__(self, stock: AttributeRuler, tested: dict[str, Named | None]) -> None:
        from spacy.attrs import IDS
        from spacy.matcher import Matcher

        self.stock, self.name = stock, stock.name
        self.key_ids = [IDS[n] for n in tested]
        self.named = [
            (column, named.finish(stock.vocab.strings))
            for column, named in enumerate(tested.values())
            if named is not None
        ]
        self.out_ids = [IDS[n] for n in SETTABLE]
        self.single = Matcher(stock.vocab)
        self.multi = Matcher(stock.vocab)
        for i, rule in enumerate(_rules(stock)):
            single = [pattern for pattern in rule["patterns"] if len(pattern) == 1]
            multi = [pattern for pattern in rule["patterns"] if len(pattern) > 1]
            if single:
                self.single.add(str(i), single)
            if multi:
                self.multi.add(str(i), multi)
        self.sets = [
            [(self.out_ids.index(attr), value) for attr, value in attrs.items()]
            for attrs in stock.attrs
        ]
        self.cache: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[tuple[int, int], ...]]] = {}

    @classmethod
    def of(cls, stock: AttributeRuler) -> CachedAttributeRuler | None:
        """Return the cached form of the ruler, or None where its rules are not all cacheable."""
        from spacy.attrs import IDS

        tested: dict[str, Named | None] = {}
        for rule in _rules(stock):
            if set(rule["attrs"]) - set(SETTABLE):
                return None  # extension or lexical attributes: the stock ruler sets them
            for pattern in rule["patterns"]:
                if len(pattern) == 1 and rule["index"] not in (0, -1):
                    return None  # the stock ruler raises on these; keep its error
                for token in pattern:
                    names = {"ORTH" if n.upper() == "TEXT" else n.upper() for n in token}
                    if "OP" in names or not names <= set(IDS):
                        return None
                    if len(pattern) == 1:
                        for name, test in token.items():
                            name = "ORTH" if name.upper() == "TEXT" else name.upper()
                            tested[name] = Named.add(tested.get(name, Named()), name, test)
        return cls(stock, tested)

    def _rules_of(self, doc: Doc, i: int) -> tuple[int, ...]:
        found = self.single(doc[i : i + 1], allow_missing=True, as_spans=False)
        return tuple(sorted(int(self.stock.vocab.strings[m]) for m, _, _ in found))

    def _patch(self, rules: Iterable[int]) -> tuple[tuple[int, int], ...]:
        """Return (column, value) of what the rules set, applied in order (the last one wins)."""
        values: dict[int, int] = {}
        for rule in rules:
            values.update(self.sets[rule])
        return tuple(values.items())

    def _targets(self, doc: Doc) -> dict[int, list[int]] | None:
        """Return the rules of longer patterns, by the token each one sets (as the stock ruler);
        None where a rule's index falls outside its match (the stock ruler raises its error)."""
        targets: dict[int, list[int]] = {}
        for match_id, start, end in self.multi(doc, allow_missing=True, as_spans=False):
            rule = int(self.stock.vocab.strings[match_id])
            index = self.stock.indices[rule]
            if not -(end - start) <= index < end - start:
                return None
            targets.setdefault(start + index if index >= 0 else end + index, []).append(rule)
        return targets

    def _keys(self, doc: Doc) -> list[list[int]]:
        if not self.key_ids:  # longer rules only
            return [[] for _ in range(len(doc))]
        keys = doc.to_array(self.key_ids).reshape(len(doc), len(self.key_ids))
        for column, named in self.named:
            keys[~named.kept(keys[:, column]), column] = named.other
        return cast("list[list[int]]", keys.tolist())

    def __call__(self, doc: Doc) -> Doc:
        import numpy

        if not len(doc):
            return doc
        targets = self._targets(doc)
        if targets is None:
            return self.stock(doc)
        if len(self.cache) > CACHE_LIMIT:
            self.cache.clear()
        out = doc.to_array(self.out_ids).reshape(len(doc), len(self.out_ids)).tolist()
        for i, row in enumerate(self._keys(doc)):
            key = tuple(row)
            entry = self.cache.get(key)
            if entry is None:
                rules = self._rules_of(doc, i)
                entry = self.cache[key] = (rules, self._patch(rules))
            patch = self._patch(sorted(entry[0] + tuple(targets[i]))) if i in targets else entry[1]
            for column, value in patch:
                out[i][column] = value
        doc.from_array(self.out_ids, cast(Any, numpy.asarray(out, dtype="uint64")))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        return _pipe(self, docs)


@dataclass
class Named:
    """What single-token tests of one attribute tell apart: the values they name (equality, IN,
    NOT_IN) and the strings their regular expressions find. Every other value meets all of them
    alike, so those fold into one value of the key, `other`. None where a test needs the value
    itself (comparisons, morph sets, numbers and flags)."""

    values: set[str] = field(default_factory=set)
    patterns: list[str] = field(default_factory=list)
    hashes: Any = None
    other: int = 0
    found: dict[int, bool] = field(default_factory=dict)
    strings: Any = None

    @staticmethod
    def add(named: Named | None, name: str, test: Any) -> Named | None:
        """Return `named` with the test's values or pattern added; None where it cannot fold."""
        if named is None or name == "MORPH":
            return None
        test = test if isinstance(test, dict) else {"IN": [test]}
        if set(test) - {"IN", "NOT_IN", "REGEX"}:
            return None
        listed = [v for op, vs in test.items() if op != "REGEX" for v in vs]
        patterns = [test["REGEX"]] if "REGEX" in test else []
        if not all(isinstance(value, str) for value in listed + patterns):
            return None
        return Named(named.values | set(listed), named.patterns + patterns)

    def finish(self, strings: Any) -> Named:
        import numpy

        hashes = {strings.add(value) for value in self.values}
        other = 2**64 - 1  # a 64-bit value no test names
        while other in hashes:
            other -= 1
        self.hashes = numpy.array(sorted(hashes), dtype="uint64")
        self.other, self.strings = other, strings
        return self

    def kept(self, column: Any) -> Any:
        """Return the mask of the values the tests tell apart (named, or found by a pattern)."""
        import numpy

        kept = numpy.isin(column, self.hashes)
        if self.patterns:
            found = []
            for value in numpy.unique(column[~kept]).tolist():
                if value not in self.found:
                    text = self.strings[value] if value in self.strings else ""  # noqa: SIM401
                    self.found[value] = any(re.search(p, text) for p in self.patterns)
                if self.found[value]:
                    found.append(value)
            if found:
                kept |= numpy.isin(column, numpy.array(found, dtype="uint64"))
        return kept


class CachedLemmatizer:
    """A rule lemmatizer's lemma looked up per distinct (orth, pos, morph)."""

    def __init__(self, stock: Lemmatizer) -> None:
        from spacy.attrs import LEMMA, MORPH, ORTH, POS

        self.stock, self.name = stock, stock.name
        self.key_ids, self.lemma_ids = [ORTH, POS, MORPH, LEMMA], [LEMMA]
        self.cache: dict[tuple[int, int, int], int] = {}

    @classmethod
    def of(cls, stock: Lemmatizer) -> CachedLemmatizer | None:
        """Return the cached form of a rule lemmatizer, or None for the other modes."""
        return cls(stock) if stock.mode == "rule" else None

    def __call__(self, doc: Doc) -> Doc:
        import numpy

        if not self.stock._validated:
            self.stock._validate_tables()
        if not len(doc):
            return doc
        if len(self.cache) > CACHE_LIMIT:
            self.cache.clear()
        strings, overwrite = doc.vocab.strings, self.stock.overwrite
        lemmas = []
        for i, (orth, pos, morph, lemma) in enumerate(doc.to_array(self.key_ids).tolist()):
            if lemma and not overwrite:
                lemmas.append(lemma)
                continue
            key = (orth, pos, morph)
            found = self.cache.get(key)
            if found is None:
                found = self.cache[key] = strings.add(self.stock.lemmatize(doc[i])[0])
            lemmas.append(found)
        doc.from_array(self.lemma_ids, cast(Any, numpy.asarray(lemmas, dtype="uint64")))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        return _pipe(self, docs)
