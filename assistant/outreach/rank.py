"""Judging prospects: relevance, authority, risks and exclusions, one row per domain, the order. Pure.

* **relevance**: cosine similarity of the prospect page's vector (the normalised mean of its chunks' MiniLM
  vectors, as our pages' vectors are built) and our page's vector.
* **our_page**: ``--to`` when given; else the page of ours that maximises
  ``similarity + STRUCTURE_WEIGHT × strength``, where strength (0–1) is ¾ internal Link Score / 100 and
  ¼ referring domains (log scale, 10+ = 1). Listing pages (home, archives) are never promoted. A strong page
  thus beats a weak one when they are about equally relevant, never a clearly more relevant one.
* **authority** (0–100, None when no export reports a metric): the mean of the metrics present — Ahrefs DR
  and UR, Moz DA and PA, Majestic TF and CF, Semrush page AS (all 0–100), and traffic on a log scale
  (10⁶ visits = 100).
* **order**: targets by ``relevance + AUTHORITY_WEIGHT × authority / 100`` (a prospect without metrics
  counts as the median of those with them), so relevance leads and authority breaks near-ties; excluded
  rows follow, most relevant first.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.models import Backlink
from assistant.outreach.domains import registrable_domain, spam_domain_reason
from assistant.outreach.inputs import Prospect
from assistant.outreach.pages import ProspectPage
from assistant.rules.paid import OFF_TOPIC, backlink_signals
from assistant.words import words

STRUCTURE_WEIGHT = 0.1
AUTHORITY_WEIGHT = 0.15
OFF_TOPIC_DENSITY = 0.002     # a gambling/pharma/loan family counts for a page above this share of its words
PAGE_METRICS = ("domain_rating", "url_rating", "domain_authority", "page_authority", "trust_flow",
                "citation_flow", "page_ascore")
ANGLE_TERMS = 3
SPAM_SCORE = 61               # Moz spam score (%) from which Moz calls the risk high


@dataclass(frozen=True)
class OurPage:
    url: str
    title: str
    summary: str                    # meta description, else the first sentences of the main text
    text: str                       # main text


@dataclass
class Site:
    """Our side as outreach reads it (built by :mod:`assistant.outreach.load`)."""

    domain: str
    pages: dict[str, OurPage]                  # pages that may be promoted
    urls: list[str]                            # the rows of ``matrix`` (pages with a vector)
    matrix: NDArray[np.float32]                # unit page vectors, one row per URL of ``urls``
    strength: dict[str, float]                 # 0-1, see the module notes
    linking_domains: set[str]                  # registrable domains already linking to us
    topics: set[str]                           # paid-link families our own site talks about
    off_topic: float                           # relevance below this is off-topic for this site
    link_farm: int = 100                       # [audit] link_farm_external_links
    too_many_links: int = 150                  # [audit] too_many_links
    df: Counter[str] = field(default_factory=Counter)   # document frequency of words over our pages

    def vector(self, url: str) -> NDArray[np.float32] | None:
        if url not in self.urls:
            return None
        row: NDArray[np.float32] = self.matrix[self.urls.index(url)]
        return row


@dataclass
class Row:
    prospect_url: str
    domain: str
    title: str
    relevance: float | None
    authority: float | None
    risk: list[str]
    status: str                                # target | excluded
    reason: str
    our_page: str | None
    angle: str = ""
    email_subject: str = ""
    email_body: str = ""
    draft: str = ""                            # llm | template | "" (no email)
    score: float = 0.0
    origin: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"prospect_url": self.prospect_url, "domain": self.domain, "title": self.title,
                "relevance": self.relevance, "authority": self.authority, "risk": self.risk, "status": self.status,
                "reason": self.reason, "our_page": self.our_page, "angle": self.angle,
                "email_subject": self.email_subject, "email_body": self.email_body, "draft": self.draft,
                "origin": self.origin}


def authority(metrics: dict[str, float]) -> float | None:
    values = [min(max(metrics[m], 0.0), 100.0) for m in PAGE_METRICS if m in metrics]
    if "page_traffic" in metrics:
        values.append(min(100.0, 100 * math.log10(1 + max(metrics["page_traffic"], 0.0)) / 6))
    return round(sum(values) / len(values), 1) if values else None


def choose_our_page(vector: NDArray[np.float32], site: Site, to: str | None) -> tuple[str | None, float | None]:
    """(our page, its similarity to the prospect): ``to``, or the best blend of relevance and strength."""
    if to is not None:
        ours = site.vector(to)
        return to, (None if ours is None else round(float(ours @ vector), 4))
    if not site.urls:
        return None, None
    sims = site.matrix @ vector
    blend = sims + STRUCTURE_WEIGHT * np.array([site.strength.get(u, 0.0) for u in site.urls], dtype=np.float32)
    best = int(np.argmax(blend))
    return site.urls[best], round(float(sims[best]), 4)


def domain_exclusion(prospect: Prospect, site: Site) -> tuple[list[str], str] | None:
    """(risks, reason) that exclude a prospect by its domain alone, before its page is fetched."""
    domain = registrable_domain(prospect.url)
    if domain == site.domain:
        return [], "our own site"
    if domain in site.linking_domains:
        return [], "already links to us (a backlink in the workspace)"
    spam = spam_domain_reason(domain)
    if spam:
        return ["spam-domain"], f"spammy domain: {spam}"
    return None


def page_topics(page: ProspectPage) -> set[str]:
    """The gambling/pharma/loan/adult families a page is about: named in its title or description, or dense
    in its text (a single "poker" in a long programming article does not make it a poker page)."""
    head = f"{page.title} {page.description}"
    n = max(len(page.text.split()), 1)
    return {name for name, pattern in OFF_TOPIC.items()
            if pattern.search(head) or len(pattern.findall(page.text)) / n > OFF_TOPIC_DENSITY}


def paid_signals(page: ProspectPage, site: Site) -> list[str]:
    """The ``paid-link`` rule's signals for a page that would link to us (the rule's own checks)."""
    as_backlink = Backlink(source_url=page.final_url, target_url=None, source_title=page.title,
                           left_context=page.description, right_context=page.text,
                           sponsored=page.sponsored_links > 0, metrics={"external_links": float(page.external_links)})
    exempt = site.topics | (set(OFF_TOPIC) - page_topics(page))
    return backlink_signals(as_backlink, exempt, site.link_farm)


def assess(prospect: Prospect, page: ProspectPage, vector: NDArray[np.float32] | None, site: Site,
           to: str | None) -> Row:
    """One prospect page judged: risks, status with its reason, relevance, our page, authority."""
    domain = registrable_domain(prospect.url)
    row = Row(prospect.url, domain, page.title, None, authority(prospect.metrics), [], "excluded", "", None,
              origin=prospect.origin)
    early = domain_exclusion(prospect, site)
    if early:
        row.risk, row.reason = early
        return row
    if page.error:
        row.reason = f"could not be fetched or read ({page.error})"
        return row
    reasons: list[str] = []
    spam = prospect.metrics.get("spam_score")
    if spam is not None and spam >= SPAM_SCORE:
        row.risk.append("spam-domain")
        reasons.append(f"Moz spam score {spam:g} % (high risk from {SPAM_SCORE} %)")
    signals = paid_signals(page, site)
    if signals:
        row.risk.append("paid-link")
        reasons.append("looks like a link seller or link farm: " + "; ".join(signals))
    if page.links > site.too_many_links:
        row.risk.append("too-many-links")     # a link among this many passes little; not a reason by itself
    if page.nofollow:
        reasons.append("the page is meta robots nofollow: its links pass nothing")
    if vector is not None:
        row.our_page, row.relevance = choose_our_page(vector, site, to)
    if row.relevance is None:
        reasons.append("no relevance: the page has no text to compare or our page has no vector")
    elif row.relevance < site.off_topic:
        row.risk.append("irrelevant-link")
        reasons.append(f"off-topic: similarity {row.relevance:.2f} to our closest page is below "
                       f"{site.off_topic:.2f}")
    if reasons:
        row.reason = "; ".join(reasons)
        return row
    row.status = "target"
    row.reason = f"relevant ({row.relevance:.2f} to {row.our_page})" + (
        f"; links to {len(prospect.competitors)} competitors" if prospect.competitors else "")
    return row


def finalize(rows: Iterable[Row]) -> list[Row]:
    """One row per domain (a link-selling page excludes its whole domain; else the best page is kept), scored
    and ordered: targets first by score, then excluded rows by relevance."""
    by_domain: dict[str, list[Row]] = {}
    for row in rows:
        by_domain.setdefault(row.domain, []).append(row)
    known = [r.authority for group in by_domain.values() for r in group if r.authority is not None]
    neutral = statistics.median(known) if known else 50.0
    kept = []
    for group in by_domain.values():
        for r in group:
            r.score = round((r.relevance or 0.0) + AUTHORITY_WEIGHT * (
                r.authority if r.authority is not None else neutral) / 100, 4)
        sellers = [r for r in group if "paid-link" in r.risk]
        best = sellers[0] if sellers else max(group, key=lambda r: (r.status == "target", r.score))
        if len(group) > 1:
            best.reason += f" (best of {len(group)} pages of {best.domain})"
        kept.append(best)
    return sorted(kept, key=lambda r: (r.status != "target", -(r.score if r.status == "target"
                                                                 else (r.relevance or -1.0)), r.domain))


def angle_terms(prospect_text: str, our_text: str, df: Counter[str], n_docs: int, k: int = ANGLE_TERMS) -> list[str]:
    """The words both pages dwell on, rare on our site first (tf in both × idf over our pages); one word per
    stem (``error``/``errors``)."""
    theirs, ours = Counter(words(prospect_text)), Counter(words(our_text))
    scored = sorted(((math.log1p(theirs[w]) * math.log1p(ours[w]) * math.log((1 + n_docs) / (1 + df[w])), w)
                     for w in theirs.keys() & ours.keys() if len(w) > 3), key=lambda x: (-x[0], x[1]))
    out: list[str] = []
    for score, w in scored:
        if score > 0 and not any(w[:5] == t[:5] for t in out):
            out.append(w)
        if len(out) == k:
            break
    return out


def angle(row: Row, terms: list[str], our_title: str) -> str:
    """A one-sentence pitch angle from the two real titles and the words they share."""
    shared = ", ".join(terms[:-1]) + f" and {terms[-1]}" if len(terms) > 1 else (terms[0] if terms else "")
    about = f"both cover {shared}" if shared else "they are on a related topic"
    return (f"“{row.title}” and our “{our_title}” {about}: offer our page as further reading for its readers.")
