"""Deterministic intent routing and page resolution for questions in plain words. Pure.

The LLM never decides what a question is about: a question is routed by its wording to one engine
(suggest --to, suggest --from, the audit, outreach, imported traffic, facts about a page, or general
retrieval), and the pages
it names are resolved here from URLs, paths, quoted titles or title words ("my backlinked guide" = the
pages with the most referring domains whose title says "guide").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from assistant.rules.data import STOPWORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
_PATH = re.compile(r"(?<![\w/])/(?:[\w\-./%~]*[\w\-/])?")        # "/" alone is the home page
_QUOTED = re.compile(r"[\"“‘']([^\"”’']{3,120})[\"”’']")
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1}


class Intent(StrEnum):
    link_to = "link-to"            # which pages should link to X
    link_from = "link-from"        # what should X link to
    audit = "audit"                # problems, rules, findings
    outreach = "outreach"          # earning backlinks
    policy = "policy"              # buying, selling or exchanging links: answered by the rules
    page = "page-facts"            # facts about one page
    follow_up = "follow-up"        # "and the second one?" about the previous answer's suggestions
    traffic = "traffic"            # imported search and analytics data: visits, queries, near page one
    general = "general"


_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.policy, re.compile(r"\b(buy|buying|bought|purchas\w*|pay(ing)? for|sell(ing)?|rent(ing)?|swap(ping)?|"
                               r"exchang\w*|trade|trading|pbn|private blog network|link scheme|link farm)\b.{0,40}"
                               r"\b(links?|backlinks?)\b|\b(links?|backlinks?)\b.{0,30}\b(for sale|for money|"
                               r"exchange|swap)\b", re.I)),
    (Intent.link_from, re.compile(r"\b(what|which|where) (pages? )?should (\S+ ){1,6}link to\b|\blinks? (should|could|"
                                  r"can) (\S+ ){1,6}(add|get|have|include)\b|\blink (out )?from\b|\boutgoing links?\b|"
                                  r"\bsuggest links? (for|on|in)\b", re.I)),
    (Intent.link_to, re.compile(r"\b(which|what) pages? (should|could|can|would) link\b|\blink(s|ing)? to\b|"
                                r"\bpoint(ing)? to\b|\binternal links? (to|for)\b|\bwho should link\b|\bboost\b|"
                                r"\b(route|send|pass|flow)\w* (the )?(authority|pagerank|link equity|value)\b", re.I)),
    (Intent.traffic, re.compile(r"\btraffic\b|\bvisit(s|ors|ed)\b|\bquer(y|ies)\b|\bkeywords?\b|\brank(s|ing)? for\b|"
                                r"\bimpressions\b|\bclicks\b(?! deep)|\bpage (one|1)\b|\bfirst page\b|"
                                r"\bstriking distance\b|\bsearch console\b", re.I)),
    (Intent.outreach, re.compile(r"\b(outreach|earn\w*|get|gain\w*|attract\w*|build\w*|more) (\S+ ){0,3}backlinks?\b|"
                                 r"\bprospects?\b|\bguest post\w*\b|\bpitch\w*\b|\boutreach\b", re.I)),
    (Intent.audit, re.compile(r"\baudit\b|\bproblems?\b|\bissues?\b|\bbroken\b|\borphan\w*\b|\bfindings?\b|"
                              r"\bwrong\b|\bfix\b|\btoo many links\b|\bover-?optimi[sz]\w*\b|\bexact[- ]match\b|"
                              r"\brules?\b|\bunderlinked\b|\bstale\b|\bold content\b|\bhealth\b", re.I)),
    (Intent.page, re.compile(r"\bhow many\b|\bpagerank\b|\blink score\b|\binlinks?\b|\bclick depth\b|\bdepth\b|"
                             r"\breferring domains?\b|\btell me about\b|\bfacts?\b|\bstats?\b", re.I)),
]
# words that say what is asked, not which page: left out of title matching
_QUESTION_WORDS = frozenset([
    "which", "what", "where", "who", "how", "should", "could", "would", "can", "pages", "page", "link", "links",
    "linking", "linked", "internal", "site", "my", "our", "the", "to", "from", "add", "suggest", "suggestions",
    "point", "boost", "authority", "backlinked", "backlink", "backlinks", "referring", "domains", "domain", "most",
    "best", "top", "strongest", "post", "posts", "article", "articles", "blog", "please", "tell", "me", "about",
    "anchor", "anchors", "use", "one", "ones", "sentence", "get", "more", "earn", "outreach", "audit", "problems",
    "issues", "wrong", "fix", "rules", "rule",
])
_BACKLINKED = re.compile(r"\bbacklink(ed|s)?\b|\breferring domains?\b|\bmost linked\b", re.I)


@dataclass(frozen=True)
class PageRef:
    """What the router needs to know of a page to resolve it by name."""

    url: str
    title: str
    referring_domains: int = 0
    pagerank: float = 0.0


@dataclass
class Route:
    intent: Intent
    pages: list[str] = field(default_factory=list)     # resolved page URLs, best first
    ordinal: int | None = None                          # "the second one" -> 1 (follow-ups)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def route(question: str, pages: list[PageRef], has_previous: bool = False) -> Route:
    """The intent of ``question`` and the pages it names (``pages``: the workspace's indexable pages)."""
    intent = next((i for i, pattern in _PATTERNS if pattern.search(question)), Intent.general)
    found, how = resolve_pages(question, pages)
    ordinal = _ordinal(question)
    if has_previous and ordinal is not None and (not found or how == "title words"):
        return Route(Intent.follow_up, [], ordinal)
    if intent is Intent.general and found and how != "title words":
        intent = Intent.page
    return Route(intent, found, ordinal)


def _ordinal(question: str) -> int | None:
    for w in words(question):
        if w in _ORDINALS:
            return _ORDINALS[w]
    m = re.search(r"#(\d+)|\bnumber (\d+)\b|\bsuggestion (\d+)\b", question, re.I)
    if m:
        return max(int(next(g for g in m.groups() if g)) - 1, 0)
    return None


def resolve_pages(question: str, pages: list[PageRef]) -> tuple[list[str], str]:
    """Pages named by URL, path, quoted title or title words; ([], "") when none."""
    by_url = {p.url: p for p in pages}
    by_path: dict[str, list[str]] = {}
    for p in pages:
        path = urlsplit(p.url).path or "/"
        for key in {path, path.rstrip("/") or "/", path.rstrip("/") + "/"}:
            by_path.setdefault(key, []).append(p.url)
    for m in URL.finditer(question):
        url = m.group(0).rstrip(".,;:!?")
        for candidate in (url, url.rstrip("/") + "/", url.rstrip("/")):
            if candidate in by_url:
                return [candidate], "URL"
        path = urlsplit(url).path
        if path in by_path:
            return by_path[path][:1], "URL"
    for m in _PATH.finditer(question):
        path = m.group(0).rstrip(".,;:!?")
        if path in by_path:
            return by_path[path][:1], "path"
    quoted = [q.lower() for q in _QUOTED.findall(question)]
    for q in quoted:
        exact = [p.url for p in pages if p.title.lower().strip() == q.strip()]
        if exact:
            return exact, "title"
    return by_title_words(question, pages)


def by_title_words(question: str, pages: list[PageRef]) -> tuple[list[str], str]:
    """Pages whose titles share the question's content words; with "backlinked" (or "referring domains"),
    only pages with backlinks, the most referring domains first."""
    wanted = {w for w in words(question) if w not in STOPWORDS and w not in _QUESTION_WORDS and len(w) > 1}
    backlinked = bool(_BACKLINKED.search(question))
    pool = [p for p in pages if p.referring_domains > 0] if backlinked else pages
    if backlinked and not wanted and pool:
        best = sorted(pool, key=lambda p: (-p.referring_domains, -p.pagerank, p.url))
        return [p.url for p in best[:3]], "most referring domains"
    if not wanted:
        return [], ""
    scored = []
    for p in pool:
        hits = _hits(wanted, words(p.title) + words(urlsplit(p.url).path))
        if hits:
            scored.append((-hits, -p.referring_domains, -p.pagerank, p.url))
    scored.sort()
    if not scored:
        if backlinked and pool:      # "my backlinked tutorial" with no title to match: the best backlinked pages
            return by_title_words("backlinked", pool)
        return [], ""
    top = scored[0][0]
    return [s[3] for s in scored if s[0] == top][:3], "title words"


def _hits(wanted: set[str], title: list[str]) -> float:
    """How well a page's title (and URL words) answers the wanted words: 1 per word, ½ per plural/singular
    variant or per word inside a compound ("tutorial" in "gittutorial")."""
    exact = set(title)
    variants = _stems(title) - exact
    hits = 0.0
    for w in wanted:
        if w in exact:
            hits += 1
        elif w in variants or (len(w) >= 5 and any(w in t for t in exact)):
            hits += 0.5
    return hits


def _stems(ws: list[str]) -> set[str]:
    """Crude plural/singular variants ("guides" ~ "guide")."""
    out = set()
    for w in ws:
        out.add(w[:-1] if w.endswith("s") and len(w) > 3 else w + "s")
    return out
