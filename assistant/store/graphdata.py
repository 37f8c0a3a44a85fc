"""Load the link graph's records (:class:`assistant.sitegraph.Node`, :class:`assistant.sitegraph.Edge`) from a
workspace."""

from __future__ import annotations

from urllib.parse import urlsplit

from assistant.sitegraph import Edge, Node, choose_home, is_indexable
from assistant.store.db import Database


def load(db: Database) -> tuple[list[Node], list[Edge], str | None, bool]:
    """(nodes, edges, home, crawl_complete) of the workspace.

    Nodes are the URLs that are not gone (pages, redirects, errors); edges are the internal links of those
    pages. ``home`` is the site root of the latest crawled source (``scheme://host/``, redirects followed)
    when it is a page, else the shallowest page. ``crawl_complete`` is true when the last run finished
    (status 'done') without hitting a limit.
    """
    nodes, crawl_depth = _nodes(db)
    edges = [Edge(r[0], r[1], r[2] or "", r[3] or "", r[4]) for r in db.conn.execute(
        """SELECT s.url, l.target_url, l.anchor, l.rel, l.placement FROM links l JOIN pages s ON s.id=l.source_id
           WHERE l.internal=1 AND s.gone=0 ORDER BY l.source_id, l.position""")]
    run = db.last_run()
    crawl_complete = run is not None and run["status"] == "done" and bool(run["complete"])
    return nodes, edges, choose_home(nodes, _site_root(db, nodes), crawl_depth), crawl_complete


def nodes(db: Database) -> list[Node]:
    """The nodes of :func:`load` alone (no links read)."""
    return _nodes(db)[0]


def _nodes(db: Database) -> tuple[list[Node], dict[str, int | None]]:
    nodes: list[Node] = []
    crawl_depth: dict[str, int | None] = {}
    for r in db.conn.execute(
            """SELECT url, final_url, status, canonical, noindex, nofollow, in_sitemap, depth,
                      content_hash IS NOT NULL AS html FROM pages WHERE gone=0"""):
        url = r["url"]
        nodes.append(Node(
            url=url, status=r["status"], final_url=r["final_url"], in_sitemap=bool(r["in_sitemap"]),
            indexable=is_indexable(status=r["status"], html=bool(r["html"]), noindex=bool(r["noindex"]),
                                   canonical=r["canonical"], url=url),
            nofollow_page=bool(r["nofollow"]), canonical=r["canonical"]))
        crawl_depth[url] = r["depth"]
    return nodes, crawl_depth


def _site_root(db: Database, nodes: list[Node]) -> str | None:
    """``scheme://host/`` of the latest http(s) source ingested, else of the first page's URL."""
    urls = [str(r[0]) for r in db.conn.execute("SELECT source FROM runs ORDER BY id DESC")]
    urls += [n.url for n in nodes if n.status == 200][:1]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return None
