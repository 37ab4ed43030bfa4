"""A page's publication date as the outlet printed it: candidates from the markup, one choice.

Candidates come from JSON-LD `datePublished`, the published-time meta tags (Open Graph,
itemprop, Parse.ly, Dublin Core, ...), `<time>` elements marked as the publication time,
htmldate's answer (trafilatura runs it once per page) and a day in the URL. The first source
in `SOURCE_ORDER` that survives the plausibility rule wins; a timed candidate on the same
calendar day lends it its time and UTC offset.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lxml.html import HtmlElement

from tasks.parse.dates import read_date_value

# most trusted first: what the page declares as its publication time, then htmldate's reading
# (it also weighs visible text), then the URL, then any `<time>` element
SOURCE_ORDER = ("jsonld", "meta", "time", "htmldate", "parsely", "url", "time_any")
# htmldate reads the same meta tags, so it never counts as a second, independent source
_NOT_INDEPENDENT = frozenset({"htmldate"})
# a candidate whose year is this far from most of the page's other dates needs a second,
# independent source to agree
FAR_YEARS = 2

_PUBLISHED_META = frozenset(
    name.casefold()
    for name in (
        "article:published_time", "og:article:published_time", "og:published_time",
        "datePublished", "parsely-pub-date", "pubdate", "publish-date", "publishdate",
        "publish_date", "pub_date", "PublishDate", "item-publish-date", "dc.date.issued",
        "dcterms.created", "dcterms.date", "dcterms.issued", "article_date_original",
        "publication_date", "cXenseParse:recs:publishtime", "sailthru.date", "date",
        "DisplayDate", "citation_publication_date", "datecreated",
    )
)  # fmt: skip
# Parse.ly's fields hold UTC: they give the instant, rarely the day the page printed
_PARSELY_META = frozenset({"parsely-pub-date"})
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|[^\d]|$)")
_URL_YEAR = re.compile(r"/((?:19|20)\d{2})[/-]?(?:0[1-9]|1[0-2])(?:/|[^\d]|$)")
_MAX_CANDIDATES = 40


@dataclass(frozen=True)
class DateCandidate:
    """One reading of the publication date: the value as written, where it came from."""

    source: str
    stamp: datetime  # in the zone the page wrote, or naive when it wrote none
    precision: str  # "second" or "day"

    @property
    def local_date(self) -> date:
        """Return the calendar date the page printed."""
        return self.stamp.date()

    @property
    def offset_minutes(self) -> int | None:
        """Return the UTC offset the page gave with the time, in minutes, or None."""
        offset = self.stamp.utcoffset() if self.precision == "second" else None
        return None if offset is None else int(offset.total_seconds() // 60)


@dataclass(frozen=True)
class PageDate:
    """The chosen publication date: UTC instant, the local calendar date and its offset."""

    published_at: datetime
    local_date: date
    utc_offset_minutes: int | None
    source: str
    precision: str


def _candidate(source: str, value: object) -> DateCandidate | None:
    found = read_date_value(value)
    if found is None or found[1] not in {"second", "day"}:
        return None
    stamp, precision = found
    return DateCandidate(source, stamp, precision)


def _jsonld_values(tree: HtmlElement) -> list[str]:
    """Return the `datePublished` values of the page's JSON-LD blocks, in page order."""
    values: list[str] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue
        _collect_published(data, values)
    return values


def _collect_published(data: object, values: list[str]) -> None:
    if isinstance(data, list):
        for item in data:
            _collect_published(item, values)
    elif isinstance(data, dict):
        if isinstance(data.get("datePublished"), str):
            values.append(data["datePublished"])
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            _collect_published(data.get(key), values)


def _meta_values(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Return the values of published-time meta tags, and those of Parse.ly's tags."""
    values, parsely = [], []
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").casefold()
        content = meta.get("content")
        if not content:
            continue
        if name in _PUBLISHED_META:
            values.append(content)
        elif name in _PARSELY_META:
            parsely.append(content)
        elif name == "parsely-page":
            try:
                pub = json.loads(content).get("pub_date")
            except (ValueError, AttributeError):
                continue
            if isinstance(pub, str) and pub:
                parsely.append(pub)
    return values, parsely


def _time_values(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Return `<time datetime>` values marked as the publication time, and all the others."""
    marked: list[str] = []
    others: list[str] = []
    for element in tree.iter("time"):
        value = element.get("datetime")
        if not value:
            continue
        is_published = element.get("itemprop") == "datePublished" or "pubdate" in element.attrib
        (marked if is_published else others).append(value)
    return marked, others


def url_day(url: str | None) -> DateCandidate | None:
    """Return the day a URL carries (`/2020/02/15/`), or None."""
    found = _URL_DAY.search(url or "")
    if not found:
        return None
    year, month, day = (int(g) for g in found.groups())
    return _candidate("url", f"{year:04d}-{month:02d}-{day:02d}")


def collect_candidates(
    tree: HtmlElement, htmldate_day: str | None, url: str | None
) -> list[DateCandidate]:
    """Return every reading of the publication date on a page, most trusted source first."""
    marked, others = _time_values(tree)
    meta, parsely = _meta_values(tree)
    raw = [
        *(("jsonld", v) for v in _jsonld_values(tree)),
        *(("meta", v) for v in meta),
        *(("parsely", v) for v in parsely),
        *(("time", v) for v in marked),
        ("htmldate", htmldate_day),
        *(("time_any", v) for v in others[:1]),  # later ones are often comments or teasers
    ]
    found = [c for s, v in raw[:_MAX_CANDIDATES] if (c := _candidate(s, v)) is not None]
    in_url = url_day(url)
    found += [in_url] if in_url else []
    return sorted(found, key=lambda c: SOURCE_ORDER.index(c.source))


def _as_utc(candidate: DateCandidate) -> datetime:
    stamp = candidate.stamp
    if candidate.precision == "day":
        return datetime(stamp.year, stamp.month, stamp.day, tzinfo=UTC)
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def is_plausible(
    candidate: DateCandidate,
    others: list[DateCandidate],
    fetched_at: datetime | None,
    url_years: list[int] | None = None,
) -> bool:
    """Return whether a candidate can be the publication date.

    Never after the fetch time (`is_before_fetch`); a year FAR_YEARS or more from most of the
    page's other dates (and the years in its URL, url_years) counts only when another
    independent source gives the same day (copyright lines, template defaults, old stories)."""
    if not is_before_fetch(candidate, fetched_at):
        return False
    rest = [o for o in others if o.source != candidate.source and is_before_fetch(o, fetched_at)]
    years = [o.stamp.year for o in rest] + (url_years or [])
    far = sum(abs(year - candidate.stamp.year) >= FAR_YEARS for year in years)
    if far <= len(years) - far:
        return True
    if candidate.source in _NOT_INDEPENDENT:  # whatever agrees with it is what it read
        return False
    return any(
        o.local_date == candidate.local_date for o in rest if o.source not in _NOT_INDEPENDENT
    )


def is_before_fetch(candidate: DateCandidate, fetched_at: datetime | None) -> bool:
    """Return whether a candidate is not after the fetch time.

    A day's date may run a day ahead of UTC (zones east of it)."""
    if fetched_at is None:
        return True
    latest = fetched_at.astimezone(UTC)
    if candidate.precision == "day":
        return candidate.local_date <= (latest + timedelta(days=1)).date()
    return _as_utc(candidate) <= latest


def url_years(url: str | None) -> list[int]:
    """Return the year a URL carries with a month (`/2014/05/`, `/2014-12/`), as a list."""
    found = _URL_YEAR.search(url or "")
    return [int(found.group(1))] if found else []


def choose_date(
    candidates: list[DateCandidate],
    fetched_at: datetime | None = None,
    years_in_url: list[int] | None = None,
) -> PageDate | None:
    """Return the publication date from the candidates (most trusted first), or None."""
    plausible = [c for c in candidates if is_plausible(c, candidates, fetched_at, years_in_url)]
    if not plausible:
        return None
    chosen = plausible[0]
    # the day from the most trusted source, the time and offset from one that has them
    timed = [c for c in plausible if c.precision == "second" and c.local_date == chosen.local_date]
    with_offset = [c for c in timed if c.offset_minutes is not None]
    best = _with_printed_offset((with_offset or timed or [chosen])[0], plausible)
    return PageDate(
        published_at=_as_utc(best),
        local_date=best.local_date if best.offset_minutes is not None else chosen.local_date,
        utc_offset_minutes=best.offset_minutes,
        source=_source_name(plausible, chosen.local_date),
        precision=best.precision,
    )


def _with_printed_offset(best: DateCandidate, plausible: list[DateCandidate]) -> DateCandidate:
    """Return a candidate for the same instant written with a non-zero offset, else best.

    Pages often write one moment twice: in UTC for machines and in the newsroom's zone."""
    if best.precision != "second" or best.offset_minutes not in (None, 0):
        return best
    instant = _as_utc(best)
    for other in plausible:
        if other.offset_minutes and other.precision == "second" and _as_utc(other) == instant:
            return other
    return best


def _source_name(plausible: list[DateCandidate], day: date) -> str:
    """Return "url" when only the URL (and htmldate, which reads it too) gives the day."""
    agreeing = {c.source for c in plausible if c.local_date == day}
    return "url" if "url" in agreeing and agreeing <= {"url", "htmldate"} else "html_meta"


def page_date(
    tree: HtmlElement, htmldate_day: str | None, url: str | None, fetched_at: datetime | None
) -> PageDate | None:
    """Return a page's publication date from its markup, htmldate's reading and its URL."""
    return choose_date(collect_candidates(tree, htmldate_day, url), fetched_at, url_years(url))
