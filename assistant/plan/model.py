"""The plan's records: what it is made of (:class:`PlanInput`), what it is (:class:`Plan`) and its charts' data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.graph import Edge, Node
from assistant.models import Finding
from assistant.plan.links import LinkIdea
from assistant.plan.tasks import Task
from assistant.rules.data import AuditData
from assistant.suggest import SiteData, Suggestion


@dataclass
class Neighbourhood:
    url: str
    title: str
    referring_domains: int
    before: list[str]                 # pages linking to it in their content now
    new: list[str]                    # pages the plan adds


@dataclass
class Charts:
    pagerank: list[tuple[str, str, float, float]] = field(default_factory=list)   # url, title, Link Score now, after
    depths: list[tuple[str, int, int]] = field(default_factory=list)              # depth label, before, after
    anchors: list[tuple[str, list[tuple[str, int, bool]]]] = field(default_factory=list)  # target, (anchor, n, new)
    neighbourhoods: list[Neighbourhood] = field(default_factory=list)
    traffic: list[tuple[str, str, float, str, int, int]] = field(default_factory=list)  # url, title, clicks, unit,
    #                                                                      in-content inlinks now, after


@dataclass
class PlanInput:
    """Everything the plan is made of (read once by :func:`assistant.plan.load.load_input`)."""

    site: str
    audit: AuditData
    findings: list[Finding]
    data: SiteData
    suggestions: dict[str, list[Suggestion]]          # target -> suggestions to it, best first
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    home: str | None = None
    focus: list[str] = field(default_factory=list)    # --to pages (empty: the whole site)
    outreach: list[dict[str, Any]] | None = None


@dataclass
class Plan:
    site: str
    generated_at: str
    tasks: list[Task]
    total: int                                         # tasks before --top
    links: list[LinkIdea]                              # the new links of the kept tasks
    charts: Charts = field(default_factory=Charts)
    summary: str = ""
    summary_by: str = "rules"                          # rules | llm
    since: dict[str, Any] | None = None                # what changed since the previous crawl (assistant.diff.planned)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"site": self.site, "generated_at": self.generated_at, "summary": self.summary,
                               "tasks": [t.as_dict() for t in self.tasks]}
        if self.since is not None:
            out["since_last_crawl"] = self.since
        return out


