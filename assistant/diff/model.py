"""The diff's records: one :class:`Change` per thing that changed between two runs, and the :class:`Diff`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# section of each change kind, in the order they are shown
SECTIONS: dict[str, tuple[str, ...]] = {
    "pages": ("page-new", "page-gone", "status-changed", "canonical-changed", "noindex-changed"),
    "links": ("links-added", "links-removed"),
    "broken links": ("broken-link-new", "broken-link-fixed"),
    "redirected links": ("redirected-link-new", "redirected-link-fixed"),
    "orphans": ("orphan-new", "orphan-resolved"),
    "movers": ("depth-changed", "link-score-changed"),
    "findings": ("finding-new", "finding-resolved"),
    "backlinks": ("referring-domains-gained", "referring-domains-lost"),
}
KINDS = tuple(k for kinds in SECTIONS.values() for k in kinds)
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Change:
    """One change. ``url`` is the page it is about (a link change's target); ``urls`` names every URL
    involved, that page first; ``severity`` is set when the change is a regression (high | medium | low)."""

    kind: str
    url: str
    message: str
    urls: list[str]
    before: Any = None
    after: Any = None
    detail: dict[str, Any] = field(default_factory=dict)
    severity: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "severity": self.severity or None, "message": self.message,
                "before": self.before, "after": self.after, "urls": self.urls, "detail": self.detail}


@dataclass
class Diff:
    from_run: int
    to_run: int
    changes: list[Change]
    notes: list[str] = field(default_factory=list)        # what could not be compared, and why
    progress: dict[str, Any] | None = None                # the last plan's tasks: done / open / moot

    @property
    def regressions(self) -> list[Change]:
        found = [c for c in self.changes if c.severity]
        return sorted(found, key=lambda c: (SEVERITY_ORDER[c.severity], KINDS.index(c.kind), c.url))

    def counts(self) -> dict[str, int]:
        n = Counter(c.kind for c in self.changes)
        return {k: n[k] for k in KINDS if n[k]}

    def as_dict(self) -> dict[str, Any]:
        bad = Counter(c.severity for c in self.regressions)
        return {"from_run": self.from_run, "to_run": self.to_run, "counts": self.counts(),
                "regressions": {s: bad[s] for s in SEVERITY_ORDER if bad[s]},
                "changes": [c.as_dict() for c in self.changes], "notes": self.notes, "plan_progress": self.progress}
