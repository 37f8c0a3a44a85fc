"""The workspace as the use cases see it: the one "holds no pages" check and its headline numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from assistant.app import UserError
from assistant.overview import pages_overview
from assistant.store.queries import (
    internal_content_links,
    newest_published,
    placement_counts,
    top_content_anchors,
)

if TYPE_CHECKING:
    from assistant.ingest.pipeline import Summary
    from assistant.services import Services
    from assistant.store.db import Database

TOP = 10


class NoPages(UserError):
    """The workspace holds nothing to work from: no page has been ingested."""


def has_pages(services: Services) -> bool:
    return bool(services.db.counts()["html_pages"])


def require_pages(services: Services) -> None:
    """Raise :class:`NoPages` (naming the workspace and what to run) when the workspace holds no HTML page."""
    if not has_pages(services):
        raise NoPages(f"workspace {services.workspace} holds no pages: run `assistant ingest SOURCE` first")


def top_pages(db: Database, limit: int = TOP) -> list[dict[str, Any]]:
    """The pages with the most in-content inlinks (then inlinks, URL), with their path and counts."""
    rows = [r for r in pages_overview(db) if r["status"] == 200]
    rows.sort(key=lambda r: (-r["content_inlinks"], -r["inlinks"], r["url"]))
    return [{"url": r["url"], "path": urlsplit(r["url"]).path or "/", "title": r["title"], "words": r["words"],
             "content_inlinks": r["content_inlinks"], "inlinks": r["inlinks"], "outlinks": r["outlinks"]}
            for r in rows[:limit]]


def headline(services: Services, summary: Summary) -> dict[str, Any]:
    """What an ingest made of the site: pages, content and boilerplate links, chunks, vectors, top anchors."""
    db = services.db
    # an ingest that embedded nothing does not open Chroma: count the vectors here then
    vectors = summary.vectors if summary.vectors is not None else services.vectors.count()
    placements = placement_counts(db)
    internal_content = internal_content_links(db)
    anchors = top_content_anchors(db, 5)
    t = summary.totals
    return {
        "html_pages": t.get("html_pages", 0),
        "content_links": placements.get("content", 0),
        "internal_content_links": int(internal_content),
        "boilerplate_links": placements.get("boilerplate", 0),
        "chunks": t.get("chunks", 0),
        "vectors": vectors,
        "top_content_anchors": anchors,
    }


def audit_counts(services: Services) -> dict[str, int]:
    """Findings per rule of `assistant audit` (judged as of the site's newest post)."""
    from collections import Counter
    from datetime import date

    from assistant.rules import run_rules
    from assistant.rules.load import load_audit

    newest = newest_published(services.db)
    as_of = date.fromisoformat(newest[:10]) if newest else None
    return dict(Counter(f.rule for f in run_rules(load_audit(services, as_of))))
