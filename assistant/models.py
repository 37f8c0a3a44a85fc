"""The typed records that flow between stages (graph, backlinks, rules, and later suggest/plan)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Backlink:
    """One link from another site to ours, as a backlink export reports it.

    ``target_url`` may be None (Search Console's "Latest links" names only the linking page).
    ``metrics`` keeps the export's numbers by a common name: domain_rating, url_rating, page_ascore,
    trust_flow, citation_flow, domain_authority, spam_score, external_links, ... when present.
    """

    source_url: str
    target_url: str | None
    anchor: str = ""
    source_title: str = ""
    nofollow: bool = False
    sponsored: bool = False
    ugc: bool = False
    first_seen: str | None = None        # ISO date
    last_seen: str | None = None         # ISO date
    lost: bool = False
    left_context: str = ""
    right_context: str = ""
    link_type: str = ""                  # text | image | redirect | frame | form ...
    sitewide: bool = False
    metrics: dict[str, float] = field(default_factory=dict)
    source_format: str = ""              # ahrefs | semrush | gsc-links | majestic | moz | csv
    line: int = 0                        # line in the file it came from

    @property
    def source_domain(self) -> str:
        from urllib.parse import urlsplit

        return (urlsplit(self.source_url).hostname or "").removeprefix("www.")

    def as_dict(self) -> dict[str, Any]:
        """The record as `assistant backlinks --format json` prints it (with its source domain)."""
        from dataclasses import asdict

        return {**asdict(self), "source_domain": self.source_domain}


@dataclass(frozen=True)
class TopPage:
    """Search Console's "Top linked pages": one target page and its counts."""

    target_url: str
    incoming_links: int
    linking_sites: int | None
    line: int


@dataclass(frozen=True)
class TopSite:
    """Search Console's "Top linking sites": one linking site and its counts."""

    site: str
    linking_pages: int
    target_pages: int | None
    line: int


@dataclass(frozen=True)
class PageMetrics:
    """What the link graph says about one page (see :mod:`assistant.graph`)."""

    url: str
    indexable: bool
    content_inlinks: int                 # links placed in other pages' content
    inlinks: int                         # all internal links to it
    content_outlinks: int
    outlinks: int
    linking_pages: int                   # unique internal pages linking to it
    depth: int | None                    # clicks from the home page over followed links; None = unreachable
    pagerank: float                      # raw internal PageRank (sums to 1 over indexable pages)
    link_score: float                    # 0-100, log scale, as Screaming Frog's Link Score
    orphan: str = ""                     # "" | "confirmed" | "possible"


@dataclass(frozen=True)
class Finding:
    """One audit finding; JSON output is ``dataclasses.asdict`` of it."""

    rule: str
    severity: str                        # high | medium | low
    urls: list[str]
    message: str                         # one sentence a site owner understands
    evidence: dict[str, Any]
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "urls": self.urls, "message": self.message,
                "evidence": self.evidence, "fix": self.fix}


@dataclass(frozen=True)
class Layout:
    """How one tool's backlink export names its columns (:mod:`assistant.backlinks.formats` holds the table)."""

    name: str                           # format id, stored with each record
    family: str                         # the --source value that selects it
    label: str
    kind: str                           # links | top-pages | top-sites
    columns: dict[str, tuple[str, ...]]  # field -> header names, the first as the tool writes it
    required: tuple[str, ...]
    signature: tuple[str, ...] = ()     # header names (loose match) only this tool writes


@dataclass
class Parsed:
    """A backlink export read into records: what :func:`assistant.store.backlinks.import_parsed` writes."""

    layout: Layout
    rows: int = 0
    backlinks: list[Backlink] = field(default_factory=list)
    top_pages: list[TopPage] = field(default_factory=list)
    top_sites: list[TopSite] = field(default_factory=list)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.backlinks) + len(self.top_pages) + len(self.top_sites)
