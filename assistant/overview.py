"""The pages' overview (`assistant pages`): each page's stored counts with the link graph's metrics."""

from __future__ import annotations

from typing import Any

from assistant.store.db import Database
from assistant.store.queries import page_rows


def pages_overview(db: Database, include_all: bool = False,
                   backlinked: set[str] | None = None) -> list[dict[str, Any]]:
    """One row per page; ``include_all`` adds every other URL met (redirects, errors, gone) with its error.

    The link columns come from :func:`assistant.graph.metrics`: ``inlinks``, ``content_inlinks`` and
    ``linking_pages`` count internal links from other pages, ``depth`` is the click depth from the home page
    (``crawl_depth`` is the depth at which the crawl found the URL), ``pagerank``, ``link_score`` (0-100),
    ``indexable`` and ``orphan`` ("" | "confirmed" | "possible"; pages of ``backlinked`` count as known).
    ``outlinks`` counts every link on the page, external ones included.
    """
    from assistant import graph  # numpy and networkx: only when a command needs the metrics
    from assistant.store import graphdata

    nodes, edges, home, complete = graphdata.load(db)
    found = graph.metrics(nodes, edges, home, backlinked or set(), complete)
    out = []
    for row in page_rows(db, include_all):
        m = found.get(row["url"])
        row.update(depth=m.depth if m else None, indexable=m.indexable if m else False,
                   pagerank=float(f"{m.pagerank:.6g}") if m else 0.0,
                   link_score=round(m.link_score, 1) if m else 0.0, orphan=m.orphan if m else "")
        out.append(row)
    return out
