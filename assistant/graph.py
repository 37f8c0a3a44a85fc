"""Link-graph analytics over plain records: counts, click depth, internal PageRank, Link Score, orphans, anchors.

Pure functions: no SQL, no I/O (:mod:`assistant.store.graphdata` loads the records, :mod:`assistant.sitegraph`'s
:class:`Node` and :class:`Edge`, from a workspace).
The semantics follow Screaming Frog's crawl analysis:

* **Counts** (``inlinks``, ``content_inlinks``, ``linking_pages``, ``outlinks``, ``content_outlinks``) are
  internal links exactly as stored (redirects not resolved, so they agree with ``assistant links --to``),
  every rel and every source page, duplicates included; a page's links to itself are left out.
* **Click depth** is a breadth-first search from the home page over *followed* internal links: not
  ``rel=nofollow`` and not on a ``<meta name=robots content=nofollow>`` page. A link to a redirect costs one
  click for the redirect URL and its final URL alike (the visitor clicks once). Unreachable: ``None``.
* **PageRank** is ``networkx.pagerank`` (d = 0.85, uniform teleport, dangling pages spread uniformly — the
  networkx default) over the graph :func:`build_graph` makes: the indexable pages (status 200, HTML, not
  noindex, canonical absent or self) and one edge per (source, target) pair of them. An edge exists when an
  indexable, non-meta-nofollow page has a followed link to a URL that resolves to another indexable page;
  a URL resolves through its redirect chain and, as Screaming Frog does, through a canonical to another page
  (the canonicalised URL passes its links on). Several links between one pair count once (a page's vote is
  split between the distinct pages it links to); nofollow links, links to non-indexable or unknown URLs and
  self-links are not edges, so they neither pass value nor dilute the page's other links. The values sum
  to 1 over the indexable pages; non-indexable pages get 0.
* **Link Score** maps log(PageRank) linearly onto 1–100 over the indexable pages:
  ``score = 1 + 99 * (ln pr - ln pr_min) / (ln pr_max - ln pr_min)`` (100 for every page when all are
  equal); non-indexable pages get 0.
* **Orphans**: a status-200 page listed in the sitemap or reached by a backlink (after redirects) that no
  indexable page other than itself links to with a followed link (redirects resolved). ``"confirmed"`` when
  the crawl was complete, ``"possible"`` when it stopped at a limit. The home page is never an orphan.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.models import PageMetrics
from assistant.sitegraph import Edge as Edge
from assistant.sitegraph import Node as Node
from assistant.sitegraph import choose_home as choose_home
from assistant.sitegraph import is_indexable as is_indexable
from assistant.sitegraph import redirect_resolver as redirect_resolver
from assistant.trafficdata import Traffic, number, striking_distance

DAMPING = 0.85
# networkx stops when the L1 change of an iteration is below len(G) * tol; 1e-6 (its default) leaves an
# error of the order of the change one added link makes, so pagerank_gain could not be read off it.
TOL = 1e-12
MAX_ITER = 1000


def build_graph(nodes: Iterable[Node], edges: Iterable[Edge]) -> Any:
    """The internal PageRank graph (``networkx.DiGraph``) over the indexable pages; see the module notes."""
    nodes = list(nodes)
    resolve = redirect_resolver(nodes, canonicals=True)
    eligible = {n.url for n in nodes if n.indexable}
    silent = {n.url for n in nodes if n.nofollow_page}
    pairs = {(e.source, resolve(e.target)) for e in edges
             if e.source in eligible and e.source not in silent and not e.nofollow}
    import networkx as nx  # here: a command served from the suggestion cache never needs it

    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(eligible))
    graph.add_edges_from(sorted((s, t) for s, t in pairs if t in eligible and t != s))
    return graph


def pagerank(graph: Any, nstart: Mapping[str, float] | None = None) -> dict[str, float]:
    """``networkx.pagerank`` with d = 0.85 and a tight tolerance; ``nstart`` warm-starts the iteration."""
    if len(graph) == 0:
        return {}
    start = {u: nstart.get(u, 0.0) for u in graph} if nstart is not None else None
    if start is not None and sum(start.values()) <= 0:
        start = None     # networkx divides by the sum
    import networkx as nx

    result: dict[str, float] = nx.pagerank(graph, alpha=DAMPING, tol=TOL, max_iter=MAX_ITER, nstart=start)
    return result


def pagerank_with(graph: Any, extra_edges: Iterable[tuple[str, str]],
                  nstart: Mapping[str, float] | None = None) -> dict[str, float]:
    """PageRank after adding links (source, target) to ``graph``; pass the graph's current PageRank as
    ``nstart`` to warm-start. Links whose ends are not in the graph, self-links and links already present
    change nothing. ``graph`` is modified for the duration of the call and restored (not thread-safe)."""
    added = [(s, t) for s, t in dict.fromkeys(extra_edges)
             if s != t and s in graph and t in graph and not graph.has_edge(s, t)]
    graph.add_edges_from(added)
    try:
        return pagerank(graph, nstart)
    finally:
        graph.remove_edges_from(added)


@dataclass(frozen=True)
class LinkGraph:
    """The PageRank graph as arrays: its nodes (in the graph's order) and its edges as node positions, sorted by
    (source, target). It is what the suggestion cache saves; :meth:`networkx` gives the graph back."""

    nodes: list[str]
    sources: NDArray[np.int64]
    targets: NDArray[np.int64]

    @classmethod
    def of(cls, graph: Any) -> LinkGraph:
        nodes = list(graph)
        at = {u: i for i, u in enumerate(nodes)}
        pairs = sorted((at[s], at[t]) for s, t in graph.edges())
        return cls(nodes, np.array([s for s, _ in pairs], dtype=np.int64), np.array([t for _, t in pairs],
                                                                                   dtype=np.int64))

    def networkx(self) -> Any:
        """The same graph as a ``networkx.DiGraph`` (the nodes and edges inserted in :func:`build_graph`'s order)."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        n = self.nodes
        graph.add_edges_from((n[s], n[t]) for s, t in zip(self.sources.tolist(), self.targets.tolist(), strict=True))
        return graph


class RankModel:
    """PageRank of one graph as a sparse matrix, for asking "what if this link were added?" many times.

    :meth:`gain` gives the exact change (to :data:`TOL`) of a page's PageRank when one link is added, by
    warm-started power iteration on the same equation networkx solves (uniform teleport, dangling pages
    spread uniformly), with the new link applied as a correction to the source's row instead of rebuilding
    the matrix: a few milliseconds on 10,000 pages, where rebuilding through networkx takes a second. The
    product with the link matrix is a ``bincount`` over its entries in row order (what a CSR product sums, in
    the same order), so numpy alone does it.
    """

    def __init__(self, links: Any, ranks: Mapping[str, float]) -> None:
        """``links``: a :class:`LinkGraph` or the networkx graph it stands for."""
        if not isinstance(links, LinkGraph):
            links = LinkGraph.of(links)
        self.nodes: list[str] = links.nodes
        self.index = {u: i for i, u in enumerate(self.nodes)}
        n = len(self.nodes)
        self.rows, self.cols = links.sources, links.targets
        out = np.bincount(self.rows, minlength=n).astype(np.float64)
        self.vals = 1.0 / out[self.rows] if len(self.rows) else np.zeros(0)
        self.out = out
        self.starts = np.searchsorted(self.rows, np.arange(n + 1))
        self.dangling = out == 0
        self.ranks = np.array([ranks.get(u, 0.0) for u in self.nodes], dtype=np.float64)

    def successors(self, source: str) -> list[int]:
        """Positions of the pages ``source`` links to (none for a page outside the graph)."""
        i = self.index.get(source)
        return [] if i is None else self.cols[self.starts[i]:self.starts[i + 1]].tolist()

    def has_edge(self, source: str, target: str) -> bool:
        j = self.index.get(target)
        return j is not None and j in self.successors(source)

    def gain(self, source: str, target: str) -> float:
        """PageRank of ``target`` after adding the link ``source -> target`` minus before (0 when the link
        exists, is a self-link, or an end is not in the graph)."""
        i, j = self.index.get(source), self.index.get(target)
        old = self.successors(source)
        if i is None or j is None or i == j or j in old or not len(self.nodes):
            return 0.0
        n = len(self.nodes)
        k = self.out[i]
        dangling = self.dangling.copy()
        dangling[i] = False
        x = self.ranks.copy()
        for _ in range(MAX_ITER):
            last = x
            y = np.bincount(self.cols, weights=self.vals * last[self.rows], minlength=n)
            xi = last[i]
            if k:
                y[old] += xi * (1.0 / (k + 1) - 1.0 / k)
            y[j] += xi / (k + 1)
            x = DAMPING * (y + last[dangling].sum() / n) + (1.0 - DAMPING) / n
            if float(np.abs(x - last).sum()) < n * TOL:
                break
        return float(x[j] - self.ranks[j])


def link_scores(ranks: Mapping[str, float]) -> dict[str, float]:
    """Link Score 1–100 from PageRank on a log scale (see the module notes); pages with 0 get 0."""
    logs = {u: math.log(p) for u, p in ranks.items() if p > 0}
    if not logs:
        return {u: 0.0 for u in ranks}
    lo, hi = min(logs.values()), max(logs.values())
    span = hi - lo
    return {u: (1 + 99 * (logs[u] - lo) / span if span > 1e-12 else 100.0) if u in logs else 0.0 for u in ranks}


def click_depths(nodes: Iterable[Node], edges: Iterable[Edge], home: str | None) -> dict[str, int]:
    """Clicks from ``home`` to every reachable URL over followed links (see the module notes)."""
    nodes = list(nodes)
    if home is None:
        return {}
    resolve = redirect_resolver(nodes)
    silent = {n.url for n in nodes if n.nofollow_page}
    out: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if not e.nofollow and e.source not in silent:
            out[e.source].append(e.target)
    start = resolve(home)
    depth = {home: 0, start: 0}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        for target in out.get(url, ()):
            for reached in (target, resolve(target)):
                if reached not in depth:
                    depth[reached] = depth[url] + 1
                    queue.append(reached)
    return depth


def incoming_anchors(edges: Iterable[Edge], resolve_redirects: Callable[[str], str] | None = None,
                     placement: str | None = None) -> dict[str, Counter[str]]:
    """Per target URL, a Counter of the anchor texts of the internal links pointing to it (whitespace
    collapsed, case kept, "" for links without text). ``resolve_redirects`` (e.g. :func:`redirect_resolver`)
    credits a link to a redirect to its final URL; ``placement="content"`` counts in-content links only.
    Self-links are left out."""
    anchors: dict[str, Counter[str]] = defaultdict(Counter)
    for e in edges:
        if placement is not None and e.placement != placement:
            continue
        target = resolve_redirects(e.target) if resolve_redirects else e.target
        if target != e.source:
            anchors[target][" ".join(e.anchor.split())] += 1
    return dict(anchors)


def orphans(nodes: Iterable[Node], edges: Iterable[Edge], home: str | None, backlinked: Iterable[str],
            crawl_complete: bool) -> dict[str, str]:
    """URL -> "confirmed" | "possible" for the orphan pages (see the module notes)."""
    nodes = list(nodes)
    resolve = redirect_resolver(nodes)
    by_url = {n.url: n for n in nodes}
    known = {n.url for n in nodes if n.in_sitemap} | {resolve(u) for u in backlinked}
    linked: set[str] = set()
    for e in edges:
        src = by_url.get(e.source)
        if src is None or not src.indexable or src.nofollow_page or e.nofollow:
            continue
        target = resolve(e.target)
        if target != e.source:
            linked.add(target)
    home_url = resolve(home) if home else None
    verdict = "confirmed" if crawl_complete else "possible"
    return {u: verdict for u in sorted(known)
            if u in by_url and by_url[u].status == 200 and u not in linked and u != home_url and u != home}


def metrics(nodes: Iterable[Node], edges: Iterable[Edge], home: str | None, backlinked: Iterable[str] = (),
            crawl_complete: bool = True) -> dict[str, PageMetrics]:
    """Everything the link graph says about each node, by URL (see the module notes)."""
    nodes, edges = list(nodes), list(edges)
    inl: Counter[str] = Counter()
    c_inl: Counter[str] = Counter()
    outl: Counter[str] = Counter()
    c_outl: Counter[str] = Counter()
    sources: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if e.target == e.source:
            continue
        content = e.placement == "content"
        inl[e.target] += 1
        outl[e.source] += 1
        c_inl[e.target] += content
        c_outl[e.source] += content
        sources[e.target].add(e.source)
    ranks = pagerank(build_graph(nodes, edges))
    scores = link_scores(ranks)
    depths = click_depths(nodes, edges, home)
    orphaned = orphans(nodes, edges, home, backlinked, crawl_complete)
    return {n.url: PageMetrics(
        url=n.url, indexable=n.indexable, content_inlinks=c_inl[n.url], inlinks=inl[n.url],
        content_outlinks=c_outl[n.url], outlinks=outl[n.url], linking_pages=len(sources.get(n.url, ())),
        depth=depths.get(n.url), pagerank=ranks.get(n.url, 0.0), link_score=scores.get(n.url, 0.0),
        orphan=orphaned.get(n.url, "")) for n in nodes}


MIN_ARTICLE_WORDS = 200     # shorter pages (about, contact, tag pages) are not important by PageRank alone


def important_pages(configured: Iterable[str], referring_domains: Mapping[str, int], known: Container[str],
                    articles: Mapping[str, float], top_share: float,
                    top_reason: Callable[[str], str] | None = None,
                    traffic: Traffic | None = None) -> dict[str, list[str]]:
    """The pages that matter, with why: named in the config, backlinked (``known`` pages only), or — among at
    least 10 ``articles`` (article URL → PageRank) — in the top ``top_share`` by PageRank; with imported
    ``traffic`` (:class:`assistant.traffic.Traffic`) also the ``known`` pages in the top ``top_share`` by clicks
    (else views) and the striking-distance pages (many impressions at an average position of 4-20: a few more
    internal links can move them to page one). The audit's underlinked-page rule, the suggestion engine's
    ``--all`` and the plan all use this one definition."""
    why: dict[str, list[str]] = defaultdict(list)
    for url in configured:
        why[url].append("marked important in the config")
    for url, n in referring_domains.items():
        if n > 0 and url in known:
            why[url].append(f"{n} referring domain{'s' if n != 1 else ''}")
    if len(articles) >= 10:
        ranked = sorted(articles, key=lambda u: (-articles[u], u))
        for url in ranked[:max(1, int(len(ranked) * top_share))]:
            why[url].append(top_reason(url) if top_reason else f"top {top_share:.0%} by PageRank")
    if traffic:
        volumes, unit = traffic.volumes(), traffic.unit
        for url in traffic.top(top_share, known):
            why[url].append(f"top {top_share:.0%} by {unit} ({number(volumes[url])} {unit})")
        for url, (impressions, position) in sorted(striking_distance(traffic.search()).items()):
            if url in known:
                why[url].append(f"near page one in search: position {position:.1f} with {number(impressions)} "
                                "impressions")
    return dict(why)
