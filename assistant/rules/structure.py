"""Structure rules: orphans, important pages with too few links, old content nobody links to any more."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from assistant import graph
from assistant.graph import MIN_ARTICLE_WORDS
from assistant.models import Finding
from assistant.rules.data import AuditData

MAX_LISTED = 10
RELATED_QUANTILE = 0.95     # a related pair is more similar than 95 % of the site's random page pairs


def orphan_page(data: AuditData) -> list[Finding]:
    findings = []
    for url, m in sorted(data.metrics.items()):
        if not m.orphan:
            continue
        page = data.pages.get(url)
        known = [w for w, yes in (("the sitemap", page is not None and page.in_sitemap),
                                  ("backlinks", data.referring_domains.get(url, 0) > 0)) if yes] or ["backlinks"]
        confirmed = m.orphan == "confirmed"
        findings.append(Finding(
            "orphan-page", "high" if confirmed else "medium", [url],
            f"{data.title(url)} is listed in {' and '.join(known)} but no page of the site links to it"
            + ("" if confirmed else " (the crawl stopped at a limit, so a link may exist on a page not crawled)")
            + ": visitors cannot reach it and it receives no internal authority.",
            {"url": url, "orphan": m.orphan, "known_from": known, "crawl_complete": data.crawl_complete,
             "referring_domains": data.referring_domains.get(url, 0)},
            f"Link to it from related pages (`assistant suggest --to {url}` finds them) and from its category or "
            "hub page; if it is obsolete, redirect it to its replacement."))
    return findings


def important_pages(data: AuditData) -> dict[str, list[str]]:
    """Important pages with why: backlinked, high Link Score (top share), named in the config, or by traffic (top
    share by clicks, striking distance)."""
    share = data.settings.important_top_share
    articles = {m.url: m.pagerank for m in data.metrics.values() if m.indexable and m.url not in data.hubs
                and data.pages[m.url].word_count >= MIN_ARTICLE_WORDS}
    return graph.important_pages(data.important, data.referring_domains, data.metrics, articles, share,
                                 lambda url: f"Link Score {data.metrics[url].link_score:.0f} (top {share:.0%})",
                                 data.traffic)


def important_page_underlinked(data: AuditData) -> list[Finding]:
    s = data.settings
    findings = []
    for url, reasons in sorted(important_pages(data).items()):
        m = data.metrics.get(url)
        if m is None or not m.indexable:
            continue
        few = m.content_inlinks < s.underlinked_content_inlinks
        deep = m.depth is None or m.depth > s.underlinked_max_depth
        if not few and not deep:
            continue
        problems = []
        if few:
            problems.append(f"only {m.content_inlinks} in-content link{'s' if m.content_inlinks != 1 else ''} "
                            f"from other pages")
        if deep:
            problems.append("no click path from the home page" if m.depth is None else f"{m.depth} clicks from the "
                            "home page")
        backlinked = data.referring_domains.get(url, 0) > 0
        findings.append(Finding(
            "important-page-underlinked", "high" if backlinked else "medium", [url],
            f"{data.title(url)} matters ({'; '.join(reasons)}) but has {' and '.join(problems)}: the authority it "
            "earns or could pass is not routed through the site.",
            {"url": url, "why_important": reasons, "content_inlinks": m.content_inlinks, "inlinks": m.inlinks,
             "depth": m.depth, "link_score": round(m.link_score, 1), "max_depth": s.underlinked_max_depth,
             "min_content_inlinks": s.underlinked_content_inlinks},
            f"Add contextual links to it from relevant, well-linked pages (`assistant suggest --to {url}` finds "
            "them) and link it from a hub page within three clicks of the home page."))
    return findings


def _months_between(a: date, b: date) -> float:
    return (b - a).days / 30.44


def forgotten_old_content(data: AuditData) -> list[Finding]:
    s = data.settings
    sim = data.similarity
    dated = {u: p.published for u, p in data.pages.items() if p.published and p.indexable}
    if sim is None or not dated:
        return []
    recent = {u for u, d in dated.items() if _months_between(d, data.today) <= s.recent_months}
    linked_from_recent: dict[str, set[str]] = defaultdict(set)
    for link in data.links:
        if link.internal and link.placement == "content" and link.source in recent:
            linked_from_recent[link.target].add(link.source)
    findings = []
    articles = {u for u in dated if u not in data.hubs and data.pages[u].word_count >= MIN_ARTICLE_WORDS}
    # "related" is relative to the site: on a one-topic blog every page is somewhat similar to every other
    limit = max(data.threshold(s.related_similarity, s.related_similarity_tfidf), sim.quantile(RELATED_QUANTILE))
    for url in sorted(articles):
        published = dated[url]
        if _months_between(published, data.today) < s.old_after_months or linked_from_recent.get(url):
            continue
        # actionable only when a recent page on the same topic exists: it is where the link should go
        related = [(u, score) for u, score in sim.most_similar(url, recent & articles, k=5) if score >= limit]
        if not related:
            continue
        findings.append(Finding(
            "forgotten-old-content", "low", [url, *(u for u, _ in related[:3])],
            f"{data.title(url)} (published {published.isoformat()}) gets no in-content link from any page of the "
            f"last {s.recent_months} months, although newer pages cover related ground: its value fades unless new "
            "posts point back to it.",
            {"url": url, "published": published.isoformat(), "related_newer": {u: round(x, 3) for u, x in related},
             "similarity": sim.kind},
            f"Link to it from {related[0][0]} (similarity {related[0][1]:.2f}) where the topic comes up, and refresh "
            "it if facts have changed."))
    return findings
