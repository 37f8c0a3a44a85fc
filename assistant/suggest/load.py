"""Read what the suggestion engine needs from a workspace (its only I/O): pages, content links, PageRank,
backlinks, page vectors. Everything is loaded once per call into a :class:`SiteData`."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant import graph
from assistant.backlinks import referring_domains
from assistant.rules.data import iso_date, listing_pages
from assistant.services import Services
from assistant.store import graphdata
from assistant.store.queries import UnknownURL, resolve_url
from assistant.suggest.vectors import VectorIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """One indexable HTML page: a possible source and a possible target."""

    url: str
    title: str
    text: str                     # pages.main_text
    words: int
    published: date | None
    modified: date | None


@dataclass
class SiteData:
    pages: dict[str, Page]                                  # indexable HTML pages with text, by URL
    linked: dict[str, set[str]]                             # source -> targets of its content links (resolved)
    anchors: dict[str, Counter[str]]                        # target -> anchors of content links to it (resolved)
    all_links: Counter[str]                                 # source -> links of every placement
    content_links: Counter[str]                             # source -> content links
    pagerank: dict[str, float]
    graph: Any                                              # networkx DiGraph for pagerank_with
    referring_domains: dict[str, int]
    vectors: dict[str, NDArray[np.float32]] | None          # unit page vectors, None without embeddings
    index: VectorIndex | None = None                        # the same pages' vectors and chunk vectors as matrices
    hubs: set[str] = field(default_factory=set)             # listing pages (home, archives)
    important: set[str] = field(default_factory=set)        # configured important URLs, resolved
    too_many_links: int = 150
    links_per_100_words: float = 10.0
    today: date = field(default_factory=date.today)


def load_site(services: Services, use_vectors: bool = True) -> SiteData:
    db = services.db
    settings = services.settings.audit
    nodes, edges, _home, _complete = graphdata.load(db)
    resolve = graph.redirect_resolver(nodes, canonicals=True)
    indexable = {n.url for n in nodes if n.indexable}
    pages: dict[str, Page] = {}
    for r in db.conn.execute("""SELECT url, title, main_text, word_count, published, modified FROM pages
                                WHERE gone=0 AND content_hash IS NOT NULL AND main_text IS NOT NULL"""):
        if r["url"] in indexable and (r["main_text"] or "").strip():
            pages[r["url"]] = Page(r["url"], r["title"] or "", r["main_text"], r["word_count"] or 0,
                                   iso_date(r["published"]), iso_date(r["modified"]))
    linked: dict[str, set[str]] = defaultdict(set)
    anchors: dict[str, Counter[str]] = defaultdict(Counter)
    all_links: Counter[str] = Counter()
    content_links: Counter[str] = Counter()
    by_source_titled: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in edges:
        all_links[e.source] += 1
        if e.placement != "content":
            continue
        content_links[e.source] += 1
        target = resolve(e.target)
        linked[e.source].update({e.target, target})
        if target != e.source:
            anchor = " ".join(e.anchor.split())
            if anchor:
                anchors[target][anchor] += 1
            by_source_titled[e.source].append((target, anchor))
    g = graph.build_graph(nodes, edges)
    ranks = graph.pagerank(g)
    chunks = _chunks(services) if use_vectors else None
    index = VectorIndex(chunks) if chunks else None
    vectors = {u: index.pages[i] for u, i in index.pos.items()} if index is not None else None
    data = SiteData(pages, dict(linked), dict(anchors), all_links, content_links, ranks, g,
                    referring_domains(db), vectors, index,
                    too_many_links=settings.too_many_links, links_per_100_words=settings.content_links_per_100_words)
    data.hubs = listing_pages(by_source_titled, lambda u: data.pages[u].title if u in data.pages else None)
    for text in settings.important_urls:
        try:
            data.important.add(resolve_url(db, text))
        except UnknownURL:
            continue
    return data


def _chunks(services: Services) -> dict[str, NDArray[np.float32]] | None:
    """Chunk vectors from Chroma when the workspace was embedded; None otherwise (lexical signals only)."""
    if not services.db.counts()["embedded_chunks"]:
        return None
    return services.vectors.chunk_vectors() or None


def important_pages(data: SiteData, top_share: float = 0.1) -> list[str]:
    """The audit's important pages (:func:`assistant.graph.important_pages`), highest PageRank first."""
    articles = {u: data.pagerank.get(u, 0.0) for u, p in data.pages.items()
                if u not in data.hubs and p.words >= graph.MIN_ARTICLE_WORDS}
    found = graph.important_pages(data.important, data.referring_domains, data.pages, articles, top_share)
    return sorted(found, key=lambda u: (-data.pagerank.get(u, 0.0), u))
