"""paid-link: backlinks and outbound links that look bought.

The signals are deliberately plain and each one is named in the finding's evidence, so a person can
check it: declared ``rel=sponsored``, link-selling or link-exchange language (with or without prices),
off-topic gambling/pharma/loan pages (off-topic: our own site does not talk about them), link farms, one link
repeated site-wide.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from assistant.models import Backlink, Finding
from assistant.rules.data import AuditData

# a price: "$150", "€ 79", "60$", "120 USD", "USD 120", "99 euros"
_PRICE = (r"(?:[$€£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:[$€£]|(?:usd|eur|gbp|dollars?|euros?)\b)|"
          r"\b(?:usd|eur|gbp)\s?\d[\d,.]*)")
# what link sellers sell ("links" alone is not enough: a plan "with unlimited links" is no link sale)
_GOODS = (r"(?:do[- ]?follow|back\s?links?|guest\s*posts?|link\s*(?:placements?|insertions?)|sponsored\s*"
          r"(?:posts?|articles?|content)|niche\s*edits?|per\s+(?:article|post|link))")
SELLING = re.compile(
    r"write\s*for\s*us|guest\s*post(?:ing)?\s*(?:price|pricing|rates?|service|packages?|fees?|\$|€|£)|"
    r"sponsored\s*(?:posts?|articles?|content|reviews?)|paid\s*(?:guest\s*)?(?:posts?|articles?|placements?|reviews?)|"
    r"buy\s+(?:back)?links?|link\s*(?:insertions?|placements?)|(?:do[- ]?)?follow\s+(?:back)?links?\s+for\s+sale|"
    r"sell(?:ing)?\s+(?:back)?links|link\s*packages?|pbn\b|niche\s+edits?|"
    r"link\s*(?:exchanges?|swaps?)|reciprocal\s+(?:back)?links?|exchange\s+(?:back)?links|"
    r"(?:we\s+)?accept(?:ed|ing)?\s+(?:paid\s+|sponsored\s+)?guest\s*posts?|guest\s*posts?\s+(?:are\s+)?accepted|"
    r"\b(?:da|dr)\s?\d{1,2}\s?\+|"
    + _PRICE + r"[^.!?\n]{0,40}?" + _GOODS + "|" + _GOODS + r"[^.!?\n]{0,40}?" + _PRICE, re.IGNORECASE)
OFF_TOPIC = {     # phrases, not bare words: "slots", "pills" and "loans" also occur in technical writing
    "gambling": re.compile(r"casinos?\b|sports?\s*betting|betting\s+(?:tips|odds|sites?)|sportsbook|poker|"
                           r"slot\s*machines?|online\s+slots|free\s+spins|roulette|jackpot|gambling", re.IGNORECASE),
    "pharma": re.compile(r"viagra|cialis|levitra|tramadol|xanax|online\s+pharmacy|(?:diet|weight\s*loss)\s+pills",
                         re.IGNORECASE),
    "loans": re.compile(r"payday|cash\s+advance|(?:quick|instant|fast|bad\s+credit|personal)\s+loans?|"
                        r"credit\s+repair", re.IGNORECASE),
    "adult": re.compile(r"\bporn|\bescorts?\b|\bxxx\b|adult\s+dating", re.IGNORECASE),
}
SITEWIDE_PAGES = 10       # one domain linking to the same page with the same anchor from this many pages
MAX_LISTED = 20
REFERENCE_URLS = 5        # distinct addresses of one host the site's content links to: a reference, not a sale


def _site_topics(data: AuditData) -> set[str]:
    """Off-topic families our own site does talk about (then they are on topic for it)."""
    text = " ".join(p.text[:3000] for p in data.pages.values() if p.html)
    words = max(len(text.split()), 1)
    return {name for name, pattern in OFF_TOPIC.items() if len(pattern.findall(text)) / words > 0.002}


def backlink_signals(b: Backlink, topics: set[str], s_farm: int) -> list[str]:
    signals = []
    if b.sponsored:
        signals.append("marked rel=sponsored by the linking site")
    described = " ".join((b.source_url, b.source_title, b.anchor, b.left_context, b.right_context))
    match = SELLING.search(described)
    if match:
        signals.append(f"the linking page advertises link selling (“{match.group(0).strip()}”)")
    for name, pattern in OFF_TOPIC.items():
        hit = pattern.search(described)
        if hit and name not in topics:
            signals.append(f"off-topic {name} page (“{hit.group(0)}”)")
    external = b.metrics.get("external_links")
    if external is not None and external >= s_farm:
        signals.append(f"link farm: the linking page has {int(external)} external links")
    return signals


def paid_link(data: AuditData) -> list[Finding]:
    s = data.settings
    topics = _site_topics(data)
    findings: list[Finding] = []
    # backlinks: one finding per linking domain, listing the signals and the pages
    by_domain: dict[str, list[tuple[Backlink, list[str]]]] = defaultdict(list)
    sitewide: Counter[tuple[str, str | None, str]] = Counter(
        (b.source_domain, b.target_url, b.anchor.lower()) for b in data.backlinks if not b.lost)
    for b in data.backlinks:
        if b.lost:
            continue
        signals = backlink_signals(b, topics, s.link_farm_external_links)
        if b.sitewide or sitewide[(b.source_domain, b.target_url, b.anchor.lower())] >= SITEWIDE_PAGES:
            signals.append("the same link sits site-wide on the linking domain")
        if signals:
            by_domain[b.source_domain].append((b, signals))
    for domain, items in sorted(by_domain.items()):
        signals = sorted({x for _, sig in items for x in sig})
        targets = sorted({b.target_url or "" for b, _ in items} - {""})
        findings.append(Finding(
            "paid-link", "high", [*(b.source_url for b, _ in items[:MAX_LISTED]), *targets[:5]],
            f"{len(items)} backlink(s) from {domain} look bought or manipulative ({signals[0]}): such links pass "
            "no trust and can bring a manual penalty.",
            {"domain": domain, "signals": signals, "backlinks": len(items),
             "examples": [{"source": b.source_url, "target": b.target_url, "anchor": b.anchor} for b, _ in items[:5]]},
            f"Do not buy or trade links. Ask {domain} to remove the links or mark them rel=sponsored; if they "
            "refuse and the links are manipulative, disavow the domain."))
    findings.extend(_outbound(data, topics))
    return findings


def _outbound(data: AuditData, topics: set[str]) -> list[Finding]:
    """Our own pages that sell links: selling language, off-topic outbound anchors, farms, site-wide links."""
    s = data.settings
    out: dict[str, list[str]] = defaultdict(list)
    external: dict[str, list[str]] = defaultdict(list)
    for link in data.links:
        if link.internal:
            continue
        external[link.source].append(link.target)
        if link.placement != "content":
            continue
        if "sponsored" in link.rel.split():
            out[link.source].append(f"outbound rel=sponsored link to {link.target}")
        described = f"{link.anchor} {link.target}"
        for name, pattern in OFF_TOPIC.items():
            hit = pattern.search(described)
            if hit and name not in topics:
                out[link.source].append(f"off-topic {name} link “{link.anchor or link.target}” to {link.target}")
    for url, page in data.pages.items():
        if not page.html:
            continue
        match = SELLING.search(page.text)
        if match:
            out[url].append(f"the page advertises link selling (“{match.group(0).strip()}”)")
        hosts = {urlsplit(t).hostname for t in external.get(url, [])}
        if len(external.get(url, [])) >= s.link_farm_external_links and 2 * len(hosts) >= s.link_farm_external_links:
            # (a changelog's hundreds of links to its own code repository are one site, not a farm)
            out[url].append(f"link farm: {len(external[url])} external links to {len(hosts)} sites")
    html_pages = sum(1 for p in data.pages.values() if p.html) or 1
    per_target: dict[str, set[str]] = defaultdict(set)
    for link in data.links:
        if not link.internal and link.placement == "content":
            per_target[link.target].add(link.source)
    cited: Counter[str] = Counter(urlsplit(t).hostname or "" for t in per_target)
    for target, sources in per_target.items():
        host = urlsplit(target).hostname or ""
        # a host the site cites at many addresses (a project's repository, its issues and pull requests) is a
        # reference its writers return to, not a placement sold once and repeated (an unseen newsletter site's
        # 400 newsletters each link the projects they cover)
        if cited[host] >= REFERENCE_URLS:
            continue
        if len(sources) >= 10 and len(sources) / html_pages >= s.sitewide_share:
            for src in sources:
                out[src].append(f"the same in-content link to {host} appears on {len(sources)} pages (site-wide)")
    findings = []
    for url, signals in sorted(out.items()):
        uniq = sorted(set(signals))
        findings.append(Finding(
            "paid-link", "high", [url],
            f"{data.title(url)} carries outbound links that look sold ({uniq[0]}): selling links that pass "
            "authority breaks search engines' rules and puts the whole site at risk.",
            {"url": url, "signals": uniq[:MAX_LISTED]},
            "Remove the paid links, or mark every paid or sponsored link rel=sponsored, and take down "
            "link-selling offers."))
    return findings
