"""Imported traffic in the plan (:mod:`assistant.traffic`). Pure.

* A new link's impact counts the authority it routes as the larger of the source's referring domains and its
  real traffic (clicks, else views; full at :data:`TRAFFIC_FULL`), and says so: "passes authority from a page
  with 3,100 clicks".
* Striking-distance pages (many impressions at position 4-20) are important pages
  (:func:`assistant.graph.important_pages`), so the plan routes links to them like to any important page.
* The traffic rules' findings become tasks: link from the visited page to the important pages
  (``traffic-page-links-nowhere``), make one page the page for a query and link the others to it with the
  query's words (``query-cannibalisation``).
* The HTML report's clicks-vs-inlinks chart: the pages people visit most, with the in-content links they get
  now and with the plan's links.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from assistant.models import Finding
from assistant.plan.tasks import Task, effort_for, path_of, severity_impact
from assistant.rules.data import AuditData
from assistant.trafficdata import number

if TYPE_CHECKING:                      # plan.links and plan.model import this module
    from assistant.plan.links import LinkIdea
    from assistant.plan.model import PlanInput

TRAFFIC_FULL = 1000.0     # clicks (or views) of a source for full "authority routed"
CHART_PAGES = 10
LISTED = 5


def routed(visits: tuple[float, str] | None) -> float:
    """The authority a source's traffic routes, in [0, 1] (log scale, full at :data:`TRAFFIC_FULL`)."""
    return min(1.0, math.log1p(visits[0]) / math.log1p(TRAFFIC_FULL)) if visits else 0.0


def passes(visits: tuple[float, str] | None) -> str | None:
    return f"passes authority from a page with {number(visits[0])} {visits[1]}" if visits else None


def _listed(urls: list[str]) -> str:
    shown = ", ".join(path_of(u) for u in urls[:LISTED])
    return shown + (f" and {len(urls) - LISTED} more" if len(urls) > LISTED else "")


def links_nowhere(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    url, unit = ev["url"], ev["unit"]
    action = (f"On {path_of(url)} ({number(ev[unit])} {unit}), add in-content links to the important pages it "
              f"relates to — `assistant suggest --from {path_of(url)}` finds the sentences — so its visitors and "
              "authority reach them.")
    return [Task("link-from-traffic-page", [url], action, f.message,
                 severity_impact(f.severity, routed((ev[unit], unit))), effort_for("link-from-traffic-page"),
                 {"findings": [f.rule], "severity": f.severity, **ev})]


def consolidate(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    query, primary = ev["query"], ev["primary"]
    sources = ev["missing_links"] or ev["others"]
    total = sum(p["impressions"] for p in ev["pages"]) or 1.0
    split = 1 - max(p["impressions"] for p in ev["pages"]) / total
    action = (f"Make {path_of(primary)} the page for “{query}”: on {_listed(sources)}, link the words “{query}” (or "
              f"the sentence that covers it) to {path_of(primary)}, and keep each other page on its own angle.")
    return [Task("consolidate-query", [primary, *ev["others"]], action, f.message,
                 severity_impact(f.severity, 2 * split), effort_for("consolidate-query", len(sources)),
                 {"findings": [f.rule], "severity": f.severity, **ev}, anchor=query)]


CONVERTERS = {"traffic-page-links-nowhere": links_nowhere, "query-cannibalisation": consolidate}


def traffic_rows(inp: PlanInput, links: list[LinkIdea]) -> list[tuple[str, str, float, str, int, int]]:
    """(url, title, traffic, unit, in-content inlinks now, after the plan) of the most visited pages."""
    traffic = inp.data.traffic
    volumes = traffic.volumes()
    if not volumes:
        return []
    now: Counter[str] = Counter()
    for source, targets in inp.data.linked.items():
        for t in targets:
            if t != source:
                now[t] += 1
    added = Counter(i.target for i in links)
    top = sorted(volumes, key=lambda u: (-volumes[u], u))[:CHART_PAGES]
    return [(u, inp.data.pages[u].title if u in inp.data.pages else u, volumes[u], traffic.unit, now[u],
             now[u] + added[u]) for u in top]
