"""Read what the suggestion engine needs from a workspace (its only I/O): pages, content links, PageRank,
backlinks, page vectors. Everything is loaded once per call into a :class:`SiteData`.

The first load of a workspace state saves what it read and derived in the workspace's cache
(:mod:`assistant.suggest.cache`, part ``site``); the next loads of the same state read that file instead of
SQLite, networkx's PageRank and Chroma (which is then not even opened). Both ways give the same SiteData.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant import graph
from assistant.graph import LinkGraph
from assistant.rules.data import iso_date, listing_pages
from assistant.store import graphdata, queries
from assistant.store.clients import Clients
from assistant.store.embedder import calibration_of
from assistant.store.queries import UnknownURL, resolve_url
from assistant.store.traffic import load_traffic
from assistant.suggest.cache import Cache, fingerprint, from_json, to_json
from assistant.suggest.vectors import VectorIndex
from assistant.trafficdata import Traffic

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
    rank_graph: LinkGraph                                   # the PageRank graph as arrays (RankModel, the cache)
    referring_domains: dict[str, int]
    vectors: dict[str, NDArray[np.float32]] | None          # unit page vectors, None without embeddings
    index: VectorIndex | None = None                        # the same pages' vectors and chunk vectors as matrices
    hubs: set[str] = field(default_factory=set)             # listing pages (home, archives)
    link_anchors: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # source -> (anchor, sentence)
    important: set[str] = field(default_factory=set)        # configured important URLs, resolved
    traffic: Traffic = field(default_factory=Traffic)      # imported traffic: read at each load, never cached
    too_many_links: int = 150
    links_per_100_words: float = 10.0
    min_confidence: float = 0.3      # [suggest] min_confidence: what plan and suggest --all keep
    # the vectors' cosines onto MiniLM's scale, for the similarity a reason shows (static vectors share a large
    # common direction: two unrelated pages are 0.9 apart)
    calibration: tuple[float, float] = (1.0, 0.0)
    today: date = field(default_factory=date.today)
    cache: Derived | None = field(default=None, repr=False, compare=False)

    @cached_property
    def graph(self) -> Any:
        """The PageRank graph as a networkx DiGraph (for pagerank_with; built on first use)."""
        return self.rank_graph.networkx()

    def stored(self) -> dict[str, NDArray[Any]] | None:
        """The cache's index part for these pages, when this SiteData is still as loaded and the part is saved."""
        return self.cache.index(self) if self.cache is not None else None


class Derived:
    """The cache of the state a :class:`SiteData` was loaded from, and what it held then: a SiteData changed
    since (a page added or replaced, anchors swapped) no longer matches the cached indexes and builds its own."""

    def __init__(self, cache: Cache, data: SiteData) -> None:
        self.cache = cache
        self.urls = list(data.pages)
        self.page_objects = list(data.pages.values())
        self.anchors = data.anchors
        self.anchor_objects = list(data.anchors.values())
        self._index: dict[str, NDArray[Any]] | None = None
        self._read = False

    def matches(self, data: SiteData) -> bool:
        return (data.cache is self and len(data.pages) == len(self.urls) and list(data.pages) == self.urls
                and all(a is b for a, b in zip(data.pages.values(), self.page_objects, strict=True))
                and data.anchors is self.anchors and len(data.anchors) == len(self.anchor_objects)
                and all(a is b for a, b in zip(data.anchors.values(), self.anchor_objects, strict=True)))

    def index(self, data: SiteData) -> dict[str, NDArray[Any]] | None:
        if not self.matches(data):
            return None
        if not self._read:
            self._read = True
            got = self.cache.read("index")
            if got is not None and from_json(got.pop("urls")) == self.urls:
                self._index = got
        return self._index

    def save_index(self, data: SiteData, arrays: dict[str, NDArray[Any]]) -> bool:
        if not self.matches(data) or self.index(data) is not None:
            return False
        if not self.cache.write("index", {"urls": to_json(self.urls), **arrays}):
            return False
        self._index = arrays           # what the next engine over this SiteData reads
        return True


def load_site(services: Clients, use_vectors: bool = True) -> SiteData:
    cache = Cache.of(services)
    data = _from_cache(cache, use_vectors) if cache is not None else None
    if data is None:
        data = _read(services, use_vectors)
        if cache is not None and fingerprint(services) != cache.key:
            log.debug("suggest cache: the workspace changed while it was read; not cached")
            cache = None
        elif cache is not None and use_vectors:
            cache.write("site", _site_arrays(data))
    settings = services.settings.audit
    data.too_many_links = settings.too_many_links
    data.links_per_100_words = settings.content_links_per_100_words
    data.min_confidence = services.settings.suggest.min_confidence
    data.calibration = calibration_of(services.db.vectors_model())
    for text in settings.important_urls:
        try:
            data.important.add(resolve_url(services.db, text))
        except UnknownURL:
            continue
    data.traffic = load_traffic(services.db)
    if cache is not None:
        data.cache = Derived(cache, data)
    return data


def _read(services: Clients, use_vectors: bool) -> SiteData:
    from assistant.backlinks import referring_domains

    db = services.db
    nodes, edges, _home, _complete = graphdata.load(db)
    resolve = graph.redirect_resolver(nodes, canonicals=True)
    indexable = {n.url for n in nodes if n.indexable}
    pages: dict[str, Page] = {}
    vouched: set[str] = set()
    for r in queries.page_texts(db):
        if r["embedded"]:
            vouched.add(r["url"])
        if r["main_text"] is not None and r["url"] in indexable and (r["main_text"] or "").strip():
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
    chunks = _chunks(services, vouched) if use_vectors and vouched else None
    index = VectorIndex(chunks) if chunks else None
    vectors = {u: index.pages[i] for u, i in index.pos.items()} if index is not None else None
    data = SiteData(pages, dict(linked), dict(anchors), all_links, content_links, ranks, LinkGraph.of(g),
                    referring_domains(db), vectors, index)
    data.__dict__["graph"] = g
    data.link_anchors = queries.content_link_anchors(db)
    data.hubs = listing_pages(by_source_titled, lambda u: data.pages[u].title if u in data.pages else None)
    return data


def _chunks(services: Clients, vouched: set[str]) -> dict[str, NDArray[np.float32]] | None:
    """Chunk vectors from Chroma of the pages whose vectors SQLite vouches for (their ``embedded_hash`` is their
    content's: vectors a killed run wrote without vouching for them are left out); None without any."""
    return {u: m for u, m in services.vectors.chunk_vectors().items() if u in vouched} or None


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _site_arrays(data: SiteData) -> dict[str, NDArray[Any]]:
    """Everything :func:`_read` found, as arrays for the cache (the settings' parts are applied at each load)."""
    head = {
        "pages": [[p.url, p.title, p.text, p.words, _iso(p.published), _iso(p.modified)] for p in data.pages.values()],
        "linked": {s: sorted(t) for s, t in data.linked.items()},
        "anchors": {t: list(c.items()) for t, c in data.anchors.items()},
        "all_links": list(data.all_links.items()), "content_links": list(data.content_links.items()),
        "referring_domains": list(data.referring_domains.items()), "hubs": sorted(data.hubs),
        "link_anchors": data.link_anchors,
        "pagerank": list(data.pagerank), "nodes": data.rank_graph.nodes,
        "vectors": data.index.urls if data.index is not None else None,
    }
    arrays: dict[str, NDArray[Any]] = {
        "site": to_json(head), "pagerank": np.array(list(data.pagerank.values()), dtype=np.float64),
        "sources": data.rank_graph.sources, "targets": data.rank_graph.targets}
    if data.index is not None:
        arrays.update(data.index.arrays())
    return arrays


def _from_cache(cache: Cache, use_vectors: bool) -> SiteData | None:
    got = cache.read("site")
    if got is None:
        return None
    try:
        head = from_json(got["site"])
        pages = {u: Page(u, t, x, w, _date(p), _date(m)) for u, t, x, w, p, m in head["pages"]}
        ranks = got["pagerank"].tolist()
        if len(ranks) != len(head["pagerank"]):
            raise ValueError("PageRank does not match its pages")
        nodes = head["nodes"]
        sources, targets = got["sources"].astype(np.int64), got["targets"].astype(np.int64)
        if len(sources) != len(targets) or (len(sources) and max(int(sources.max()), int(targets.max())) >= len(nodes)):
            raise ValueError("graph edges do not match its nodes")
        index = VectorIndex.restore(head["vectors"], got) if use_vectors and head["vectors"] is not None else None
        data = SiteData(
            pages, {s: set(t) for s, t in head["linked"].items()},
            {t: Counter(dict(c)) for t, c in head["anchors"].items()},
            Counter(dict(head["all_links"])), Counter(dict(head["content_links"])),
            dict(zip(head["pagerank"], ranks, strict=True)), LinkGraph(nodes, sources, targets),
            dict(head["referring_domains"]),
            {u: index.pages[i] for u, i in index.pos.items()} if index is not None else None, index,
            hubs=set(head["hubs"]), link_anchors={u: [(a, s) for a, s in pairs]
                                                  for u, pairs in head["link_anchors"].items()})
    except Exception as exc:  # a file of this state that does not hold what it should: rebuilt
        log.debug("suggest cache: site part unusable (%s: %s); rebuilding it", type(exc).__name__, exc)
        return None
    return data


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def important_pages(data: SiteData, top_share: float = 0.1) -> list[str]:
    """The audit's important pages (:func:`assistant.graph.important_pages`), highest PageRank first."""
    articles = {u: data.pagerank.get(u, 0.0) for u, p in data.pages.items()
                if u not in data.hubs and p.words >= graph.MIN_ARTICLE_WORDS}
    found = graph.important_pages(data.important, data.referring_domains, data.pages, articles, top_share,
                                  traffic=data.traffic)
    return sorted(found, key=lambda u: (-data.pagerank.get(u, 0.0), u))
