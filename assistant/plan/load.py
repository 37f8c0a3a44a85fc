"""Read what the plan needs from a workspace (its only I/O): the audit, the suggestion engine's data and the
suggestions for every page the plan routes links to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from assistant.plan.build import LINK_FIXED, fix_for
from assistant.plan.model import PlanInput
from assistant.store.clients import Clients

# suggestions asked per target: more than the plan keeps, so that links refused by the limits have stand-ins
CANDIDATES_PER_TARGET = 8
CANDIDATES_OLD_PAGE = 30       # an old page's link should come from one of its few related newer pages
MAX_TARGETS = 100              # pages links are routed to: the finding pages first, then by PageRank

Progress = Callable[[int, int], None]


def load_input(services: Clients, focus: list[str] | None = None, today: date | None = None,
               outreach: list[dict[str, Any]] | None = None, progress: Progress | None = None) -> PlanInput:
    """Audit findings and suggestions for the focus pages (default: the pages of orphan, underlinked and
    forgotten-content findings, then the important pages by PageRank, at most :data:`MAX_TARGETS`). ``focus``
    holds resolved URLs; ``progress(done, total)`` is called once per target."""
    from assistant.rules import run_rules
    from assistant.rules.load import load_audit
    from assistant.store import graphdata
    from assistant.suggest import Engine, important_pages, load_site

    audit = load_audit(services, today)
    findings = run_rules(audit)
    data = load_site(services)
    if today is not None:
        data.today = today
    engine = Engine(data)
    wanted = list(focus or [])
    limits: dict[str, int] = {}
    if not wanted:
        for f in findings:
            if f.rule in LINK_FIXED:
                wanted.append(fix_for(f)[0])
                if f.rule == "forgotten-old-content":
                    limits[wanted[-1]] = CANDIDATES_OLD_PAGE
        wanted += important_pages(data, services.settings.audit.important_top_share)
    targets = [t for t in dict.fromkeys(wanted) if t in data.pages][:MAX_TARGETS if not focus else None]
    suggestions = {}
    for i, target in enumerate(targets):
        suggestions[target] = engine.suggest_to(target, limits.get(target, CANDIDATES_PER_TARGET))
        if progress is not None:
            progress(i + 1, len(targets))
    engine.save()     # the suggestion indexes in the workspace's cache (nothing when they came from it)
    nodes, edges, home, _ = graphdata.load(services.db)
    return PlanInput(audit.site or home or "", audit, findings, data, suggestions, nodes, edges, home,
                     list(focus or []), outreach)
