"""What the HTML report draws, computed from the plan's input and its new links. Pure.

* PageRank: the Link Score (log-scaled internal PageRank, 0-100) of the top pages and of the plan's targets that
  gain most, now and once the plan's links are added.
* Click depth: how many indexable pages sit at each depth from the home page, now and after.
* Anchors: for the pages that receive the most new links, their in-content anchor texts and the plan's new ones.
* Neighbourhoods: each backlinked page (else the plan's main targets) with the pages linking to it in their
  content, before and after the plan.
* Traffic (with imported traffic): the most visited pages' clicks beside their in-content inlinks, now and after.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from assistant import graph
from assistant.graph import Edge
from assistant.plan.links import LinkIdea
from assistant.plan.model import Charts, Neighbourhood, PlanInput

TOP_PAGES = 8
TOP_TARGETS = 8
ANCHOR_TARGETS = 6
ANCHORS_SHOWN = 6
NEIGHBOURHOODS = 6


def title_of(inp: PlanInput, url: str) -> str:
    page = inp.data.pages.get(url)
    return page.title if page and page.title else url


def _pagerank(inp: PlanInput, links: list[LinkIdea]) -> list[tuple[str, str, float, float]]:
    """(url, title, Link Score now, Link Score after) of the top pages by PageRank and the plan's targets that
    gain most (Link Score: the 0-100 log scale of :func:`assistant.graph.link_scores`, so small pages show)."""
    before = inp.data.pagerank
    after = graph.pagerank_with(inp.data.graph, [(i.source, i.target) for i in links], nstart=before) \
        if links else before
    score_b, score_a = graph.link_scores(before), graph.link_scores(after)
    top = sorted(before, key=lambda u: (-before[u], u))[:TOP_PAGES]
    gains = sorted({i.target for i in links} - set(top), key=lambda u: (-(score_a[u] - score_b[u]), u))
    pages = sorted([*top, *gains[:TOP_TARGETS]], key=lambda u: (-score_a.get(u, 0.0), u))
    return [(u, title_of(inp, u), score_b.get(u, 0.0), score_a.get(u, 0.0)) for u in pages]


def _depths(inp: PlanInput, links: list[LinkIdea]) -> list[tuple[str, int, int]]:
    if inp.home is None:
        return []
    pages = {n.url for n in inp.nodes if n.indexable}
    extra = [Edge(i.source, i.target, i.anchor, "", "content") for i in links]
    now = graph.click_depths(inp.nodes, inp.edges, inp.home)
    then = graph.click_depths(inp.nodes, [*inp.edges, *extra], inp.home) if extra else now

    def histogram(depths: dict[str, int]) -> Counter[str]:
        return Counter(str(depths[u]) if u in depths else "none" for u in pages)

    b, a = histogram(now), histogram(then)
    keys = sorted((k for k in set(b) | set(a) if k != "none"), key=int)
    if b["none"] or a["none"]:
        keys.append("none")
    return [(k if k != "none" else "unreachable", b[k], a[k]) for k in keys]


def _anchors(inp: PlanInput, links: list[LinkIdea]) -> list[tuple[str, list[tuple[str, int, bool]]]]:
    new: dict[str, Counter[str]] = defaultdict(Counter)
    for i in links:
        new[i.target][i.anchor] += 1
    out = []
    for target, added in sorted(new.items(), key=lambda x: (-sum(x[1].values()), x[0]))[:ANCHOR_TARGETS]:
        existing = inp.data.anchors.get(target, Counter())
        rows = [(a or "(no text)", n, False) for a, n in existing.most_common(ANCHORS_SHOWN)]
        rest = sum(existing.values()) - sum(n for _, n, _ in rows)
        if rest > 0:
            rows.append((f"{len(existing) - ANCHORS_SHOWN} other anchors", rest, False))
        rows += [(a, n, True) for a, n in sorted(added.items())]
        out.append((target, rows))
    return out


def _neighbourhoods(inp: PlanInput, links: list[LinkIdea]) -> list[Neighbourhood]:
    rd = inp.data.referring_domains
    pages = sorted((u for u in inp.data.pages if rd.get(u, 0) > 0), key=lambda u: (-rd[u], u))[:NEIGHBOURHOODS]
    if not pages:
        counts = Counter(i.target for i in links)
        pages = [u for u, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))][:NEIGHBOURHOODS]
    linking: dict[str, set[str]] = defaultdict(set)
    for source, targets in inp.data.linked.items():
        for t in targets:
            if t != source:
                linking[t].add(source)
    out = []
    for url in pages:
        new = sorted({i.source for i in links if i.target == url} - linking[url])
        out.append(Neighbourhood(url, title_of(inp, url), rd.get(url, 0), sorted(linking[url]), new))
    return out


def chart_data(inp: PlanInput, links: list[LinkIdea]) -> Charts:
    from assistant.plan.traffic import traffic_rows

    return Charts(_pagerank(inp, links), _depths(inp, links), _anchors(inp, links), _neighbourhoods(inp, links),
                  traffic_rows(inp, links))
