"""The audit rules: each a pure function AuditData -> list[Finding], registered by rule id."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from assistant.models import Finding
from assistant.rules.anchors import anchor_cannibalisation, exact_match_anchor_overuse, same_anchor_everywhere
from assistant.rules.data import AuditData
from assistant.rules.links import broken_internal_link, internal_nofollow, redirected_internal_link, too_many_links
from assistant.rules.paid import paid_link
from assistant.rules.relevance import irrelevant_link
from assistant.rules.structure import forgotten_old_content, important_page_underlinked, orphan_page
from assistant.rules.traffic import query_cannibalisation, traffic_page_links_nowhere

Rule = Callable[[AuditData], list[Finding]]

RULES: dict[str, Rule] = {
    "paid-link": paid_link,
    "irrelevant-link": irrelevant_link,
    "exact-match-anchor-overuse": exact_match_anchor_overuse,
    "important-page-underlinked": important_page_underlinked,
    "orphan-page": orphan_page,
    "same-anchor-everywhere": same_anchor_everywhere,
    "anchor-cannibalisation": anchor_cannibalisation,
    "forgotten-old-content": forgotten_old_content,
    "too-many-links": too_many_links,
    "broken-internal-link": broken_internal_link,
    "redirected-internal-link": redirected_internal_link,
    "internal-nofollow": internal_nofollow,
    "traffic-page-links-nowhere": traffic_page_links_nowhere,
    "query-cannibalisation": query_cannibalisation,
}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class UnknownRule(ValueError):
    """A --rule id that does not exist; the message lists the ones that do."""


def run_rules(data: AuditData, only: Iterable[str] = ()) -> list[Finding]:
    """Every finding of the chosen rules (all by default), most severe first, then by rule order."""
    chosen = list(only) or list(RULES)
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise UnknownRule(f"unknown rule id(s) {', '.join(unknown)}; rules are: {', '.join(RULES)}")
    order = {rule: i for i, rule in enumerate(RULES)}
    findings = [f for rule in chosen for f in RULES[rule](data)]
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), order[f.rule], f.urls))
