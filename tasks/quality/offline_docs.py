"""Make a built Data Docs site work offline: copy the CSS and JavaScript its pages load from CDNs
out of installed packages into the site, and point the pages' tags at those copies."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

ASSET_DIR = Path("static") / "offline"


@dataclass(frozen=True)
class Asset:
    """A file a page loads from a CDN, found by its URL, and where a package ships a copy."""

    url: re.Pattern[str]
    package: str
    resource: str
    name: str
    beside: str | None = None  # a folder the file refers to by a relative path (fonts)


def asset(url: str, package: str, resource: str, name: str, beside: str | None = None) -> Asset:
    """Return an Asset whose URL pattern is `url` (a regular expression)."""
    return Asset(re.compile(url), package, resource, name, beside)


ASSETS = (
    asset(
        r"/jquery[-@]3\.[\d.]*(\.min)?\.js",
        "xstatic.pkg.jquery",
        "data/jquery.min.js",
        "jquery.min.js",
    ),
    asset(
        r"/bootstrap/4\.[\d.]+/css/bootstrap(\.min)?\.css",
        "flask_bootstrap",
        "static/bootstrap4/css/bootstrap.min.css",
        "bootstrap.min.css",
    ),
    asset(
        r"/bootstrap/4\.[\d.]+/js/bootstrap(\.min)?\.js",
        "flask_bootstrap",
        "static/bootstrap4/js/bootstrap.min.js",
        "bootstrap.min.js",
    ),
    asset(
        r"/popper\.js/1\.[\d.]+/umd/popper(\.min)?\.js",
        "flask_bootstrap",
        "static/bootstrap4/umd/popper.min.js",
        "popper.min.js",
    ),
    asset(
        r"/font-awesome/6\.[\d.]+/css/all(\.min)?\.css",
        "fontawesomefree",
        "static/fontawesomefree/css/all.min.css",
        "fontawesome/css/all.min.css",
        beside="static/fontawesomefree/webfonts",
    ),
    asset(r"/npm/vega@5", "js_lib_vega_embed", "static/js_lib_vega_embed/vega5.js", "vega5.js"),
    asset(
        r"/npm/vega-lite@5",
        "js_lib_vega_embed",
        "static/js_lib_vega_embed/vega-lite5.js",
        "vega-lite5.js",
    ),
    asset(
        r"/npm/vega-embed@6",
        "js_lib_vega_embed",
        "static/js_lib_vega_embed/vega-embed6.js",
        "vega-embed6.js",
    ),
    asset(
        r"/bootstrap-table@1\.[\d.]+/dist/bootstrap-table(\.min)?\.js",
        "tasks.quality",
        "bootstrap_table_lite.js",
        "bootstrap-table-lite.js",
    ),
)
# GX's logo, which the site already holds under static/images
LOGO = re.compile(r"https?://great-expectations-web-assets\.[^\"'?]*/(logo-long\.png)[^\"']*")
TAG = re.compile(r"<(script|link|img)\b[^>]*>(\s*</script>)?", re.IGNORECASE)
TAG_URL = re.compile(r"""\b(src|href)\s*=\s*(["'])(https?://[^"']+)\2""", re.IGNORECASE)
# attributes that pin a CDN copy's hash or ask for CORS; a local copy has neither
PINNING = re.compile(r"""\s(integrity|crossorigin)(\s*=\s*(["'])[^"']*\3)?""", re.IGNORECASE)


def copy_assets(site: Path) -> None:
    """Copy every asset (and the folder beside it) from its package into the site."""
    target = site / ASSET_DIR
    for item in ASSETS:
        source = files(item.package).joinpath(item.resource)
        path = target / item.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read_bytes())
        if item.beside is not None:
            folder = Path(str(files(item.package).joinpath(item.beside)))
            shutil.copytree(folder, path.parent.parent / folder.name, dirs_exist_ok=True)


def local_path(url: str) -> str | None:
    """Return the site-relative path of a CDN URL's local copy, or None when none is shipped."""
    logo = LOGO.fullmatch(url)
    if logo:
        return f"static/images/{logo.group(1)}"
    for item in ASSETS:
        if item.url.search(url):
            return (ASSET_DIR / item.name).as_posix()
    return None


def rewrite_page(page: str, prefix: str) -> tuple[str, list[str]]:
    """Return the page with CDN tags pointing at local copies under `prefix` (the path from the
    page to the site root) and tags without a local copy removed, plus the URLs removed."""
    removed: list[str] = []

    def tag(match: re.Match[str]) -> str:
        found = TAG_URL.search(match.group(0))
        if found is None:
            return match.group(0)
        local = local_path(found.group(3))
        if local is None:
            removed.append(found.group(3))
            return ""
        quote = found.group(2)
        pointed = TAG_URL.sub(f"{found.group(1)}={quote}{prefix}{local}{quote}", match.group(0), 1)
        return PINNING.sub("", pointed)

    return TAG.sub(tag, page), removed


def make_offline(site: Path) -> list[str]:
    """Make every page of the Data Docs site at `site` load only local files; return the CDN URLs
    that have no local copy and were removed (the same URL once per page)."""
    copy_assets(site)
    removed: list[str] = []
    for page in sorted(site.rglob("*.html")):
        depth = len(page.relative_to(site).parts) - 1
        text, dropped = rewrite_page(page.read_text(encoding="utf-8"), "../" * depth)
        page.write_text(text, encoding="utf-8")
        removed.extend(dropped)
    return removed
