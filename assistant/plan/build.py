"""Build the plan from what :mod:`assistant.plan.load` read: findings and suggestions -> prioritised tasks. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.models import Finding
from assistant.plan.charts import chart_data
from assistant.plan.findings import finding_tasks
from assistant.plan.links import LinkGuard, LinkIdea, choose, link_impact, link_task, violations
from assistant.plan.model import Plan, PlanInput
from assistant.plan.tasks import dedupe, group_by_page, outreach_tasks, prioritise

# rules whose fix is a new link to the finding's page: with link tasks for that page, their own task is dropped
# (kept for important-page-underlinked when the page is too deep, which in-content links alone may not fix)
LINK_FIXED = ("orphan-page", "important-page-underlinked", "forgotten-old-content")


def relevant(findings: Iterable[Finding], focus: list[str]) -> list[Finding]:
    """The findings about the focus pages (all of them without a focus)."""
    if not focus:
        return list(findings)
    wanted = set(focus)
    return [f for f in findings if wanted & set(f.urls)]


def fix_for(f: Finding) -> tuple[str, set[str] | None]:
    """(target page, allowed sources or None for any) of a finding whose fix is a link to its page."""
    if f.rule == "forgotten-old-content":
        return f.evidence["url"], set(f.evidence.get("related_newer", {}))
    return f.evidence.get("url", f.urls[0]), None


def ideas_from(inp: PlanInput, findings: list[Finding]) -> list[LinkIdea]:
    """Every suggestion as a :class:`LinkIdea`, tied to the finding about its target that it helps fix."""
    fixes: dict[str, list[Finding]] = {}
    for f in findings:
        if f.rule in LINK_FIXED:
            fixes.setdefault(fix_for(f)[0], []).append(f)
    ideas = []
    for target, found in inp.suggestions.items():
        for s in found:
            fixed = None
            for f in sorted(fixes.get(target, []), key=lambda f: LINK_FIXED.index(f.rule)):
                allowed = fix_for(f)[1]
                if allowed is None or s.source_url in allowed:
                    fixed = f
                    break
            ideas.append(LinkIdea(s.source_url, s.target_url, s.anchor, s.sentence, s.score, s.pagerank_gain,
                                  tuple(s.reasons), fixed, s.mentioned, s.confidence, s.named))
    return ideas


def build_plan(inp: PlanInput, *, generated_at: str, top: int | None = None) -> Plan:
    """Link tasks (suggestions the :class:`LinkGuard` accepts, best first), the findings' tasks (minus those
    the new links fix), outreach tasks; deduplicated, prioritised, the first ``top`` kept (all when None)."""
    findings = relevant(inp.findings, inp.focus)
    rd = inp.data.referring_domains
    pr = inp.data.pagerank
    ideas = ideas_from(inp, findings)
    visits = inp.data.traffic.visits
    impact = {i: link_impact(i, pr.get(i.target, 0.0), rd.get(i.source, 0), visits(i.source)) for i in ideas}
    guard = LinkGuard(inp.audit, inp.findings, min_confidence=inp.data.min_confidence)
    chosen = choose(ideas, guard, impact)
    bad = set(violations(inp.audit, chosen))          # the rules themselves, re-run with the links added
    chosen = [i for i in chosen if i not in bad]
    by_idea = {i: link_task(i, impact[i], pr.get(i.target, 0.0), rd.get(i.source, 0), visits(i.source))
               for i in chosen}
    tasks = list(by_idea.values())
    for f in findings:
        if f.rule in LINK_FIXED:
            target, allowed = fix_for(f)
            covered = [i for i in chosen if i.target == target and (allowed is None or i.source in allowed)]
            depth = f.evidence.get("depth")
            deep = f.rule == "important-page-underlinked" and (depth is None or depth > f.evidence.get("max_depth", 3))
            if covered and not deep:
                continue
        tasks.extend(finding_tasks(f, inp.audit))
    tasks.extend(outreach_tasks(inp.outreach))
    ranked = prioritise(group_by_page(dedupe(tasks)))
    kept = ranked[:top] if top else ranked
    kept_ids = {t.id for t in kept}
    links = [i for i, t in by_idea.items() if t.id in kept_ids]
    return Plan(inp.site, generated_at, kept, len(ranked), links, chart_data(inp, links))
