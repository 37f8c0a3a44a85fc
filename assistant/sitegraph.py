"""The link graph's records (:class:`Node`, :class:`Edge`) and the rules that read them on both sides of the
store: which page is indexable, where a redirect or canonical leads, which page is home. Pure; below
:mod:`assistant.store` (which builds the nodes) and :mod:`assistant.graph` (which ranks them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    """One URL of the workspace (a page, a redirect, an error)."""

    url: str
    status: int | None
    final_url: str | None = None          # where a redirect ends (a page's own URL otherwise)
    indexable: bool = False               # see is_indexable()
    in_sitemap: bool = False
    nofollow_page: bool = False           # <meta name=robots content=nofollow>: its links are not followed
    canonical: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """One internal link as stored: ``rel`` is space-separated lower case, ``placement`` content|boilerplate."""

    source: str
    target: str
    anchor: str = ""
    rel: str = ""
    placement: str = "content"

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.rel.split()


def is_indexable(*, status: int | None, html: bool, noindex: bool, canonical: str | None, url: str) -> bool:
    """Screaming Frog's "Indexable": a 200 HTML page, not noindex, canonical absent or pointing to itself."""
    return status == 200 and html and not noindex and (not canonical or canonical == url)


def redirect_resolver(nodes: Iterable[Node], *, canonicals: bool = False) -> Callable[[str], str]:
    """A function URL -> where a link to it ends: its redirect chain followed (loops stop), and with
    ``canonicals`` a non-indexable page's canonical to another page too. Unknown URLs map to themselves."""
    by_url = {n.url: n for n in nodes}
    moves: dict[str, str] = {}
    for n in by_url.values():
        if n.status is not None and 300 <= n.status < 400 and n.final_url and n.final_url != n.url:
            moves[n.url] = n.final_url
        elif canonicals and n.canonical and n.canonical != n.url and not n.indexable and n.canonical in by_url:
            moves[n.url] = n.canonical
    done: dict[str, str] = {}

    def resolve(url: str) -> str:
        if url not in moves:
            return url
        if url not in done:
            seen, end = {url}, url
            while (nxt := moves.get(end)) is not None and nxt not in seen:
                seen.add(nxt)
                end = nxt
            done[url] = end
        return done[url]

    return resolve


def choose_home(nodes: Iterable[Node], root: str | None, crawl_depth: Mapping[str, int | None]) -> str | None:
    """The home page: ``root`` (the site root URL, redirects followed) when it is a 200 page, else the
    shallowest 200 page by crawl depth (then the shortest URL); None for a workspace without pages."""
    nodes = list(nodes)
    pages = {n.url for n in nodes if n.status == 200}
    if root is not None and (home := redirect_resolver(nodes)(root)) in pages:
        return home
    if not pages:
        return None
    return min(pages, key=lambda u: (d if (d := crawl_depth.get(u)) is not None else math.inf, len(u), u))
