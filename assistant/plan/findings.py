"""Audit findings -> tasks, one converter per rule (see :data:`assistant.plan.tasks.RULE_TASK`). Pure.

Each converter turns a :class:`~assistant.models.Finding` into concrete tasks: which page to edit, which links
or anchors, what to do. Rules whose fix is a new link (orphan-page, important-page-underlinked,
forgotten-old-content) get their link tasks from :mod:`assistant.plan.links`; the tasks here are what is left
when no suitable sentence was found (or, for a deep page, the hub link it needs).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from assistant.models import Finding
from assistant.plan.tasks import RULE_TASK, Task, effort_for, path_of, severity_impact
from assistant.plan.traffic import CONVERTERS as TRAFFIC_CONVERTERS
from assistant.rules.data import AuditData, norm_anchor

LISTED = 5          # pages named in one action before "and N more"


def pages_list(urls: list[str], limit: int = LISTED) -> str:
    shown = ", ".join(path_of(u) for u in urls[:limit])
    return shown + (f" and {len(urls) - limit} more" if len(urls) > limit else "")


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[:limit - 1].rstrip() + '…'}”"


def _base(f: Finding, kind: str, pages: list[str], action: str, impact: float, edits: int = 1,
          anchor: str = "", **evidence: object) -> Task:
    return Task(kind, pages, action, f.message, impact, effort_for(kind, edits),
                {"findings": [f.rule], "severity": f.severity, **f.evidence, **evidence}, anchor=anchor)


def paid(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    if "domain" in ev:        # backlinks from a domain that sells links
        targets = sorted({x["target"] for x in ev.get("examples", []) if x.get("target")})
        action = (f"Ask {ev['domain']} to remove its {ev['backlinks']} link(s)"
                  + (f" to {pages_list(targets)}" if targets else "")
                  + " or to mark them rel=sponsored; if they refuse, disavow the domain. Do not buy or trade links.")
        return [Task("avoid-link", [f"https://{ev['domain']}/", *targets], action, f.message,
                     severity_impact(f.severity, ev["backlinks"] / 5), effort_for("avoid-link"),
                     {"findings": [f.rule], "severity": f.severity, **ev}, anchor=ev["domain"])]
    url = ev["url"]
    return [_base(f, "avoid-link", [url], f"On {path_of(url)}, remove the paid links or mark each one "
                  f"rel=sponsored, and take down any link-selling offer ({'; '.join(ev['signals'][:2])}).",
                  severity_impact(f.severity, len(ev["signals"]) / 3))]


def irrelevant(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    source, target = ev["source"], ev["target"]
    closeness = 1 - max(0.0, ev["similarity"]) / ev["threshold"] if ev["threshold"] > 0 else 1.0
    if source not in data.pages:      # a backlink from a page about something else: no edit, a lesson
        host = (urlsplit(source).hostname or source).removeprefix("www.")
        return [Task("avoid-link", [f"https://{host}/", target],
                     f"Leave the link from {source} to {path_of(target)} alone (unless it is also paid), and spend "
                     f"outreach on sites about your topic rather than sites like {host}.", f.message,
                     severity_impact(f.severity, closeness), 1, {"findings": [f.rule], **ev}, anchor=host)]
    sentence = next((x.sentence for x in data.links if x.source == source and x.target == target and x.sentence), "")
    where = f", in the sentence {_quote(sentence)}," if sentence else ""
    return [_base(f, "fix-irrelevant-link", [source, target],
                  f"On {path_of(source)}{where} the link “{ev['anchor']}” to {path_of(target)} joins unrelated pages: "
                  "point it to a page on the sentence's topic, or remove it.",
                  severity_impact(f.severity, closeness), anchor=ev["anchor"])]


def exact_match(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    target = ev["target"]
    top = max(ev["top_anchors"].items(), key=lambda x: x[1])[0] if ev.get("top_anchors") else ""
    return [_base(f, "diversify-anchors", [target],
                  f"Stop asking for the anchor “{top}” when you earn links to {path_of(target)}: let linking sites "
                  "choose their words, or suggest your brand name or the URL. New internal links in this plan avoid "
                  "the page's exact-match phrases.",
                  severity_impact(f.severity, ev["share"] / 0.5), anchor=top)]


def same_anchor(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    target, anchor = ev["target"], ev["anchor"]
    key = norm_anchor(anchor)
    using = sorted({x.source for x in data.links if x.target == target and x.internal and x.placement == "content"
                    and norm_anchor(x.anchor) == key})
    share = data.settings.same_anchor_share
    change = max(1, ev["uses"] - math.floor(share * ev["content_inlinks"]))
    others = [a for a in ev.get("anchors", {}) if a != key][:3]
    alt = ", ".join(f"“{a}”" for a in others) or f"words from the page's title “{data.title(target)}”"
    return [_base(f, "diversify-anchors", [target, *using],
                  f"Rewrite {change} of the {ev['uses']} links to {path_of(target)} that say “{anchor}” — on "
                  f"{pages_list(using)} — with other natural words from their sentences (e.g. {alt}).",
                  severity_impact(f.severity, ev["share"]), edits=change, anchor=anchor, pages_using_anchor=using)]


def cannibal(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    anchor = ev["anchor"]
    targets = list(ev["targets"])
    keep, rest = targets[0], targets[1:]
    key = norm_anchor(anchor)
    sources = sorted({x.source for x in data.links if x.internal and x.placement == "content"
                      and norm_anchor(x.anchor) == key and x.target in rest})
    return [_base(f, "disambiguate-anchor", targets,
                  f"Keep “{anchor}” for {path_of(keep)}; on {pages_list(sources) or 'the pages that use it'}, give "
                  f"the links to {pages_list(rest)} anchors that describe those pages (e.g. "
                  + "; ".join(f"“{data.title(u)}”" for u in rest[:2]) + ").",
                  severity_impact(f.severity, len(targets) / 4), edits=len(sources), anchor=anchor)]


def underlinked(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    url = ev["url"]
    deep = ev["depth"] is None or ev["depth"] > ev["max_depth"]
    hub = data.site or "the home page"
    if deep:
        action = (f"Link {path_of(url)} from the home page or a hub page such as {path_of(hub)} so it is within "
                  f"{ev['max_depth']} clicks of the home page (it is "
                  + ("unreachable" if ev["depth"] is None else f"{ev['depth']} clicks deep") + "), and add in-content "
                  "links to it from related pages.")
    else:
        action = (f"Add in-content links to {path_of(url)} from related, well-linked pages (it has "
                  f"{ev['content_inlinks']}; aim for at least {ev['min_content_inlinks']}).")
    return [_base(f, "link-important-page", [url], action,
                  severity_impact(f.severity, 1 - ev["content_inlinks"] / max(ev["min_content_inlinks"], 1)))]


def orphan(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    url = ev["url"]
    rd = ev.get("referring_domains", 0)
    return [_base(f, "link-orphan", [url],
                  f"Link {path_of(url)} from a related page and from its category or hub page; if it is obsolete, "
                  "301-redirect it to the page that replaced it.",
                  severity_impact(f.severity, math.log1p(rd) / math.log1p(20)))]


def forgotten(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    url = ev["url"]
    newer, score = max(ev["related_newer"].items(), key=lambda x: x[1])
    return [_base(f, "refresh-old-content", [url, newer],
                  f"Link {path_of(url)} (published {ev['published']}) from {path_of(newer)} where its topic comes up "
                  "(similarity " f"{score:.2f}), and update {path_of(url)} if its facts have changed.",
                  severity_impact(f.severity, score))]


def too_many(f: Finding, data: AuditData) -> list[Task]:
    ev = f.evidence
    url = f.urls[0]
    limit = ev["limit"]
    words = ev["words"] or 0
    dense_max = math.floor(data.settings.content_links_per_100_words * words / 100)
    cut = max(ev["links"] - limit, ev["content_links"] - dense_max if ev["content_links"] >= 20 else 0, 1)
    over = max(ev["links"] / limit, ev["content_links_per_100_words"] / data.settings.content_links_per_100_words)
    return [_base(f, "reduce-links", [url],
                  f"On {path_of(url)}, remove at least {cut} of its {ev['links']} links ({ev['content_links']} in the "
                  "text): keep the ones that help the reader, move long link lists to a hub page and drop repeated "
                  "links to the same page.", severity_impact(f.severity, over - 1))]


def _sources_action(verb: str, ev: dict[str, Any], target: str, tail: str) -> str:
    sources = [str(u) for u in ev.get("sources", [])]
    return f"{verb} the {ev['links']} link(s) to {path_of(target)} on {pages_list(sources)}{tail}"


def _link_fix(kind: str, verb: str, tail: Callable[[dict[str, Any]], str],
              per: float) -> Callable[[Finding, AuditData], list[Task]]:
    """A converter for a finding about links to one target on several pages: "<verb> the N link(s) to /x on
    /a, /b<tail>", impact growing with the number of links (``per`` links = one step)."""
    def build(f: Finding, data: AuditData) -> list[Task]:
        ev = f.evidence
        action = _sources_action(verb, ev, ev["target"], tail(ev))
        return [_base(f, kind, f.urls, action, severity_impact(f.severity, ev["links"] / per),
                      edits=len(ev["sources"]))]
    return build


def _broken_tail(ev: dict[str, Any]) -> str:
    what = f"HTTP {ev['status']}" if ev.get("status") else str(ev.get("error"))
    return (f" ({what}): point them to the live page that replaced it, or restore {path_of(ev['target'])} or "
            "301-redirect it to the closest live page.")


broken = _link_fix("fix-broken-link", "Fix", _broken_tail, 10)
redirected = _link_fix("fix-redirected-link", "Change", lambda ev: f" (it redirects with {ev['status']}) to point "
                       f"straight at {path_of(ev['final_url'])}.", 20)
nofollow = _link_fix("remove-nofollow", "Remove rel=nofollow from", lambda ev: "; if the page should stay out of "
                     "search results, give it noindex instead.", 10)


def generic(f: Finding, data: AuditData) -> list[Task]:
    """A rule this module does not know yet: its own fix text, as a task to review."""
    return [_base(f, "review-finding", f.urls[:10], f.fix, severity_impact(f.severity, 0.5), anchor=f.rule)]


CONVERTERS: dict[str, Callable[[Finding, AuditData], list[Task]]] = {
    "paid-link": paid, "irrelevant-link": irrelevant, "exact-match-anchor-overuse": exact_match,
    "important-page-underlinked": underlinked, "orphan-page": orphan, "same-anchor-everywhere": same_anchor,
    "anchor-cannibalisation": cannibal, "forgotten-old-content": forgotten, "too-many-links": too_many,
    "broken-internal-link": broken, "redirected-internal-link": redirected, "internal-nofollow": nofollow,
    **TRAFFIC_CONVERTERS,
}
assert set(CONVERTERS) == set(RULE_TASK)


def finding_tasks(f: Finding, data: AuditData) -> list[Task]:
    """The finding's tasks; a finding whose evidence lacks what its converter reads (a rule changed) falls back to
    :func:`generic` rather than stopping the plan."""
    try:
        return CONVERTERS.get(f.rule, generic)(f, data)
    except (KeyError, TypeError, ValueError, IndexError):
        return generic(f, data)
