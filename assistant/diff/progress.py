"""Plan progress: which tasks of the last plan written the newest run shows done, still open, or moot. Pure.

A planned link is done when its source page links to its target (directly or through a redirect to it); a
broken or redirected link task when none of its pages links to a failing target any more; an orphan task when
the page has inlinks; a task of a structural audit rule when the rule no longer fires on its page. Tasks about
page text (paid or irrelevant links, old content) and outreach stay open: a crawl cannot tell. A task whose
page is gone is moot.
"""

from __future__ import annotations

from typing import Any

from assistant.diff.view import STRUCTURAL, RunView
from assistant.models import Finding

FAILING = {"broken-internal-link": "broken", "redirected-internal-link": "redirect"}


def task_status(task: dict[str, Any], b: RunView, a: RunView | None = None) -> tuple[str, str]:
    """(done | open | moot, why) of one task (a plan's JSON task) in run ``b``; ``a`` is the run the plan was made
    from (a structural finding's task is judged only when that run shows the finding)."""
    ev: dict[str, Any] = task.get("evidence") or {}
    pages = [str(p) for p in task.get("pages") or []]
    edited = str(ev.get("source") or (ev.get("sources") or pages or [""])[0])     # the page the task edits
    if edited in b.pages and b.kind(edited) != "page":
        return "moot", f"{edited} is no longer a page ({b.kind(edited)})"
    rules = list(ev.get("findings") or [])
    if "sentence" in ev and ev.get("target"):
        return _planned_link(edited, str(ev["target"]), b)
    for rule in rules:
        if rule in FAILING:
            return _failing_links(ev, b, FAILING[rule])
    if "orphan-page" in rules:
        url = str(ev.get("url") or edited)
        m = b.data.metrics.get(url)
        return ("open", "still an orphan") if m is None or m.orphan else ("done", f"{url} has inlinks now")
    judged = [r for r in rules if r in STRUCTURAL]
    if judged and len(judged) == len(rules) and a is not None and _firing(a, judged, pages):
        firing = _firing(b, judged, pages)
        return ("open", f"{firing[0].rule} still fires") if firing else ("done", f"{', '.join(judged)} no longer fires")
    return "open", "a crawl cannot tell" if rules or task.get("type") == "outreach" else "not judged"


def _firing(view: RunView, rules: list[str], pages: list[str]) -> list[Finding]:
    return [f for f in view.findings if f.rule in rules and f.urls and f.urls[0] in pages]


def _planned_link(source: str, target: str, b: RunView) -> tuple[str, str]:
    if b.kind(target) not in ("page", "absent"):
        return "moot", f"{target} is no longer a page ({b.kind(target)})"
    if b.has_link(source, target, content=True):     # a menu or sidebar link was there when the task was made
        return "done", "the link exists"
    via = [link.target for link in b.outbound.get(source, []) if (p := b.pages.get(link.target)) is not None
           and link.placement == "content" and b.kind(link.target) == "redirect" and p.final_url == target]
    return ("done", f"the link exists (through {via[0]})") if via else ("open", "the link is not there yet")


def _failing_links(ev: dict[str, Any], b: RunView, kind: str) -> tuple[str, str]:
    if ev.get("targets"):        # one page's links to many targets
        pairs = [(str(ev["source"]), str(t)) for t in ev["targets"]]
    else:
        pairs = [(str(s), str(ev["target"])) for s in ev.get("sources") or []]
    left = [(s, t) for s, t in pairs if b.kind(s) == "page" and b.has_link(s, t) and b.kind(t) == kind]
    if left:
        return "open", f"{len(left)} of {len(pairs)} link(s) still {'fail' if kind == 'broken' else 'redirect'}"
    return "done", "no such link is left"


def plan_progress(plan: dict[str, Any], b: RunView, a: RunView | None = None) -> dict[str, Any]:
    """``{"plan", "generated_at", "run_id", "done": [...], "open": [...], "moot": [...]}``; each task as
    ``{"id", "type", "action", "why"}``. ``a``: the run the plan was made from, when it was kept."""
    out: dict[str, Any] = {"plan": plan.get("file"), "generated_at": plan.get("generated_at"),
                           "run_id": plan.get("run_id"), "checked_against_run": b.snapshot.run_id,
                           "done": [], "open": [], "moot": []}
    for task in plan.get("tasks") or []:
        if not isinstance(task, dict):
            continue
        status, why = task_status(task, b, a)
        out[status].append({"id": task.get("id"), "type": task.get("type"), "action": task.get("action"),
                            "why": why})
    return out
