"""Date quality on the hand-labelled pages: newslake's publication day against htmldate's."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from trafilatura.utils import load_html

from tasks.documents.normalise import local_calendar
from tasks.parse.html import extract_page, parse_html
from tasks.parse.page_dates import page_date
from tasks.records import HTML, ParsedDoc, RawRecord


@dataclass(frozen=True)
class LabelledPage:
    """One page with its publication date checked by hand."""

    name: str
    set: str  # "corpus" (a shared newspaper fixture) or "own" (a page we wrote)
    path: Path
    day: date
    utc_offset_minutes: int | None


@dataclass(frozen=True)
class PageResult:
    """What each reader made of one labelled page."""

    page: LabelledPage
    newslake_day: date | None
    newslake_offset: int | None
    htmldate_day: date | None
    rejected: bool  # newslake rejected the page's body (its date is still read)


def load_labels(
    labels_file: Path, corpus_dir: Path, own_dir: Path
) -> tuple[list[LabelledPage], datetime]:
    """Return the labelled pages (paths resolved) and the fetch time the set gives them."""
    data = json.loads(labels_file.read_text(encoding="utf-8"))
    pages = [
        LabelledPage(
            name=row["file"],
            set=row["set"],
            path=(corpus_dir if row["set"] == "corpus" else own_dir) / row["file"],
            day=date.fromisoformat(row["date"]),
            utc_offset_minutes=row["utc_offset_minutes"],
        )
        for row in data["pages"]
    ]
    return pages, datetime.fromisoformat(data["fetched_at"])


def _record(page: LabelledPage, fetched_at: datetime) -> RawRecord:
    return RawRecord(
        source="labelled-dates",
        source_kind="html",
        locator=str(page.path),
        payload=page.path.read_bytes(),
        media_type=HTML,
        fetched_at=fetched_at,
    )


def newslake_reading(rec: RawRecord) -> tuple[date | None, int | None, bool]:
    """Return (local date, UTC offset, rejected) as the parse path reads a page.

    A page whose body is rejected is still dated by the same pass, so the figure measures the
    date reading alone."""
    doc = parse_html(rec)
    if isinstance(doc, ParsedDoc):
        day, offset = local_calendar(doc.published_at, doc.published_utc_offset_minutes)
        return day, offset, False
    tree = load_html(rec.payload.decode("utf-8", "replace"))
    if tree is None:
        return None, None, True
    extracted = extract_page(tree, None, rec.fetched_at)
    url = extracted.url if extracted else None
    found = page_date(tree, extracted.date if extracted else None, url, rec.fetched_at)
    return (found.local_date, found.utc_offset_minutes, True) if found else (None, None, True)


def htmldate_reading(payload: bytes) -> date | None:
    """Return htmldate's day for a page with its default settings, or None."""
    import htmldate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = htmldate.find_date(payload.decode("utf-8", "replace"))
    return date.fromisoformat(found) if found else None


def evaluate(pages: list[LabelledPage], fetched_at: datetime) -> list[PageResult]:
    """Return each page's readings by newslake and by htmldate alone."""
    results = []
    for page in pages:
        rec = _record(page, fetched_at)
        day, offset, rejected = newslake_reading(rec)
        results.append(PageResult(page, day, offset, htmldate_reading(rec.payload), rejected))
    return results


def summarise(results: list[PageResult]) -> dict[str, Any]:
    """Return day accuracy of both readers per set and overall, and the offsets kept right."""
    summary: dict[str, Any] = {}
    for name in ("corpus", "own", "all"):
        chosen = [r for r in results if name in ("all", r.page.set)]
        if not chosen:
            continue
        with_offset = [r for r in chosen if r.page.utc_offset_minutes is not None]
        summary[name] = {
            "pages": len(chosen),
            "newslake": _share(r.newslake_day == r.page.day for r in chosen),
            "htmldate": _share(r.htmldate_day == r.page.day for r in chosen),
            "offset_pages": len(with_offset),
            "newslake_offset": _share(
                r.newslake_offset == r.page.utc_offset_minutes for r in with_offset
            ),
            "rejected_bodies": sum(r.rejected for r in chosen),
        }
    return summary


def _share(hits: Any) -> float:
    values = list(hits)
    return round(sum(values) / len(values), 4) if values else 0.0
