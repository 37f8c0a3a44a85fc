"""The plan's summary paragraph: a deterministic one always, an LLM-written one on request, guarded.

The LLM only phrases what the plan already decided. Its paragraph is used only when it cites at least one task
by id, every id it cites exists in the plan, it is not too long, and it does not advise buying, selling or
exchanging links; otherwise the deterministic paragraph stands (and the reason is returned).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from assistant.plan.tasks import Task, path_of

TASK_ID = re.compile(r"\bt-[0-9a-f]{8}\b")
MAX_CHARS = 1200
SHOWN_TASKS = 12
# advice to acquire links for money or in exchange (the plan never does that; the LLM must not either)
LINK_DEALING = re.compile(
    r"\b(?:buy(?:ing)?|purchas(?:e|ing)|sell(?:ing)?|pay(?:ing)?\s+for|rent(?:ing)?|trad(?:e|ing)|"
    r"exchang(?:e|ing)|swap(?:ping)?)\b[^.;:]{0,40}\b(?:back)?links?\b|"
    r"\blinks?\s+(?:exchanges?|swaps?|schemes?|farms?|buying|selling|insertions?)\b|"
    r"\b(?:paid|sponsored)\s+(?:guest\s+)?(?:posts?|links?)\b|\bPBNs?\b|\bprivate\s+blog\s+networks?\b",
    re.IGNORECASE)
NEGATED = re.compile(r"\b(?:never|not|don't|do not|avoid|no|stop|without)\b[^.;]{0,30}$", re.IGNORECASE)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "cited": {"type": "array", "items": {"type": "string"}}},
    "required": ["summary"],
}
TYPE_WORDS = {
    "add-internal-link": ("new internal link", "new internal links"),
    "link-orphan": ("link to an orphan page", "links to orphan pages"),
    "refresh-old-content": ("old page to link and refresh", "old pages to link and refresh"),
    "fix-broken-link": ("broken link target to fix", "broken link targets to fix"),
    "fix-redirected-link": ("redirected link target to update", "redirected link targets to update"),
    "remove-nofollow": ("nofollowed internal target", "nofollowed internal targets"),
    "diversify-anchors": ("anchor profile to diversify", "anchor profiles to diversify"),
    "disambiguate-anchor": ("anchor used for several pages", "anchors used for several pages"),
    "reduce-links": ("page with too many links", "pages with too many links"),
    "avoid-link": ("bought-looking or unwanted link to deal with", "bought-looking or unwanted links to deal with"),
    "fix-irrelevant-link": ("off-topic internal link", "off-topic internal links"),
    "link-important-page": ("important page to link better", "important pages to link better"),
    "outreach": ("outreach prospect", "outreach prospects"),
}


def _count(kind: str, n: int) -> str:
    one, many = TYPE_WORDS.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


def fallback_summary(site: str, tasks: list[Task], total: int) -> str:
    """A paragraph from the numbers alone: what the plan holds, where to start (cited by id)."""
    if not tasks:
        return f"The plan for {site} is empty: the audit found nothing to fix and no link worth adding."
    counts = Counter(t.type for t in tasks)
    parts = [_count(k, n) for k, n in counts.most_common()]
    held = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    shown = f"the first {len(tasks)} of {total} tasks" if total > len(tasks) else f"{len(tasks)} tasks"
    links = [t for t in tasks if t.type in ("add-internal-link", "link-orphan", "refresh-old-content")
             and "sentence" in t.evidence]
    text = f"This plan for {site} lists {shown}: {held}."
    if links:
        targets = Counter(t.evidence["target"] for t in links)
        best = targets.most_common(1)[0][0]
        text += (f" Its {len(links)} new in-content links go to {len(targets)} page(s), most to {path_of(best)}, "
                 "each with its anchor in a sentence already on the source page.")
    high = [t for t in tasks if t.evidence.get("severity") == "high"]
    if high:
        text += f" {len(high)} task(s) fix high-severity audit findings, such as {high[0].id} ({high[0].type})."
    first = tasks[:3]
    text += (" Start with " + ", ".join(f"{t.id} ({t.type}, impact {t.impact:g}, effort {t.effort})" for t in first)
             + ": they give the most impact for the effort.")
    return text


def guard(text: str, tasks: list[Task]) -> str | None:
    """Why the LLM's paragraph cannot be used, or None when it can."""
    if not text.strip():
        return "empty summary"
    if len(text) > MAX_CHARS:
        return f"summary longer than {MAX_CHARS} characters"
    ids = {t.id for t in tasks}
    cited = set(TASK_ID.findall(text))
    if not cited:
        return "the summary cites no task id"
    unknown = sorted(cited - ids)
    if unknown:
        return f"the summary cites task ids that do not exist: {', '.join(unknown)}"
    for m in LINK_DEALING.finditer(text):
        if not NEGATED.search(text[max(0, m.start() - 60):m.start()]):
            return f"the summary advises dealing in links (“{m.group(0)}”)"
    return None


def llm_prompt(site: str, tasks: list[Task], total: int) -> dict[str, str]:
    """The variables of ``prompts/plan_summary.md``."""
    rows = [{"id": t.id, "type": t.type, "impact": t.impact, "effort": t.effort, "action": t.action[:300]}
            for t in tasks[:SHOWN_TASKS]]
    counts = dict(Counter(t.type for t in tasks).most_common())
    return {"site": site, "total": str(total), "shown": str(len(tasks)),
            "counts": json.dumps(counts), "tasks": "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)}


def llm_summary(ask: Callable[[str, str, dict[str, Any]], dict[str, Any]], site: str, tasks: list[Task],
                total: int) -> tuple[str | None, str]:
    """(paragraph or None, why not) from ``ask(system, user, schema)`` (e.g. a bound ``complete_json``)."""
    from assistant.llm.prompts import render

    system, user = render("plan_summary", **llm_prompt(site, tasks, total))
    answer = ask(system, user, SCHEMA)
    text = " ".join(str(answer.get("summary", "")).split())
    problem = guard(text, tasks)
    return (None, problem) if problem else (text, "")
