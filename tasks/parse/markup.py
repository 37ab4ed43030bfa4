"""Markup to plain text: HTML entities and fragments, one blank line between paragraphs."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

# html.unescape is not used: it also reads entities without a semicolon ("&amp more") and
# every named entity ("&copy;"), which would change stored plain-text stories
_ENTITY = re.compile(r"&#(\d{1,7});|&#[xX]([0-9a-fA-F]{1,6});|&(lt|gt|amp|quot|apos|nbsp);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\xa0"}

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
     "table", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt", "hr"}
)  # fmt: skip
_DROPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})
_BREAKS = {tag: "\n\n" for tag in _BLOCK_TAGS} | {"br": "\n"}
_SPACES = re.compile(r"\s+")
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def replace_entities(text: str) -> str:
    """Return text with numeric and the common named HTML entities (`&#233;`, `&lt;`) replaced."""

    def one(match: re.Match[str]) -> str:
        decimal, hexa, name = match.groups()
        if name:
            return _NAMED[name]
        code = int(decimal) if decimal else int(hexa, 16)
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            return match.group()
        return chr(code)

    return _ENTITY.sub(one, text) if "&" in text else text


def html_to_text(markup: str) -> str:
    """Return the plain text of an HTML fragment, one blank line between paragraphs."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup:
        return _tidy(replace_entities(markup))
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy(_SPACES.sub(" ", re.sub(r"<[^>]*>", " ", markup)))
    parts: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            skipping += tag in _DROPPED_TAGS
            if not skipping:
                parts.append(_BREAKS.get(tag, ""))
                if tag and element.text:
                    parts.append(_SPACES.sub(" ", element.text))
            continue
        skipping -= tag in _DROPPED_TAGS
        if skipping:
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n\n")
        if element.tail and element is not root:
            parts.append(_SPACES.sub(" ", element.tail))
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    text = _INLINE_SPACE.sub(" ", text)
    text = _AROUND_NEWLINE.sub("\n", text)
    return _MANY_NEWLINES.sub("\n\n", text).strip()
