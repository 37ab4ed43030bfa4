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

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import AttributeRuler, Lemmatizer
    from spacy.tokens import Doc

# token attributes the cached ruler may set (plain token fields, no lexeme flags)
SETTABLE = ("TAG", "POS", "MORPH", "LEMMA", "DEP")
CACHE_LIMIT = 500_000  # distinct keys kept per component before the cache starts over


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
    """An AttributeRuler's single-token rules looked up per distinct key; longer rules matched."""

    def __init__(self, stock: AttributeRuler, key_names: list[str]) -> None:
        from spacy.attrs import IDS
        from spacy.matcher import Matcher

        self.stock, self.name = stock, stock.name
        self.key_ids = [IDS[n] for n in key_names]
        self.out_ids = [IDS[n] for n in SETTABLE]
        self.out_at = [key_names.index(n) for n in SETTABLE]
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
        self.cache: dict[tuple[int, ...], tuple[tuple[int, ...], list[int]]] = {}

    @classmethod
    def of(cls, stock: AttributeRuler) -> CachedAttributeRuler | None:
        """Return the cached form of the ruler, or None where its rules are not all cacheable."""
        from spacy.attrs import IDS

        tested: set[str] = set()
        for rule in _rules(stock):
            if set(rule["attrs"]) - set(SETTABLE):
                return None  # extension or lexical attributes: the stock ruler sets them
            for pattern in rule["patterns"]:
                if len(pattern) == 1 and rule["index"] not in (0, -1):
                    return None  # the stock ruler raises on these; keep its error
                for token in pattern:
                    names = {n.upper() for n in token}
                    if "OP" in names or not names <= set(IDS):
                        return None
                    tested |= names
        tested = {"ORTH" if n == "TEXT" else n for n in tested}
        return cls(stock, sorted(tested - set(SETTABLE)) + list(SETTABLE))

    def _rules_of(self, doc: Doc, i: int) -> tuple[int, ...]:
        found = self.single(doc[i : i + 1], allow_missing=True, as_spans=False)
        return tuple(sorted(int(self.stock.vocab.strings[m]) for m, _, _ in found))

    def _apply(self, rules: Iterable[int], start: list[int]) -> list[int]:
        values = [start[at] for at in self.out_at]
        for rule in rules:
            for position, value in self.sets[rule]:
                values[position] = value
        return values

    def _targets(self, doc: Doc) -> dict[int, list[int]]:
        """Return the rules of longer patterns, by the token each one sets (as the stock ruler)."""
        targets: dict[int, list[int]] = {}
        for match_id, start, end in self.multi(doc, allow_missing=True, as_spans=False):
            rule = int(self.stock.vocab.strings[match_id])
            index = self.stock.indices[rule]
            if not -(end - start) <= index < end - start:
                return {-1: []}  # out of bounds: the stock ruler raises its own error
            targets.setdefault(start + index if index >= 0 else end + index, []).append(rule)
        return targets

    def __call__(self, doc: Doc) -> Doc:
        import numpy

        targets = self._targets(doc)
        if -1 in targets:
            return self.stock(doc)
        keys = doc.to_array(self.key_ids).tolist() if len(doc) else []
        out = []
        if len(self.cache) > CACHE_LIMIT:
            self.cache.clear()
        for i, row in enumerate(keys):
            key = tuple(row)
            entry = self.cache.get(key)
            if entry is None:
                rules = self._rules_of(doc, i)
                entry = self.cache[key] = (rules, self._apply(rules, row))
            if i in targets:
                out.append(self._apply(sorted(entry[0] + tuple(targets[i])), row))
            else:
                out.append(entry[1])
        if out:
            doc.from_array(self.out_ids, cast(Any, numpy.asarray(out, dtype="uint64")))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        return _pipe(self, docs)


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
