"""Rules about the links themselves: broken, redirected, nofollowed internal links; pages stuffed with links."""

from __future__ import annotations

from collections import defaultdict

from assistant.models import Finding
from assistant.rules.data import AuditData, LinkInfo

MAX_LISTED = 20


def _by_target(links: list[LinkInfo]) -> dict[str, list[LinkInfo]]:
    out: dict[str, list[LinkInfo]] = defaultdict(list)
    for link in links:
        out[link.target].append(link)
    return out


def _sources(links: list[LinkInfo]) -> list[str]:
    return sorted({link.source for link in links})


def broken_internal_link(data: AuditData) -> list[Finding]:
    findings = []
    internal = [link for link in data.links if link.internal]
    for target, links in sorted(_by_target(internal).items()):
        page = data.pages.get(target)
        status = page.status if page else None
        reason = data.errors.get(target)
        broken = (status is not None and status >= 400) or (status is None and reason is not None
                                                             and reason not in ("robots",))
        if not broken:
            continue
        sources = _sources(links)
        what = f"returns HTTP {status}" if status else f"fails ({reason})"
        content = sum(link.placement == "content" for link in links)
        findings.append(Finding(
            "broken-internal-link", "high", [target, *sources[:MAX_LISTED]],
            f"{len(links)} internal link(s) on {len(sources)} page(s) point to {target}, which {what}: visitors "
            "hit a dead end and the link value is lost.",
            {"target": target, "status": status, "error": reason, "links": len(links), "content_links": content,
             "sources": sources[:MAX_LISTED], "anchors": sorted({link.anchor for link in links})[:10]},
            f"Point these links to the live page that replaced {target}, or restore it (or 301-redirect it to the "
            "closest live page)."))
    return findings


def redirected_internal_link(data: AuditData) -> list[Finding]:
    findings = []
    internal = [link for link in data.links if link.internal]
    for target, links in sorted(_by_target(internal).items()):
        page = data.pages.get(target)
        if page is None or page.status is None or not 300 <= page.status < 400:
            continue
        sources = _sources(links)
        final = page.final_url or "?"
        findings.append(Finding(
            "redirected-internal-link", "medium" if len(sources) >= 5 else "low", [target, *sources[:MAX_LISTED]],
            f"{len(links)} internal link(s) on {len(sources)} page(s) go to {target}, which redirects "
            f"({page.status}) to {final}: every click costs an extra request and some link value.",
            {"target": target, "status": page.status, "final_url": final, "links": len(links),
             "sources": sources[:MAX_LISTED]},
            f"Change these links to point straight at {final}."))
    return findings


def internal_nofollow(data: AuditData) -> list[Finding]:
    findings = []
    nofollowed = [link for link in data.links if link.internal and link.nofollow]
    for target, links in sorted(_by_target(nofollowed).items()):
        sources = _sources(links)
        findings.append(Finding(
            "internal-nofollow", "medium", [target, *sources[:MAX_LISTED]],
            f"{len(links)} internal link(s) to {target} carry rel=nofollow: you are telling search engines not to "
            "pass your own pages' authority to your own page.",
            {"target": target, "links": len(links), "sources": sources[:MAX_LISTED],
             "rel": sorted({link.rel for link in links})},
            "Remove rel=nofollow from internal links; if the page should not be indexed, use noindex on it instead."))
    return findings


def too_many_links(data: AuditData) -> list[Finding]:
    s = data.settings
    counts: dict[str, list[LinkInfo]] = defaultdict(list)
    for link in data.links:
        counts[link.source].append(link)
    findings = []
    for url, links in sorted(counts.items()):
        page = data.pages.get(url)
        if page is None or not page.html:
            continue
        content = [link for link in links if link.placement == "content"]
        density = 100 * len(content) / page.word_count if page.word_count else 0.0
        dense = len(content) >= 20 and density > s.content_links_per_100_words
        if len(links) <= s.too_many_links and not dense:
            continue
        external = sum(not link.internal for link in links)
        why = (f"{len(links)} links (the limit is {s.too_many_links})" if len(links) > s.too_many_links else
               f"{len(content)} links in {page.word_count} words of text ({density:.1f} per 100 words, the limit "
               f"is {s.content_links_per_100_words:g})")
        findings.append(Finding(
            "too-many-links", "medium", [url],
            f"{url} has {why}: each link passes less value, and readers and search engines can no longer tell "
            "which ones matter.",
            {"links": len(links), "content_links": len(content), "external_links": external,
             "words": page.word_count, "content_links_per_100_words": round(density, 1),
             "limit": s.too_many_links},
            "Keep the links that help the reader on this page, move long link lists to a category or hub page, "
            "and drop repeated links to the same target."))
    return findings
