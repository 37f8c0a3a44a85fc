"""Traffic records: what an export's rows say (:class:`Row`, :class:`Export`) and what the engines read
(:class:`Traffic`: per page clicks, impressions, position, views; per page its search queries), and
:func:`matcher`, from an export's URLs and paths to workspace pages. Pure; below :mod:`assistant.store` (which
keeps the rows and sums them per page) and the engines (:mod:`assistant.traffic` reads the exports).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field

from assistant.urls import normalize

# what each kind of export measures; the engines read the latest import of each
DATASETS = ("pages", "queries", "page-queries", "analytics")
STRIKING = (4.0, 20.0)            # average positions from which a few more internal links can reach page one
STRIKING_MIN_IMPRESSIONS = 100    # … for a page seen this often in the period


@dataclass(frozen=True)
class Row:
    """One row of an export: a page, a query, or a page × query pair, with the metrics the file has."""

    line: int                       # the file's line (the JSON rows' index + 1)
    url: str = ""                   # as the file writes it: absolute URL or site path
    query: str = ""
    clicks: float | None = None
    impressions: float | None = None
    position: float | None = None   # average position, 1 = top
    views: float | None = None
    sessions: float | None = None


@dataclass
class Export:
    """One table of a file (a zip holds several): its layout, rows and the period it covers."""

    name: str                       # file name, or "file.zip:Pages.csv"
    layout: str                     # layout id (gsc-pages, gsc-api, ga4-pages, …)
    label: str
    dataset: str                    # one of DATASETS, or "" for a part that only tells the period
    rows: list[Row] = field(default_factory=list)
    period: tuple[str, str] | None = None        # ISO start and end dates
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    read: int = 0                   # rows in the file (before skipping)


@dataclass(frozen=True)
class PageStats:
    clicks: float | None = None
    impressions: float | None = None
    position: float | None = None
    views: float | None = None
    sessions: float | None = None

    @property
    def visits(self) -> tuple[float, str] | None:
        """(number, unit) of the page's traffic: search clicks, else analytics views, else sessions."""
        for value, unit in ((self.clicks, "clicks"), (self.views, "views"), (self.sessions, "sessions")):
            if value:
                return value, unit
        return None


@dataclass(frozen=True)
class QueryStats:
    query: str
    clicks: float
    impressions: float
    position: float | None


@dataclass
class Traffic:
    """The workspace's traffic as the engines use it (latest import of each dataset)."""

    pages: dict[str, PageStats] = field(default_factory=dict)          # workspace URL -> its numbers
    queries: dict[str, list[QueryStats]] = field(default_factory=dict)  # workspace URL -> its queries, most seen first
    periods: dict[str, tuple[str, str] | None] = field(default_factory=dict)   # dataset -> period

    def __bool__(self) -> bool:
        return bool(self.pages or self.queries)

    def visits(self, url: str) -> tuple[float, str] | None:
        stats = self.pages.get(url)
        return stats.visits if stats is not None else None

    @property
    def unit(self) -> str:
        """What the engines rank pages' traffic by: search clicks when the site has them, else analytics views."""
        return "clicks" if any(s.clicks for s in self.pages.values()) else "views"

    def volumes(self) -> dict[str, float]:
        """URL -> its traffic in :attr:`unit` (pages with some only)."""
        unit = self.unit
        return {u: v for u, s in self.pages.items() if (v := getattr(s, unit) or 0.0) > 0}

    def top(self, share: float, among: Container[str]) -> list[str]:
        """The pages of ``among`` in the top ``share`` by traffic (at least one when any has traffic), most first."""
        volumes = {u: v for u, v in self.volumes().items() if u in among}
        ranked = sorted(volumes, key=lambda u: (-volumes[u], u))
        return ranked[:max(1, int(len(ranked) * share))]

    def search(self) -> dict[str, tuple[float, float]]:
        """URL -> (impressions, average position) of the pages search data covers."""
        return {u: (s.impressions, s.position) for u, s in self.pages.items()
                if s.impressions and s.position is not None}

    def period(self) -> str:
        """The period the numbers cover, in words ("2026-09-01 to 2026-11-30", or "the exports' period")."""
        known = sorted({p for p in self.periods.values() if p})
        if not known:
            return "the exports' period"
        return f"{min(p[0] for p in known)} to {max(p[1] for p in known)}"


def merged(rows: Iterable[tuple[str, Row]]) -> tuple[dict[str, PageStats], dict[str, list[QueryStats]]]:
    """Per page totals and per page queries from (url, row) pairs: clicks, impressions, views and sessions are
    summed; position is averaged weighted by impressions (as Search Console averages it)."""
    sums: dict[str, list[float]] = {}
    weighted: dict[str, list[float]] = {}
    queries: dict[tuple[str, str], list[float]] = {}
    seen: dict[str, set[str]] = {}
    for url, r in rows:
        s = sums.setdefault(url, [0.0, 0.0, 0.0, 0.0])
        for i, v in enumerate((r.clicks, r.impressions, r.views, r.sessions)):
            s[i] += v or 0.0
        seen.setdefault(url, set()).update(n for n, v in zip(("clicks", "impressions", "views", "sessions"),
                                                             (r.clicks, r.impressions, r.views, r.sessions),
                                                             strict=True) if v is not None)
        if r.position is not None and r.impressions:
            w = weighted.setdefault(url, [0.0, 0.0])
            w[0] += r.position * r.impressions
            w[1] += r.impressions
        if r.query:
            q = queries.setdefault((url, r.query.lower()), [0.0, 0.0, 0.0, 0.0])
            q[0] += r.clicks or 0.0
            q[1] += r.impressions or 0.0
            if r.position is not None and r.impressions:
                q[2] += r.position * r.impressions
                q[3] += r.impressions
    pages = {}
    for url, (clicks, impressions, views, sessions) in sums.items():
        has = seen[url]
        pw = weighted.get(url)
        pages[url] = PageStats(clicks if "clicks" in has else None, impressions if "impressions" in has else None,
                               pw[0] / pw[1] if pw and pw[1] else None, views if "views" in has else None,
                               sessions if "sessions" in has else None)
    by_page: dict[str, list[QueryStats]] = {}
    for (url, query), (clicks, impressions, pos, weight) in queries.items():
        by_page.setdefault(url, []).append(QueryStats(query, clicks, impressions, pos / weight if weight else None))
    for found in by_page.values():
        found.sort(key=lambda q: (-q.impressions, -q.clicks, q.query))
    return pages, by_page


def striking_distance(search: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Pages seen often (``STRIKING_MIN_IMPRESSIONS``) at an average position of 4-20: just off page one."""
    low, high = STRIKING
    return {u: (imp, pos) for u, (imp, pos) in search.items()
            if imp >= STRIKING_MIN_IMPRESSIONS and low <= pos <= high}


def number(value: float) -> str:
    """1240.0 -> "1,240"; 8.34 -> "8.3"."""
    return f"{value:,.0f}" if float(value).is_integer() or value >= 100 else f"{value:,.1f}"


# ---------------------------------------------------------------------------------------------- matching
def matcher(lookup: Callable[[str], str], resolve: Callable[[str], str],
            pages: Container[str]) -> Callable[[str], str | None]:
    """A function from an export's URL or path to the workspace page it means (None: not a page of ours),
    matched the way links are.

    ``lookup`` maps a URL or a site path onto a stored URL as backlink targets are (scheme, ``www.`` and the
    trailing slash aside: :class:`assistant.store.backlinks.Targets`); ``resolve`` follows redirects and canonicals
    (:func:`assistant.sitegraph.redirect_resolver`). A URL with a query string or fragment that matches no page is
    tried again without it (analytics tools report ``/x/?utm_source=…`` as its own row).
    """
    done: dict[str, str | None] = {}

    def match(raw: str) -> str | None:
        if raw not in done:
            done[raw] = _match(raw.strip(), lookup, resolve, pages)
        return done[raw]

    return match


def _match(text: str, lookup: Callable[[str], str], resolve: Callable[[str], str],
           pages: Container[str]) -> str | None:
    if not text or any(c.isspace() for c in text):
        return None
    if "://" not in text and not text.startswith("/"):
        text = "/" + text                   # Matomo's labels and Plausible's names may lack the leading slash
    bare = text.split("#", 1)[0].split("?", 1)[0]
    for candidate in dict.fromkeys((text, bare)):
        absolute = candidate if candidate.startswith("/") else normalize(candidate) or candidate
        url = lookup(absolute)
        if url.startswith("/"):
            return None                     # a path, and the workspace has no pages to join it with
        for found in (url, resolve(url)):
            if found in pages:
                return found
    return None
