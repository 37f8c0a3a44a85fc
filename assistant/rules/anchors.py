"""Anchor-text rules: one internal anchor everywhere, one anchor for several pages, exact-match backlink anchors."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import unquote, urlsplit

from assistant.models import Backlink, Finding
from assistant.rules.data import AuditData
from assistant.words import is_generic, norm_anchor, words

MAX_LISTED = 20
_TOKEN = re.compile(r"[^\W_]+")


def same_anchor_everywhere(data: AuditData) -> list[Finding]:
    s = data.settings
    anchors: dict[str, Counter[str]] = defaultdict(Counter)
    shown: dict[str, str] = {}
    hubs = data.hubs      # a listing page links by title by definition: its anchors are nobody's choice
    for link in data.links:
        if (link.internal and link.placement == "content" and link.source != link.target and link.anchor
                and link.source not in hubs and data.live(link.target)):
            key = norm_anchor(link.anchor)
            anchors[link.target][key] += 1
            shown.setdefault(key, link.anchor)
    findings = []
    for target, counts in sorted(anchors.items()):
        total = sum(counts.values())
        if total < s.same_anchor_min_inlinks:
            continue
        top, n = counts.most_common(1)[0]
        share = n / total
        if share <= s.same_anchor_share or numbered_name(shown[top], data.pages[target].title
                                                         if target in data.pages else ""):
            continue
        findings.append(Finding(
            "same-anchor-everywhere", "medium", [target],
            f"{n} of the {total} in-content links to {data.title(target)} use the same anchor “{shown[top]}” "
            f"({share:.0%}): repeated identical anchors look engineered and describe the page in only one way.",
            {"target": target, "anchor": shown[top], "uses": n, "content_inlinks": total, "share": round(share, 3),
             "anchors": dict(counts.most_common(8))},
            "Vary the anchors: rewrite some of these links with other natural phrases from their sentences "
            "(synonyms, the question the page answers, a partial title)."))
    return findings


def numbered_name(anchor: str, title: str) -> bool:
    """Is the anchor the numbered name its target's title gives it ("Newsletter #405" of "Bitcoin Optech Newsletter
    #405", "Go 1.21" of "Go 1.21 is released")? A name with a number is how a site refers to that page, the same
    way every time by nature: no anchor profile to vary."""
    a, t = _TOKEN.findall(anchor.lower()), _TOKEN.findall(title.lower())
    return bool(a) and any(any(c.isdigit() for c in w) for w in a) and any(t[i:i + len(a)] == a for i in range(len(t)))


def anchor_cannibalisation(data: AuditData) -> list[Finding]:
    targets: dict[str, Counter[str]] = defaultdict(Counter)
    shown: dict[str, str] = {}
    for link in data.links:
        if link.internal and link.placement == "content" and not is_generic(link.anchor):
            resolved = _final(data, link.target)
            key = norm_anchor(link.anchor)
            targets[key][resolved] += 1
            shown.setdefault(key, link.anchor)
    findings = []
    for key, counts in sorted(targets.items()):
        if len(counts) < 2 or len(key.split()) < 2:     # one word is too ambiguous to call cannibalisation
            continue
        pages = sorted(counts, key=lambda u: (-counts[u], u))
        findings.append(Finding(
            "anchor-cannibalisation", "medium" if sum(counts.values()) >= 4 else "low", pages[:MAX_LISTED],
            f"The anchor “{shown[key]}” links to {len(counts)} different pages, so search engines cannot tell "
            "which page is the one for that phrase.",
            {"anchor": shown[key], "targets": {u: counts[u] for u in pages[:MAX_LISTED]}},
            f"Choose one page for “{shown[key]}” (usually {pages[0]}) and give the links to the other pages "
            "anchors that describe them."))
    return findings


def _final(data: AuditData, url: str) -> str:
    page = data.pages.get(url)
    return page.final_url if page and page.final_url and page.status and 300 <= page.status < 400 else url


def keyphrases(url: str, title: str) -> set[str]:
    """What counts as exact-match for a page: its title and its slug, as normalised phrases."""
    slug = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    slug = re.sub(r"\.\w{2,5}$", "", slug)
    out = {norm_anchor(title), norm_anchor(re.sub(r"[-_+]+", " ", slug))}
    main_title = re.split(r"\s[|:–—-]\s", title)[0]
    out.add(norm_anchor(main_title))
    return {p for p in out if p and len(words(p)) >= 1}


def _brand(anchor: str, brands: list[str], source: Backlink, target: str) -> bool:
    a = norm_anchor(anchor)
    host = (urlsplit(target).hostname or "").removeprefix("www.").split(".")[0]
    names = [norm_anchor(b) for b in brands] + ([host] if host and not host.replace("-", "").isdigit() else [])
    return any(n and n in a for n in names) or a.startswith(("http", "www")) or "." in anchor.strip().split(" ")[0]


def exact_match_anchor_overuse(data: AuditData) -> list[Finding]:
    s = data.settings
    by_target: dict[str, list[Backlink]] = defaultdict(list)
    for b in data.backlinks:
        if b.target_url and not b.lost:
            by_target[b.target_url].append(b)
    findings = []
    for target, links in sorted(by_target.items()):
        if len(links) < s.exact_match_min_backlinks:
            continue
        phrases = keyphrases(target, data.title(target) if target in data.pages else "")
        anchors = [norm_anchor(b.anchor) for b in links]
        exact = [a for a, b in zip(anchors, links, strict=True)
                 if a in phrases and not _brand(b.anchor, s.brand_terms, b, target)]
        share = len(exact) / len(links)
        non_brand = Counter(a for a, b in zip(anchors, links, strict=True)
                            if a and not is_generic(a) and not _brand(b.anchor, s.brand_terms, b, target))
        top, top_n = non_brand.most_common(1)[0] if non_brand else ("", 0)
        dominant = top_n / len(links) > s.dominant_anchor_share
        if share <= s.exact_match_share and not dominant:
            continue
        if share > s.exact_match_share:
            what = (f"{len(exact)} of its {len(links)} backlinks ({share:.0%}) use the exact-match anchor "
                    f"“{Counter(exact).most_common(1)[0][0]}”")
        else:
            what = f"one anchor, “{top}”, makes up {top_n} of its {len(links)} backlinks ({top_n / len(links):.0%})"
        findings.append(Finding(
            "exact-match-anchor-overuse", "high", [target],
            f"{data.title(target)}: {what}; a natural profile is mostly brand, URL and varied phrases, and "
            "exact-match anchor stuffing is a classic manipulation signal.",
            {"target": target, "backlinks": len(links), "exact_match": len(exact), "share": round(share, 3),
             "threshold": s.exact_match_share, "keyphrases": sorted(phrases),
             "top_anchors": dict(Counter(anchors).most_common(8))},
            "Stop asking for (or buying) keyword anchors; when you earn new links let the linking site choose, "
            "prefer your brand or the page's URL, and vary internal anchors instead."))
    return findings
