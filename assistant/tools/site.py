"""Tools that read what ingest stored: find pages, one page's facts, links, backlinks."""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from assistant.tools.base import ToolError, tool

if TYPE_CHECKING:
    from assistant.tools.box import Toolbox

Limit = Annotated[int, Field(ge=1, le=500, description="how many records to return at most")]
PageArg = Annotated[str, Field(description="a page of the site: full URL, path such as /blog/x/, or slug")]


@tool(engine="page search (title, URL path and text words; ties by Link Score)")
def find_pages(box: Toolbox, query: Annotated[str, Field(min_length=1, description=(
        "words of a title, a URL or path, or a topic, e.g. 'error handling' or /blog/go1.25/"))],
        limit: Limit = 10) -> list[dict[str, Any]]:
    """Find pages of the site by title, URL or topic.

    Returns pages as `assistant pages --format json` rows (url, title, words, depth, link_score, inlinks, ...)
    with `match`, the score of the match: title words count 3, path words 2, words of the text 1 each (once).
    A URL or path that names a page exactly comes first. Use it to turn what the user calls a page into its URL.
    """
    from assistant.rules.data import STOPWORDS
    from assistant.suggest.candidates import tokens

    terms = [t for t in dict.fromkeys(tokens(query)) if t not in STOPWORDS]
    rows = box.overview()
    data = box.site()
    scored: dict[str, float] = {}
    for url, row in rows.items():
        if row["gone"] or not row["content_type"] or "html" not in row["content_type"]:
            continue
        title, path = set(tokens(row["title"] or "")), set(tokens(urlsplit(url).path))
        text = data.pages[url].text.lower() if url in data.pages else ""
        score = sum(3 * (t in title) + 2 * (t in path) + (f" {t}" in text) for t in terms)
        if score:
            scored[url] = float(score)
    with contextlib.suppress(ToolError):           # a URL or path naming a page exactly
        scored[box.url(query.strip())] = math.inf
    ranked = sorted(scored, key=lambda u: (-scored[u], -(rows[u]["link_score"] or 0), u))[:limit]
    return [{**rows[u], "match": "exact" if math.isinf(scored[u]) else scored[u]} for u in ranked]


@tool(engine="link graph (PageRank, click depth, orphans) + backlink imports + traffic imports")
def page(box: Toolbox, url: PageArg) -> dict[str, Any]:
    """Facts about one page: status, title, words, Link Score, PageRank, click depth, inlinks and outlinks.

    The record is the page's `assistant pages --all --format json` row, plus `backlinks` (imported backlinks:
    total, referring domains, the first 5) and `traffic` (clicks, impressions, position, views and top queries,
    as `assistant traffic --to URL --format json`) when Search Console or analytics data was imported.
    """
    from assistant.store.backlinks import backlinks_to
    from assistant.store.traffic import load_traffic

    found = box.url(url)
    row = dict(box.overview().get(found) or {"url": found})
    links = backlinks_to(box.services.db, found)
    row["backlinks"] = {"total": len(links), "referring_domains": len({b.source_domain for b in links}),
                        "first": [b.as_dict() for b in links[:5]]}
    data = load_traffic(box.services.db)
    if data:
        from assistant.app.traffic import page_report

        row["traffic"] = page_report(data, found, 10)
    return row


@tool(engine="links stored by ingest (placement: content or boilerplate)")
def links(box: Toolbox, to: Annotated[str | None, Field(description="links pointing to this page")] = None,
          source: Annotated[str | None, Field(description="links on this page (where they come from)")] = None,
          placement: Annotated[Literal["content", "boilerplate", "all"], Field(
              description="content = in the text; boilerplate = nav, sidebar, footer")] = "all",
          limit: Limit = 100) -> list[dict[str, Any]]:
    """Links to a page (`to`) or on a page (`source`), or between two pages (both).

    Records as `assistant links --format json`: source, target, anchor, anchor_kind, placement, rel, internal,
    sentence (the sentence around the link), position.
    """
    from assistant.store.queries import links_query

    if to is None and source is None:
        raise ToolError("links: give `to` (links pointing to a page), `source` (links on a page), or both")
    target = box.url(to) if to is not None else None
    frm = box.url(source) if source is not None else None
    rows = links_query(box.services.db, to=target, frm=frm, placement=None if placement == "all" else placement)
    return rows[:limit]


@tool(engine="backlink imports (Ahrefs, Semrush, Search Console, Majestic, Moz, CSV)")
def backlinks(box: Toolbox, to: Annotated[str | None, Field(
        description="only backlinks to this page (URL or path); all when omitted")] = None,
        limit: Limit = 100) -> list[dict[str, Any]]:
    """Backlinks from other sites, as imported from SEO tools' exports (`assistant backlinks import`).

    Records as `assistant backlinks --format json`: source_url, target_url, anchor, nofollow/ugc/sponsored,
    first_seen, last_seen, lost, metrics, source_domain. Empty when no export was imported.
    """
    from assistant.store.backlinks import all_backlinks, backlinks_to

    db = box.services.db
    if to is None:
        found = all_backlinks(db)
    else:
        try:
            found = backlinks_to(db, box.url(to))
        except ToolError:             # not a page: still a target of backlinks (a 404, a page not crawled)?
            found = backlinks_to(db, to)
            if not found:
                raise
    return [b.as_dict() for b in found[:limit]]
