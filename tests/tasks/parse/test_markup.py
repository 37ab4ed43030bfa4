"""Tests for tasks/parse/markup.py: entities and HTML fragments to text."""

from __future__ import annotations

import pytest

from tasks.parse import html_to_text, replace_entities

pytestmark = pytest.mark.unit


def test_replace_entities() -> None:
    assert (
        replace_entities("Caf&#233; &#xE9; &#163;5 &lt;b&gt; &quot;q&quot;") == 'Café é £5 <b> "q"'
    )
    assert replace_entities("&#0; &#xD800; &nbsp &copy;") == "&#0; &#xD800; &nbsp &copy;"


def test_html_to_text() -> None:
    markup = (
        "<div><p>First <b>bold</b>\n line.</p><script>x()</script><p>Second<br>line</p></div>tail"
    )
    assert html_to_text(markup) == "First bold line.\n\nSecond\nline\n\ntail"
    assert html_to_text("&lt;p&gt;escaped&lt;/p&gt;") == "<p>escaped</p>"
    assert html_to_text("Plain text\n\nkept") == "Plain text\n\nkept"
    assert html_to_text("") == ""
