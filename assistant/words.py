"""The words the engines share: a text's content words, stopwords, anchors as compared, generic anchors, and ISO
dates as stored. Pure; below store, ingest, rules, suggest and chain, which all import it downward."""

from __future__ import annotations

import re
from datetime import date

_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]", re.UNICODE)
STOPWORDS = frozenset([
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
    "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into",
    "is", "it", "its", "just", "more", "most", "no", "not", "of", "on", "one", "or", "our", "out", "so", "some",
    "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "too", "up",
    "us", "was", "we", "were", "what", "when", "which", "who", "will", "with", "would", "you", "your"
])
GENERIC_ANCHORS = frozenset({
    "here", "click here", "this", "this post", "this page", "this article", "this blog post", "link", "read more",
    "more", "learn more", "see here", "the post", "post", "page", "article", "blog", "blog post", "website", "site",
    "source", "details", "docs", "documentation", "announcement", "the announcement", "release notes", "previous",
    "next", "home", "the blog post", "this one", "there", "it"})


def words(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOPWORDS]


def norm_anchor(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s'-]", " ", text.lower()).split())


def iso_date(text: str | None) -> date | None:
    """The date at the start of an ISO string (``2026-11-25`` or ``2026-11-25T10:00``), else None."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def is_generic(anchor: str) -> bool:
    a = norm_anchor(anchor)
    return not a or a in GENERIC_ANCHORS or len(a) < 3 or a.startswith(("http ", "https ", "www "))
