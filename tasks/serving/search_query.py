"""The search query language: parse a query into a tree, compile the tree into bound SQL.

Syntax (Lucene / Media Cloud style): words, "exact phrases", `prefix*`, `AND`, `OR`, `NOT` (or a
leading `-`), parentheses, and field filters `field:value` / `field:"two words"` for `entity`,
`country`, `place`, `speaker`, `source`, `lang` (or `language`). Words side by side mean AND;
AND binds tighter than OR. Words match the search index (`tasks.lake.search_index`): whole
words of title and body, case-insensitively. Every value reaches SQL as a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tasks.lake.search_index import is_word_char, phrase_starts, tokens

FIELDS = ("entity", "country", "place", "speaker", "source", "lang", "language")
OPERATORS = ("AND", "OR", "NOT")


class SearchSyntaxError(ValueError):
    """A query the language cannot read; the message says where."""


@dataclass(frozen=True)
class Words:
    """One word, or consecutive words (a phrase: a quoted string or a word like `U.S.`)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    """Any word that starts with `prefix`."""

    prefix: str


@dataclass(frozen=True)
class Field:
    """A filter on a structured column; `prefix` when the value ended with `*`."""

    name: str
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    """Articles that do not match `node`."""

    node: Node


@dataclass(frozen=True)
class And:
    """Articles that match every node."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Articles that match any node."""

    nodes: tuple[Node, ...]


Node = Words | Prefix | Field | Not | And | Or


@dataclass(frozen=True)
class Lexeme:
    """A piece of a query: an operator, a parenthesis, a word or a phrase."""

    kind: str  # "op", "(", ")", "word", "phrase", "field"
    text: str
    negated: bool = False
    field: str = ""
    quoted: bool = False


def lex(query: str) -> list[Lexeme]:
    """Return the pieces of a query, in order."""
    lexemes: list[Lexeme] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
            continue
        if char in "()":
            lexemes.append(Lexeme(char, char))
            i += 1
            continue
        negated = char == "-" and i + 1 < len(query) and not query[i + 1].isspace()
        if negated:
            i += 1
            if query[i] == "(":
                lexemes.extend([Lexeme("op", "NOT")])
                continue
        lexeme, i = _lex_term(query, i, negated)
        lexemes.append(lexeme)
    return lexemes


def _lex_term(query: str, i: int, negated: bool) -> tuple[Lexeme, int]:
    """Return the word, phrase or field filter starting at i, and where it ends."""
    if query[i] == '"':
        text, i = _quoted(query, i)
        return Lexeme("phrase", text, negated), i
    start = i
    while i < len(query) and not query[i].isspace() and query[i] not in '()"':
        if query[i] == ":" and query[start:i].lower() in FIELDS:
            name = query[start:i].lower()
            i += 1
            if i < len(query) and query[i] == '"':
                text, i = _quoted(query, i)
                return Lexeme("field", text, negated, name, quoted=True), i
            value_start = i
            while i < len(query) and not query[i].isspace() and query[i] not in '()"':
                i += 1
            if i == value_start:
                raise SearchSyntaxError(f'{name}: needs a value, e.g. {name}:"..."')
            return Lexeme("field", query[value_start:i], negated, name), i
        i += 1
    text = query[start:i]
    if text in OPERATORS and not negated:
        return Lexeme("op", text), i
    return Lexeme("word", text, negated), i


def _quoted(query: str, i: int) -> tuple[str, int]:
    """Return the text of the quoted string opening at i, and the index after its close."""
    end = query.find('"', i + 1)
    if end < 0:
        raise SearchSyntaxError(f"unclosed quote at character {i + 1}")
    return query[i + 1 : end], end + 1


class _Parser:
    """Recursive descent over lexemes: or := and (OR and)*; and := unary ([AND] unary)*."""

    def __init__(self, lexemes: list[Lexeme]) -> None:
        self.lexemes = lexemes
        self.at = 0

    def peek(self) -> Lexeme | None:
        return self.lexemes[self.at] if self.at < len(self.lexemes) else None

    def take(self) -> Lexeme:
        lexeme = self.lexemes[self.at]
        self.at += 1
        return lexeme

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while (lexeme := self.peek()) is not None and lexeme.text == "OR" and lexeme.kind == "op":
            self.take()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_unary()]
        while (lexeme := self.peek()) is not None and lexeme.kind != ")":
            if lexeme.kind == "op" and lexeme.text == "OR":
                break
            if lexeme.kind == "op" and lexeme.text == "AND":
                self.take()
            nodes.append(self.parse_unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def parse_unary(self) -> Node:
        lexeme = self.peek()
        if lexeme is None:
            raise SearchSyntaxError("the query ends where a word, phrase or ( was expected")
        if lexeme.kind == "op" and lexeme.text == "NOT":
            self.take()
            return Not(self.parse_unary())
        if lexeme.kind == "op":
            raise SearchSyntaxError(f"{lexeme.text} needs a word, phrase or ( before and after it")
        self.take()
        if lexeme.kind == ")":
            raise SearchSyntaxError("a ) closes no (")
        if lexeme.kind == "(":
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise SearchSyntaxError("a ( is never closed")
            self.take()
            return node
        node = term_node(lexeme)
        return Not(node) if lexeme.negated else node


def term_node(lexeme: Lexeme) -> Node:
    """Return the node of a word, phrase or field filter."""
    if lexeme.kind == "field":
        prefix = lexeme.text.endswith("*") and not lexeme.quoted
        value = lexeme.text.rstrip("*") if prefix else lexeme.text
        if not value.strip():
            raise SearchSyntaxError(f"{lexeme.field}: needs a value")
        return Field(lexeme.field, value, prefix)
    if lexeme.kind == "word" and lexeme.text.endswith("*"):
        words = tokens(lexeme.text)
        if len(words) != 1 or not is_word_char(lexeme.text.rstrip("*")[-1:] or " "):
            raise SearchSyntaxError(f"{lexeme.text}: a prefix is one word followed by *")
        return Prefix(words[0])
    words = tokens(lexeme.text)
    if not words:
        raise SearchSyntaxError(f"{lexeme.text!r} holds no word to search for")
    return Words(tuple(words))


def parse(query: str) -> Node:
    """Return the tree of a query; raise SearchSyntaxError when it cannot be read."""
    lexemes = lex(query)
    if not lexemes:
        raise SearchSyntaxError("the query is empty")
    parser = _Parser(lexemes)
    node = parser.parse_or()
    if parser.peek() is not None:
        raise SearchSyntaxError(f"unexpected {parser.peek().text!r}")  # type: ignore[union-attr]
    return node


# each field filter: the select of article ids it matches, with how many times it binds the value
FIELD_SQL = {
    "entity": (
        "select article_id from mentions where lower(canonical_name) {op} or lower(text) {op}",
        2,
    ),
    "place": ("select article_id from places where lower(name) {op} or lower(text) {op}", 2),
    "country": ("select article_id from places where lower(country_code) {op}", 1),
    "speaker": (
        "select q.article_id from quotes q left join entities e "
        "on e.entity_id = q.speaker_entity_id "
        "where contains(lower(q.speaker_text), lower(?)) "
        "or contains(lower(e.canonical_name), lower(?))",
        2,
    ),
    "source": ("select article_id from articles where lower(source) {op}", 1),
    "lang": ("select article_id from articles where lower(language) {op}", 1),
}
ALL_ARTICLES = "select article_id from articles"
# field filters whose value is a name the text may hold, so a passage can show it
HIGHLIGHTED_FIELDS = ("entity", "place", "speaker")


@dataclass
class Compiled:
    """A select of the matching article ids and its parameters, in order."""

    sql: str
    parameters: list[Any]


def compile_query(node: Node) -> Compiled:
    """Return the select of the ids of the articles that match the tree."""
    parameters: list[Any] = []
    sql = _compile(node, parameters)
    return Compiled(sql, parameters)


def _compile(node: Node, parameters: list[Any]) -> str:
    """Return the select for one node, appending its parameters."""
    if isinstance(node, Words):
        return _words_sql(node.words, parameters)
    if isinstance(node, Prefix):
        parameters.append(node.prefix)
        return "select article_id from article_terms where starts_with(term, ?)"
    if isinstance(node, Field):
        return _field_sql(node, parameters)
    if isinstance(node, Not):
        inner = _compile(node.node, parameters)
        return f"{ALL_ARTICLES} except select article_id from ({inner})"
    if isinstance(node, Or):
        return " union ".join(
            f"select article_id from ({_compile(n, parameters)})" for n in node.nodes
        )
    return _and_sql(node, parameters)


def _and_sql(node: And, parameters: list[Any]) -> str:
    """Return the intersection of the positive nodes less the union of the negated ones."""
    positive = [n for n in node.nodes if not isinstance(n, Not)]
    negative = [n.node for n in node.nodes if isinstance(n, Not)]
    parts = [f"select article_id from ({_compile(n, parameters)})" for n in positive]
    sql = " intersect ".join(parts) if parts else ALL_ARTICLES
    for n in negative:
        excluded = _compile(n, parameters)
        sql = f"select article_id from ({sql}) except select article_id from ({excluded})"
    return sql


def _words_sql(words: tuple[str, ...], parameters: list[Any]) -> str:
    """Return the articles holding a word, or the words in this order (a phrase)."""
    if len(words) == 1:
        parameters.append(words[0])
        return "select article_id from article_terms where term = ?"
    parameters.extend([*words, len(words)])
    # an article holds the phrase when it holds each of its words, and some start position is in
    # every word's positions less the word's place in the phrase: one row per article and word,
    # intersected as lists (half the time of unnesting every position of two common words). Each
    # word is its own `term = ?` look-up, so the scan skips the index's row groups outside that
    # term; a join with the phrase's words would scan every term between the lowest and highest
    # of them ("gas pipeline": g to p, most of the index)
    rows = " union all ".join(
        f"select article_id, positions, {place} as k from article_terms where term = ?"
        for place in range(len(words))
    )
    return (
        f"select t.article_id from ({rows}) t "
        f"group by t.article_id having count(*) = ? and {phrase_starts('t.k')} > 0"
    )


def _field_sql(node: Field, parameters: list[Any]) -> str:
    """Return the articles a field filter matches."""
    name = "lang" if node.name == "language" else node.name
    template, binds = FIELD_SQL[name]
    value = node.value.lower()
    op = "like ? escape '\\'" if node.prefix else "= ?"
    if node.prefix:
        value = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    parameters.extend([value] * binds)
    return template.replace("{op}", op)


def positive_terms(node: Node) -> tuple[list[tuple[str, ...]], list[str]]:
    """Return the words and phrases, and the prefixes, that a match may contain (those not
    under a NOT, and the names in entity, place and speaker filters), for highlighting."""
    if isinstance(node, Words):
        return [node.words], []
    if isinstance(node, Prefix):
        return [], [node.prefix]
    if isinstance(node, Field) and node.name in HIGHLIGHTED_FIELDS and tokens(node.value):
        return [tuple(tokens(node.value))], []
    if isinstance(node, And | Or):
        phrases: list[tuple[str, ...]] = []
        prefixes: list[str] = []
        for child in node.nodes:
            more_phrases, more_prefixes = positive_terms(child)
            phrases.extend(more_phrases)
            prefixes.extend(more_prefixes)
        return phrases, prefixes
    return [], []
