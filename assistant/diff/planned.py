"""The plan's side of the diff: ``assistant plan`` keeps the JSON of each plan it writes in the workspace, drops
the last plan's tasks the newest crawl shows done, and carries a "since last crawl" summary for the HTML plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.diff.load import DiffError, run_diff
from assistant.diff.model import Diff
from assistant.store.clients import Clients
from assistant.store.runs import keep_plan, list_runs

if TYPE_CHECKING:
    from assistant.plan import Plan

TOP_CHANGES = 8


def since_summary(diff: Diff) -> dict[str, Any]:
    """What the HTML plan shows: the runs, counts by kind, the regressions first, the plan's progress."""
    shown = diff.regressions[:TOP_CHANGES]
    rest = [c for c in diff.changes if not c.severity][:TOP_CHANGES - len(shown)]
    return {"from_run": diff.from_run, "to_run": diff.to_run, "counts": diff.counts(),
            "regressions": len(diff.regressions), "changes": [c.as_dict() for c in [*shown, *rest]],
            "notes": diff.notes, "progress": diff.progress}


def follow_up(services: Clients, plan: Plan) -> dict[str, Any] | None:
    """Drop from ``plan`` the last kept plan's tasks that are done, attach what changed since the previous
    crawl (``plan.since``), and keep this plan's JSON; returns the since summary (None before a second run)."""
    try:
        diff: Diff | None = run_diff(services)
    except DiffError:
        diff = None
    since = since_summary(diff) if diff is not None else None
    done = {t["id"] for t in (diff.progress or {}).get("done", [])} if diff is not None else set()
    if done:
        plan.tasks = [t for t in plan.tasks if t.id not in done]
        for i, t in enumerate(plan.tasks, 1):
            t.priority = i
    plan.since = since
    runs = [r.id for r in list_runs(services.db) if r.comparable]
    keep_plan(services.workspace, plan.as_dict(), runs[-1] if runs else None)
    return since
