"""One run seen through the audit's records: a :class:`~assistant.store.runs.Snapshot` as
:class:`~assistant.rules.data.AuditData` (graph metrics computed the way :mod:`assistant.store.graphdata` and
:mod:`assistant.rules.load` do for the live workspace, without page text), plus what the diff asks of it. Pure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import urlsplit

from assistant import graph
from assistant.models import Backlink, Finding
from assistant.rules import run_rules
from assistant.rules.data import AuditData, LinkInfo, PageInfo
from assistant.rules.structure import important_pages
from assistant.settings import AuditSettings
from assistant.store.runs import PageState, Snapshot
from assistant.words import iso_date

# the audit rules a stored run can be judged by: they read links, titles, word counts and the graph, never the
# page text or its vectors (broken, redirected and orphan pages have sections of their own)
STRUCTURAL = ("exact-match-anchor-overuse", "important-page-underlinked", "same-anchor-everywhere",
              "anchor-cannibalisation", "too-many-links", "internal-nofollow")


def kind_of(page: PageState | None) -> str:
    """page | redirect | broken | absent | other: what a URL was in a run."""
    if page is None or (page.gone and not (page.status and page.status >= 400)):
        return "absent"
    if page.status == 200 and page.html:
        return "page"
    if page.status is not None and 300 <= page.status < 400:
        return "redirect"
    if (page.status is not None and page.status >= 400) or (page.status is None and page.error not in (None, "robots")):
        return "broken"
    return "other"


def _root(source: str, pages: dict[str, PageState]) -> str | None:
    for url in [source, *(u for u, p in pages.items() if p.status == 200)][:2]:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return None


@dataclass
class RunView:
    snapshot: Snapshot
    data: AuditData

    @property
    def pages(self) -> dict[str, PageState]:
        return self.snapshot.pages

    def kind(self, url: str) -> str:
        return kind_of(self.pages.get(url))

    @cached_property
    def inbound(self) -> dict[str, dict[str, list[LinkInfo]]]:
        """target -> source -> that source's internal links to it (other live pages only)."""
        out: dict[str, dict[str, list[LinkInfo]]] = defaultdict(lambda: defaultdict(list))
        for link in self.data.links:
            if link.internal and link.target != link.source:
                out[link.target][link.source].append(link)
        return out

    @cached_property
    def outbound(self) -> dict[str, list[LinkInfo]]:
        out: dict[str, list[LinkInfo]] = defaultdict(list)
        for link in self.data.links:
            out[link.source].append(link)
        return out

    @cached_property
    def important(self) -> dict[str, list[str]]:
        return important_pages(self.data)

    @cached_property
    def findings(self) -> list[Finding]:
        return run_rules(self.data, STRUCTURAL)

    def has_link(self, source: str, target: str, content: bool = False) -> bool:
        """Does ``source`` link to ``target`` (``content``: in its main content, not in a menu or a sidebar)?"""
        links = self.inbound.get(target, {}).get(source, [])
        return any(link.placement == "content" for link in links) if content else bool(links)


def view(snapshot: Snapshot, settings: AuditSettings, backlinks: list[Backlink], important: set[str],
         today: date) -> RunView:
    pages = snapshot.pages
    indexable = {u: graph.is_indexable(status=p.status, html=p.html, noindex=p.noindex, canonical=p.canonical, url=u)
                 for u, p in pages.items()}
    nodes = [graph.Node(u, p.status, p.final_url, indexable[u], p.in_sitemap, p.nofollow, p.canonical)
             for u, p in pages.items() if not p.gone]
    live = {u for u, p in pages.items() if not p.gone}
    edges = [graph.Edge(u, link.target, link.anchor, link.rel, link.placement)
             for u in sorted(live) for link in pages[u].links if link.internal]
    home = graph.choose_home(nodes, _root(snapshot.source, pages), {u: p.depth for u, p in pages.items()})
    backlinked = {u for u, domains in snapshot.referring.items() if domains}
    metrics = graph.metrics(nodes, edges, home, backlinked, snapshot.complete)
    infos = {u: PageInfo(u, p.title, p.status, p.final_url, p.html, indexable[u], p.words, iso_date(p.published), "",
                         p.in_sitemap) for u, p in pages.items()}
    links = [LinkInfo(u, link.target, link.internal, link.anchor, link.rel, link.placement, "")
             for u in sorted(live) for link in pages[u].links]
    errors = {u: p.error for u, p in pages.items() if p.error}
    referring = {u: len(d) for u, d in snapshot.referring.items()}
    data = AuditData(home, infos, links, metrics, backlinks, referring, errors, settings, snapshot.complete, today,
                     important={u for u in important if u in pages})
    return RunView(snapshot, data)
