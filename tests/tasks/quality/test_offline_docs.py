from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from tasks.quality.offline_docs import ASSET_DIR, ASSETS, make_offline, rewrite_page
from tasks.quality.validate import Validator
from tests.browser import offline_dom

pytestmark = pytest.mark.unit

CDN_TAGS = re.compile(r"""<(script|link|img)\b[^>]*\b(src|href)\s*=\s*["']https?://""", re.I)
ROW_LINK = re.compile(r'<tr class="clickable-row" data-href="([^"]+)"')

# GX's head tags, as GX 1.24 writes them
PAGE = """<head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css" />
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" integrity="sha384-x" crossorigin="anonymous"></script>
<script src="https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js"></script>
<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1">
</head><a href="https://greatexpectations.io">GX</a>"""  # noqa: E501


def test_rewrite_page_points_tags_at_local_copies_and_drops_the_rest() -> None:
    page, removed = rewrite_page(PAGE, "../../")
    assert not CDN_TAGS.search(page)
    assert 'href="../../static/offline/bootstrap.min.css"' in page
    assert '<script src="../../static/offline/jquery.min.js"></script>' in page
    assert '<script src="../../static/offline/bootstrap.min.js"></script>' in page
    assert 'src="../../static/offline/bootstrap-table-lite.js"' in page
    assert 'src="../../static/images/logo-long.png"' in page
    assert "integrity" not in page and "crossorigin" not in page
    assert removed == [
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css"
    ]
    assert '<a href="https://greatexpectations.io">GX</a>' in page  # links stay links


def test_every_asset_is_in_its_installed_package(tmp_path: Path) -> None:
    make_offline(tmp_path)
    for item in ASSETS:
        assert (tmp_path / ASSET_DIR / item.name).stat().st_size > 1_000, item.name
    assert (tmp_path / ASSET_DIR / "fontawesome" / "webfonts" / "fa-solid-900.woff2").exists()


def small_site(docs: Path) -> Path:
    """Validate a three-row table of our own against two expectations; return the site index."""
    suite = {
        "name": "stories",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "story_id"}},
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "words", "min_value": 1, "max_value": 500},
            },
        ],
    }
    validator = Validator({"stories": suite}, docs)
    stories = pa.table({"story_id": ["s1", "s2", None], "words": [10, 900, 30]})
    validator.validate({"stories": stories}, {})
    index = validator.build_docs()
    assert index is not None
    return index


def page_text(dom: str) -> str:
    """Return a DOM's visible text with whitespace collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.mark.slow
def test_data_docs_render_their_tables_without_a_network(tmp_path: Path) -> None:
    index = small_site(tmp_path / "docs")
    as_built = tmp_path / "as-built"
    shutil.copytree(index.parent, as_built)
    make_offline(index.parent)
    pages = list(index.parent.rglob("*.html"))
    assert len(pages) == 3 and not any(CDN_TAGS.search(p.read_text()) for p in pages)

    # GX's own pages: the index's tables are filled by JavaScript that never arrives
    assert not ROW_LINK.search(offline_dom(as_built / "index.html", tmp_path / "profile"))

    dom = offline_dom(index, tmp_path / "profile")
    links = ROW_LINK.findall(dom)
    assert "expectations/stories.html" in links
    (validation,) = [link for link in links if link.startswith("validations/")]
    assert "batch-stories" in page_text(dom)  # the validation row's batch id

    result = page_text(offline_dom(index.parent / validation, tmp_path / "profile"))
    assert "Status Expectation Observed Value" in result  # the results table's header
    assert "values must never be null. 1 unexpected values found." in result
    assert "values must be greater than or equal to 1.0 and less than or equal to 500.0" in result
    assert "Unexpected Value Count Index 900 1 1" in result  # a row of the unexpected-values table
