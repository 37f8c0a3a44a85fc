"""Tasks: the plan's records, their stable ids, impact and effort scales, deduplication and priority. Pure.

A task is ``{"id", "priority", "type", "pages", "action", "why", "impact", "effort", "evidence"}``:

* ``impact`` (0-100) is what the change is worth, estimated from the data. For a finding it starts from the
  finding's severity (:data:`SEVERITY_IMPACT`) and moves by up to ±25 % with how much of the problem there is
  (links broken, share of one anchor, how far over a limit, ...); for a new link it blends the target's
  PageRank gain, the referring domains of the source (the authority routed) and the suggestion's score
  (see :mod:`assistant.plan.links`).
* ``effort`` (1-5) comes from the kind of change (:data:`EFFORT`): 1 = edit one sentence on one page,
  2 = a few edits on one or two pages, 3 = edits on several pages or a section to rewrite, 4 = a change of
  policy or of many pages, 5 = work with other sites. Edits spread over more than 5 (20) pages add 1 (2).
* ``priority``: 1 = first. Tasks are ordered by impact / effort, highest first; at the same ratio the one
  with less effort first (quick wins), then the higher impact.
* ``id``: ``t-`` and 8 hex digits of a hash of the type, the pages' paths and the anchor, so the same task
  keeps its id across runs (and across hosts: a staging copy of the site gives the same ids).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

SEVERITY_IMPACT = {"high": 70.0, "medium": 40.0, "low": 20.0}
EFFORT = {
    "add-internal-link": 1, "link-orphan": 1, "fix-redirected-link": 1, "remove-nofollow": 1,
    "fix-broken-link": 1, "fix-irrelevant-link": 1, "link-important-page": 2, "diversify-anchors": 2,
    "disambiguate-anchor": 2, "avoid-link": 3, "reduce-links": 3, "refresh-old-content": 3, "review-finding": 2,
    "outreach": 5, "link-from-traffic-page": 2, "consolidate-query": 2,
}
# every audit rule maps to one task type (assistant.plan.findings builds the tasks)
RULE_TASK = {
    "paid-link": "avoid-link",
    "irrelevant-link": "fix-irrelevant-link",          # a backlink from an unrelated site: avoid-link
    "exact-match-anchor-overuse": "diversify-anchors",
    "important-page-underlinked": "link-important-page",
    "orphan-page": "link-orphan",
    "same-anchor-everywhere": "diversify-anchors",
    "anchor-cannibalisation": "disambiguate-anchor",
    "forgotten-old-content": "refresh-old-content",
    "too-many-links": "reduce-links",
    "broken-internal-link": "fix-broken-link",
    "redirected-internal-link": "fix-redirected-link",
    "internal-nofollow": "remove-nofollow",
    "traffic-page-links-nowhere": "link-from-traffic-page",
    "query-cannibalisation": "consolidate-query",
}
TASK_TYPES = tuple(EFFORT)


def path_of(url: str) -> str:
    """The URL's path and query ("/blog/x/"), what people recognise and what ids are made of."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def task_id(kind: str, pages: Iterable[str], anchor: str = "") -> str:
    key = "\n".join([kind, *sorted(path_of(p) for p in pages), anchor])
    return "t-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def effort_for(kind: str, pages_to_edit: int = 1) -> int:
    base = EFFORT.get(kind, 2)
    extra = 2 if pages_to_edit > 20 else 1 if pages_to_edit > 5 else 0
    return min(5, base + extra)


def severity_impact(severity: str, amount: float) -> float:
    """The severity's impact moved by ±25 % with ``amount`` in [0, 1] (how much of the problem there is)."""
    amount = min(1.0, max(0.0, amount))
    return round(SEVERITY_IMPACT.get(severity, 20.0) * (0.75 + 0.5 * amount), 1)


@dataclass
class Task:
    type: str
    pages: list[str]
    action: str
    why: str
    impact: float
    effort: int
    evidence: dict[str, Any] = field(default_factory=dict)
    anchor: str = ""                 # part of the id of link tasks
    priority: int = 0
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = task_id(self.type, self.pages, self.anchor)

    @property
    def ratio(self) -> float:
        return self.impact / max(self.effort, 1)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "priority": self.priority, "type": self.type, "pages": self.pages,
                "action": self.action, "why": self.why, "impact": self.impact, "effort": self.effort,
                "evidence": self.evidence}


def merge(a: Task, b: Task) -> Task:
    """One task for two that name the same change: the stronger one, with both findings in its evidence."""
    keep, other = (a, b) if (a.impact, -a.effort) >= (b.impact, -b.effort) else (b, a)
    rules = sorted(set(keep.evidence.get("findings", [])) | set(other.evidence.get("findings", [])))
    if rules:
        keep.evidence["findings"] = rules
    if other.why and other.why not in keep.why:
        keep.why = f"{keep.why} {other.why}"
    return keep


def dedupe(tasks: Iterable[Task]) -> list[Task]:
    """Tasks with the same id (same type, pages and anchor) become one (see :func:`merge`)."""
    out: dict[str, Task] = {}
    for t in tasks:
        out[t.id] = merge(out[t.id], t) if t.id in out else t
    return list(out.values())


# link fixes that one page needs many times over become one task for that page ("On /requirements.html, fix the
# 424 broken links …"): one editor, one page, one task, instead of hundreds of rows that bury the rest of the plan
# kind -> (what the targets are, how to fix each link, what it costs)
GROUPED = {
    "fix-broken-link": ("broken", "point each to the live page that replaced its target, or remove it; where the "
                        "targets are a section that was never published, remove or rewrite that section's links.",
                        "do not exist: visitors hit dead ends and the links pass no value."),
    "fix-redirected-link": ("redirecting", "point each straight at its final URL.",
                            "redirect: every click and crawl takes an extra hop."),
}
GROUP_AT = 10
LISTED_TARGETS = 5


def group_by_page(tasks: list[Task]) -> list[Task]:
    """Link-fix tasks (see :data:`GROUPED`) about one source page and one target each, grouped per source page
    when the page has :data:`GROUP_AT` or more of them; other tasks pass through."""
    per_page: dict[tuple[str, str], list[Task]] = {}
    for t in tasks:
        sources = t.evidence.get("sources", [])
        if t.type in GROUPED and len(sources) == 1:
            per_page.setdefault((t.type, str(sources[0])), []).append(t)
    groups = {key: group for key, group in sorted(per_page.items()) if len(group) >= GROUP_AT}
    grouped = {id(t) for group in groups.values() for t in group}
    out = [t for t in tasks if id(t) not in grouped]
    for (kind, source), group in groups.items():
        what, fix, cost = GROUPED[kind]
        targets = [str(t.evidence["target"]) for t in group]
        links = sum(int(t.evidence.get("links", 1)) for t in group)
        shown = ", ".join(path_of(u) for u in targets[:LISTED_TARGETS])
        more = f" and {len(targets) - LISTED_TARGETS} more" if len(targets) > LISTED_TARGETS else ""
        action = f"On {path_of(source)}, fix the {links} {what} links to {len(targets)} pages ({shown}{more}): {fix}"
        why = f"{links} internal links on {path_of(source)} point to {len(targets)} pages that {cost}"
        best = max(group, key=lambda t: t.impact)
        impact = round(min(100.0, best.impact * (1 + 0.1 * math.log2(len(group)))), 1)    # more links, more worth
        out.append(Task(kind, [source, *targets], action, why, impact, min(5, effort_for(kind) + 1),
                        {"findings": sorted({r for t in group for r in t.evidence.get("findings", [])}),
                         "severity": best.evidence.get("severity"), "source": source, "targets": targets,
                         "links": links}))
    return out


def prioritise(tasks: Iterable[Task]) -> list[Task]:
    """Sorted by impact / effort (quick wins first) with ``priority`` 1, 2, ... set."""
    order = {kind: i for i, kind in enumerate(TASK_TYPES)}
    ranked = sorted(tasks, key=lambda t: (-round(t.ratio, 6), t.effort, -t.impact, order.get(t.type, 99), t.id))
    for i, t in enumerate(ranked, 1):
        t.priority = i
    return ranked


def outreach_tasks(rows: Iterable[dict[str, Any]] | None = None) -> list[Task]:
    """The hook for ``assistant outreach``: prospect rows become ``outreach`` tasks.

    A row is ``{"prospect_url", "target_url", "reason", "score" (0-1), "contact"?, "pitch"?}``; the plan
    passes none today (outreach is built separately), so this returns ``[]`` until a caller hands it rows.
    """
    tasks = []
    for row in rows or ():
        prospect, target = str(row.get("prospect_url", "")), str(row.get("target_url", ""))
        if not prospect or not target:
            continue
        score = float(row.get("score", 0.5) or 0.0)
        host = urlsplit(prospect).hostname or prospect
        pitch = str(row.get("pitch") or "")
        tasks.append(Task(
            "outreach", [target, prospect],
            f"Contact {host} ({row.get('contact') or prospect}) and offer {path_of(target)} as a resource for "
            f"{prospect}" + (f": {pitch}" if pitch else ".") + " Never pay for the link or trade links.",
            str(row.get("reason") or f"{host} writes about the topic of {path_of(target)}."),
            round(100 * min(1.0, max(0.0, score)), 1), effort_for("outreach"),
            {"prospect": dict(row)}))
    return tasks
