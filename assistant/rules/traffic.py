"""Traffic rules (imported Search Console / analytics data, :mod:`assistant.traffic`): a page people arrive on
that sends them nowhere that matters, and several of our pages competing for one search query. Pure.

Without imported traffic neither rule has anything to judge and both find nothing.
"""

from __future__ import annotations

from assistant.models import Finding
from assistant.rules.data import AuditData
from assistant.rules.structure import important_pages
from assistant.trafficdata import QueryStats, number

MIN_QUERY_IMPRESSIONS = 50      # a query seen less often in the period is noise
MIN_PAGE_SHARE = 0.1            # a page with less of the query's impressions is not competing for it
CLEAR_LEAD = 2.0                # the first page is clearly first with this many times the runner-up's impressions
LISTED = 5


def _content_targets(data: AuditData) -> dict[str, set[str]]:
    """source -> the pages its in-content internal links reach (a redirect's final URL counted too)."""
    out: dict[str, set[str]] = {}
    for link in data.links:
        if link.internal and link.placement == "content" and link.source != link.target:
            page = data.pages.get(link.target)
            out.setdefault(link.source, set()).update({link.target, *((page.final_url,) if page and page.final_url
                                                                      else ())})
    return out


def traffic_page_links_nowhere(data: AuditData) -> list[Finding]:
    traffic = data.traffic
    if not traffic:
        return []
    share = data.settings.important_top_share
    articles = {u for u in data.pages if data.live(u) and u not in data.hubs}
    important = set(important_pages(data))
    links = _content_targets(data)
    volumes, unit = traffic.volumes(), traffic.unit
    findings = []
    for url in traffic.top(share, articles):
        reached = links.get(url, set())
        if reached & (important - {url}):
            continue
        n = len(reached)
        findings.append(Finding(
            "traffic-page-links-nowhere", "medium", [url],
            f"{data.title(url)} gets {number(volumes[url])} {unit} ({traffic.period()}; top {share:.0%} of the "
            f"site) but none of its {n} in-content link{'s' if n != 1 else ''} leads to an important page: the "
            "visitors and the authority it gathers stop there.",
            {"url": url, unit: volumes[url], "unit": unit, "period": traffic.period(), "content_links": n,
             "important_pages": len(important - {url})},
            f"Add in-content links from it to the important pages it relates to (`assistant suggest --from {url}` "
            "finds the sentences), so its visitors and authority reach the pages that matter."))
    return findings


def _by_query(data: AuditData) -> dict[str, list[tuple[str, QueryStats]]]:
    out: dict[str, list[tuple[str, QueryStats]]] = {}
    for url, queries in data.traffic.queries.items():
        if data.live(url):
            for q in queries:
                out.setdefault(q.query, []).append((url, q))
    return out


def _strength(q: QueryStats) -> tuple[float, float, float]:
    return q.clicks, q.impressions, -(q.position if q.position is not None else 100.0)


def query_cannibalisation(data: AuditData) -> list[Finding]:
    if not data.traffic.queries:
        return []
    findings = []
    linked = _content_targets(data)
    for query, pages in sorted(_by_query(data).items()):
        total = sum(q.impressions for _, q in pages)
        rivals = sorted(((u, q) for u, q in pages if q.impressions >= MIN_PAGE_SHARE * total),
                        key=lambda x: (-x[1].impressions, x[0]))
        if (total < MIN_QUERY_IMPRESSIONS or len(rivals) < 2
                or rivals[0][1].impressions >= CLEAR_LEAD * rivals[1][1].impressions):
            continue
        primary, best = max(rivals, key=lambda x: (_strength(x[1]), x[0]))
        others = [u for u, _ in rivals if u != primary]
        missing = [u for u in others if primary not in linked.get(u, set())]
        shown = "; ".join(f"{u}: {number(q.impressions)} impressions"
                          + (f", position {q.position:.1f}" if q.position is not None else "")
                          for u, q in rivals[:LISTED])
        findings.append(Finding(
            "query-cannibalisation", "medium", [primary, *others],
            f"{len(rivals)} of our pages share the search impressions of '{query}' and none is clearly first "
            f"({shown}): they compete for the query and split its clicks.",
            {"query": query, "primary": primary, "others": others, "missing_links": missing,
             "pages": [{"url": u, "clicks": q.clicks, "impressions": q.impressions, "position": q.position}
                       for u, q in rivals], "period": data.traffic.period()},
            f"Make {primary} (the stronger page: {number(best.clicks)} clicks) the page "
            f"for '{query}': link to it from {', '.join(missing or others)} with the query's words as the anchor, "
            "and keep the others on their own angle."))
    return findings
