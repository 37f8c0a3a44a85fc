"""Traffic questions in chat and Slack, answered from the imported Search Console / analytics data
(:mod:`assistant.traffic`) with citations: "which pages get traffic but link nowhere?" (the
``traffic-page-links-nowhere`` findings), "what queries does /x/ rank for?" (the page's queries), "which pages
are almost on page one?" (striking distance), and otherwise the most visited pages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.trafficdata import QueryStats, number, striking_distance

if TYPE_CHECKING:                        # facts imports this module's handler lazily
    from assistant.chain.facts import Facts, Workspace
    from assistant.chain.intent import Route

LISTED = 5
NOWHERE = re.compile(r"\b(link(s|ing)? )?nowhere\b|\bdead[- ]ends?\b|\bno (internal )?links?\b|\blinks? to nothing\b",
                     re.I)
QUERIES = re.compile(r"\bquer(y|ies)\b|\bkeywords?\b|\brank(s|ing)?\b|\bsearch terms?\b", re.I)
NEAR = re.compile(r"\bpage (one|1)\b|\bfirst page\b|\bstriking\b|\balmost\b|\bclose to\b|\bnear(ly)?\b", re.I)
NONE = ("No traffic is imported for this workspace: run `assistant traffic import FILE` with a Search Console "
        "export (zip or CSV), a Search Analytics API JSON or an analytics (GA4, Matomo, Plausible) CSV.")


def answer(ws: Workspace, route: Route, question: str, facts: Facts) -> None:
    traffic = ws.data.traffic
    if not traffic:
        facts.sheet.append(NONE)
        facts.fallback = NONE
        return
    if NOWHERE.search(question):
        _nowhere(ws, facts)
    elif route.pages and QUERIES.search(question):
        _queries(ws, route.pages[0], facts)
    elif NEAR.search(question):
        _near(ws, facts)
    else:
        _top(ws, facts)
    facts.fallback = "\n".join(facts.sheet)


def _visits(ws: Workspace, url: str) -> str:
    visits = ws.data.traffic.visits(url)
    return f"{number(visits[0])} {visits[1]}" if visits else "no recorded traffic"


def _nowhere(ws: Workspace, facts: Facts) -> None:
    found = [f for f in ws.findings if f.rule == "traffic-page-links-nowhere"]
    if not found:
        facts.sheet.append("Every one of the most visited pages links in its content to at least one important "
                           f"page ({ws.data.traffic.period()}).")
        return
    verb, their = ("links", "its") if len(found) == 1 else ("link", "their")
    facts.sheet.append(f"{len(found)} of the most visited pages {verb} to no important page in {their} content "
                       f"({ws.data.traffic.period()}):")
    for f in found[:LISTED]:
        url = f.urls[0]
        n = facts.cite(url, ws.title(url), ws.text(url))
        facts.sheet.append(f"- [{n}] \"{ws.title(url)}\": {_visits(ws, url)}, {f.evidence.get('content_links', 0)} "
                           f"in-content links, none to an important page. Fix: `assistant suggest --from {url}`.")
    facts.findings = found[:LISTED]


def _query_line(q: QueryStats) -> str:
    where = f"position {q.position:.1f}, " if q.position is not None else ""
    return f"'{q.query}' ({where}{number(q.impressions)} impressions, {number(q.clicks)} clicks)"


def _queries(ws: Workspace, url: str, facts: Facts) -> None:
    n = facts.cite(url, ws.title(url), ws.text(url))
    queries = ws.data.traffic.queries.get(url, [])
    if not queries:
        facts.sheet.append(f"The imported exports name no search query for [{n}] \"{ws.title(url)}\" (import a "
                           "Search Analytics API JSON or bulk export with page and query).")
        return
    facts.sheet.append(f"[{n}] \"{ws.title(url)}\" is shown in search for {len(queries)} "
                       f"quer{'ies' if len(queries) != 1 else 'y'} ({ws.data.traffic.period()}), the most seen first:")
    facts.sheet.extend(f"- {_query_line(q)}" for q in queries[:LISTED])


def _near(ws: Workspace, facts: Facts) -> None:
    near = striking_distance(ws.data.traffic.search())
    if not near:
        facts.sheet.append("No page has 100+ impressions at an average position of 4-20 in the imported data.")
        return
    facts.sheet.append(f"{len(near)} pages are almost on page one (average position 4-20 with 100+ impressions, "
                       f"{ws.data.traffic.period()}); a few more internal links to them can move them up:")
    for url, (impressions, position) in sorted(near.items(), key=lambda x: (-x[1][0], x[0]))[:LISTED]:
        n = facts.cite(url, ws.title(url), ws.text(url))
        facts.sheet.append(f"- [{n}] \"{ws.title(url)}\": position {position:.1f}, {number(impressions)} "
                           f"impressions. Links for it: `assistant suggest --to {url}`.")


def _top(ws: Workspace, facts: Facts) -> None:
    traffic = ws.data.traffic
    volumes = traffic.volumes()
    facts.sheet.append(f"The most visited pages by {traffic.unit} ({traffic.period()}):")
    for url in sorted(volumes, key=lambda u: (-volumes[u], u))[:LISTED]:
        n = facts.cite(url, ws.title(url), ws.text(url))
        facts.sheet.append(f"- [{n}] \"{ws.title(url)}\": {_visits(ws, url)}")
