"""irrelevant-link: internal links between pages with no topic in common, and backlinks from unrelated pages."""

from __future__ import annotations

import functools
import re

from assistant.models import Finding
from assistant.rules.data import AuditData
from assistant.words import STOPWORDS

MIN_BACKLINK_WORDS = 12       # a backlink's title and context need this many words to judge their topic


def _finding(severity: str, source: str, target: str, anchor: str, score: float, limit: float, kind: str,
             message: str, fix: str) -> Finding:
    return Finding("irrelevant-link", severity, [source, target], message,
                   {"source": source, "target": target, "anchor": anchor, "similarity": round(score, 3),
                    "threshold": limit, "method": kind}, fix)


_LATIN_WORD = re.compile(r"[^\W\d_]+")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# the commonest function words of Spanish, French, German, Portuguese and Italian that are no English words: a page
# written mostly in them is in another language, where the English embedding model's similarity means nothing (an
# unseen blog's Spanish post linking to its English version was called an irrelevant link)
FOREIGN = _set("""
el la los las del que y es una por con para como pero sus al lo se su más este esta nuestro nuestra
le les des et est une du pour dans qui sur pas avec ce sont nous vous leur
der das und ist nicht mit ein eine zu den dem des sich auch wir ihr
da os um uma não mais seu sua nos é
il di che della gli sono per una questo anche
""")


def english(text: str) -> bool:
    """Can English vectors compare this text: not written mostly in another language's function words?"""
    tokens = _LATIN_WORD.findall(text[:4000].lower())
    foreign = sum(t in FOREIGN for t in tokens)
    return foreign < 0.1 * len(tokens) or foreign <= sum(t in STOPWORDS for t in tokens)


def irrelevant_link(data: AuditData) -> list[Finding]:
    s = data.settings
    sim = data.similarity
    if sim is None:
        return []
    limit = data.threshold(s.irrelevant_similarity, s.irrelevant_similarity_tfidf)
    findings = []
    seen: set[tuple[str, str]] = set()
    # each page's language is read once, not once per link to or from it
    readable = functools.cache(lambda url: english(data.pages[url].text))
    for link in data.links:
        pair = (link.source, link.target)
        if (not link.internal or link.placement != "content" or pair in seen or link.source == link.target
                or link.source in data.hubs or data.names(link.anchor, link.target)):
            continue          # (an anchor that names its target is a reference the reader asked for)
        seen.add(pair)
        if not all(readable(u) for u in pair if u in data.pages):
            continue          # another language: no similarity to judge by
        score = sim.pair(*pair)
        if score is not None and score < limit:
            findings.append(_finding(
                "medium", link.source, link.target, link.anchor, score, limit, sim.kind,
                f"{data.title(link.source)} links to {data.title(link.target)} although the two pages share almost "
                f"no topic (similarity {score:.2f}): readers do not expect it and it passes little relevance.",
                "Replace it with a link to a page on the same topic, or remove it."))
    for b in data.backlinks:
        text = " ".join(x for x in (b.source_title, b.left_context, b.anchor, b.right_context) if x)
        if b.lost or not b.target_url or len(text.split()) < MIN_BACKLINK_WORDS:
            continue
        score = sim.text_to(text, b.target_url)
        if score is not None and score < limit:
            findings.append(_finding(
                "low", b.source_url, b.target_url, b.anchor, score, limit, sim.kind,
                f"The backlink from {b.source_domain} to {data.title(b.target_url)} comes from a page about "
                f"something else (similarity {score:.2f}): it brings little relevance and may look unnatural.",
                "Focus outreach on sites about your topic; leave this link alone unless it is also paid."))
    return findings
