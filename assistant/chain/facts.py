"""What the engines say about a routed question: the deterministic half of every answer.

:class:`Workspace` loads the engines once (a chat session or the Slack bot asks many questions) and
:func:`gather` turns a :class:`~assistant.chain.intent.Route` into :class:`Facts`: numbered sources (the pages
an answer may cite), a short fact sheet for the prompt, and the structured suggestions or findings.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.chain.guard import defang
from assistant.chain.intent import Intent, PageRef, Route
from assistant.lazy import once
from assistant.models import Finding

if TYPE_CHECKING:
    from assistant.store.clients import Clients
    from assistant.store.embedder import Embedder
    from assistant.store.vectors import VectorStore
    from assistant.suggest import Engine, SiteData, Suggestion

SUGGESTIONS = 5
FINDINGS = 6
PASSAGES = 3
# Every token of the user section is read before the model's first token (45 tokens/s for the 0.5B model on
# 2 slow cores, bench/chat.py): the fact sheet gives the model only the gist (a title is named once, reasons
# are short), and the engines' whole list is shown beside its lead.
SHEET_FINDINGS = 3
SHEET_SUGGESTIONS = 3
SHEET_REASON = 48
SHEET_MESSAGE = 70
PASSAGE_CHARS = 180


@dataclass
class Source:
    n: int
    url: str
    title: str
    text: str = ""            # main text, for checking quotes against (not sent to the model)


@dataclass
class Facts:
    intent: Intent
    sheet: list[str] = field(default_factory=list)          # one fact per line, citing [n]
    sources: list[Source] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)       # retrieved page text: data, never instructions
    fallback: str = ""                                      # the answer when the model is not used or fails

    def cite(self, url: str, title: str, text: str = "") -> int:
        for s in self.sources:
            if s.url == url:
                return s.n
        self.sources.append(Source(len(self.sources) + 1, url, title, text))
        return len(self.sources)


class Workspace:
    """The engines over one workspace, each loaded on first use and kept.

    The loads are safe from several threads: one that needs what another (the chat's or the Slack bot's
    warm-up, another question) is building waits for that build and shares it. :meth:`warm` builds them all.
    """

    WARM = ("data", "refs", "engine", "overview", "findings", "retrieval")   # what :meth:`warm` builds, in order

    def __init__(self, services: Clients) -> None:
        self.services = services

    @once
    def data(self) -> SiteData:
        """The site as the engines see it (pages, links, PageRank, chunk vectors)."""
        from assistant.suggest import load_site

        return load_site(self.services)

    @once
    def engine(self) -> Engine:
        """The suggestion engine with its lexical, phrase and graph indexes built."""
        from assistant.suggest import Engine

        engine = Engine(self.data)
        engine.warm()
        return engine

    @once
    def findings(self) -> list[Finding]:
        from assistant.rules import run_rules
        from assistant.rules.load import load_audit

        return run_rules(load_audit(self.services))

    @once
    def refs(self) -> list[PageRef]:
        data = self.data
        return [PageRef(u, p.title, data.referring_domains.get(u, 0), data.pagerank.get(u, 0.0))
                for u, p in data.pages.items()]

    @once
    def overview(self) -> dict[str, dict[str, Any]]:
        from assistant.backlinks import backlinked_targets
        from assistant.overview import pages_overview

        db = self.services.db
        return {r["url"]: r for r in pages_overview(db, backlinked=backlinked_targets(db))}

    @once
    def retrieval(self) -> tuple[Embedder, VectorStore] | None:
        """The query embedder and the chunk store; None when the workspace has no embeddings."""
        _ = self.data                     # which opened the store if it has vectors (one store, built once)
        if not self.services.db.counts()["embedded_chunks"]:
            return None
        return self.services.embedder, self.services.vectors

    def title(self, url: str) -> str:
        page = self.data.pages.get(url)
        return page.title if page else url

    def text(self, url: str) -> str:
        page = self.data.pages.get(url)
        return page.text if page else ""

    def retrieve(self, question: str, k: int = PASSAGES) -> list[tuple[str, str, str]]:
        """(url, title, chunk text) of the chunks closest to the question; [] without embeddings."""
        if self.retrieval is None:
            return []
        embedder, vectors = self.retrieval
        vector = embedder.embed([question])[0]
        return [(h.url, h.title, h.text) for h in vectors.query(vector, k)]

    def warm(self, cancelled: threading.Event | None = None) -> None:
        """Build everything a question may need (:attr:`WARM`), and load the vector index with one query;
        stops between two builds once ``cancelled`` is set."""
        for name in self.WARM:
            if cancelled is not None and cancelled.is_set():
                return
            getattr(self, name)
        if self.retrieval is not None and not (cancelled is not None and cancelled.is_set()):
            self.retrieve("internal links", 1)


def gather(ws: Workspace, route: Route, question: str, previous: Facts | None = None) -> Facts:
    """The facts for one routed question (``previous``: the last answer's facts, for follow-ups)."""
    facts = Facts(route.intent)
    handler = _HANDLERS.get(route.intent, _general)
    handler(ws, route, question, facts, previous)
    if not facts.fallback:
        facts.fallback = " ".join(facts.sheet) or "The workspace holds nothing that answers this."
    return facts


def _suggestion_lines(ws: Workspace, facts: Facts, found: list[Suggestion], fixed: str) -> None:
    """A short line for each of the first suggestions, naming the page that is not ``fixed`` (the target or
    source the sheet's first line names)."""
    for i, s in enumerate(found):
        n = facts.cite(s.source_url, ws.title(s.source_url), ws.text(s.source_url))
        m = facts.cite(s.target_url, ws.title(s.target_url), ws.text(s.target_url))
        if i >= SHEET_SUGGESTIONS:       # cited, and in the list shown beside the lead
            continue
        other, k = (s.target_url, m) if s.source_url == fixed else (s.source_url, n)
        why = _clip(s.reasons[0], SHEET_REASON) if s.reasons else "relevant"
        facts.sheet.append(f"- [{k}] \"{ws.title(other)}\" ({why})")
    facts.suggestions = found


def _link_to(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    if not route.pages:
        facts.fallback = ("Which page? Name it by URL, path or title "
                          "(for example: which pages should link to /blog/x/?).")
        return
    target = route.pages[0]
    t = facts.cite(target, ws.title(target), ws.text(target))
    rd = ws.data.referring_domains.get(target, 0)
    found = ws.engine.suggest_to(target, SUGGESTIONS)
    facts.sheet.append(f"Target [{t}] \"{ws.title(target)}\" ({rd} referring domains). "
                       f"{len(found)} pages that do not link to it yet should link to [{t}], the strongest first:")
    _suggestion_lines(ws, facts, found, target)
    facts.fallback = _list_answer(f"These pages should link to [{t}] \"{ws.title(target)}\":", facts)


def _link_from(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    if not route.pages:
        facts.fallback = "Which page? Name it by URL, path or title (for example: what should /blog/x/ link to?)."
        return
    source = route.pages[0]
    n = facts.cite(source, ws.title(source), ws.text(source))
    found = ws.engine.suggest_from(source, SUGGESTIONS)
    facts.sheet.append(f"Source [{n}] \"{ws.title(source)}\" should add {len(found)} links, the strongest first:")
    _suggestion_lines(ws, facts, found, source)
    facts.fallback = _list_answer(f"[{n}] \"{ws.title(source)}\" should link to:", facts)


def _list_answer(head: str, facts: Facts) -> str:
    lines = [head]
    for i, s in enumerate(facts.suggestions, 1):
        src = next(x.n for x in facts.sources if x.url == s.source_url)
        dst = next(x.n for x in facts.sources if x.url == s.target_url)
        lines.append(f"{i}. [{src}] → [{dst}] with the anchor '{s.anchor}' in \"{s.sentence}\"")
    if not facts.suggestions:
        lines.append("No page qualifies: every relevant page links to it already, or none is on its topic.")
    return "\n".join(lines)


def _audit(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    found = ws.findings
    if route.pages:
        found = [f for f in found if set(f.urls) & set(route.pages)] or found
    words = question.lower()
    named = [f for f in found if f.rule in words or f.rule.replace("-", " ") in words]
    order = {"high": 0, "medium": 1, "low": 2}
    found = sorted(named or found, key=lambda f: (order.get(f.severity, 3), f.rule))[:FINDINGS]
    counts: dict[str, int] = {}
    for f in ws.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    facts.sheet.append(f"The audit found {len(ws.findings)} findings ("
                       + ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: order.get(x[0], 3)))
                       + "). The most severe:")
    lines = [facts.sheet[0]]
    for i, f in enumerate(found):
        n = facts.cite(f.urls[0], ws.title(f.urls[0]), ws.text(f.urls[0]))
        lines.append(f"- {f.severity} {f.rule} on [{n}]: {f.message} Fix: {f.fix}")
        if i < SHEET_FINDINGS:       # the model's lead needs the gist; the whole list follows it verbatim
            facts.sheet.append(f"- {f.severity} {f.rule} on [{n}]: {_clip(f.message, SHEET_MESSAGE)}")
    facts.findings = found
    facts.fallback = "\n".join(lines)


def _policy(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    facts.fallback = POLICY
    facts.sheet.append(POLICY)


POLICY = ("Don't buy, sell, rent or exchange links: search engines treat paid links and link schemes as spam "
          "(rule paid-link) and can ignore them or penalise the site. Earn links instead with pages worth citing "
          "and honest outreach (`assistant outreach`), and route the authority you already have through "
          "internal links (`assistant suggest --to`).")


def _outreach(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    data = ws.data
    assets = route.pages or sorted(data.pages, key=lambda u: (-data.referring_domains.get(u, 0),
                                                              -data.pagerank.get(u, 0.0), u))[:3]
    lines = ["Earn backlinks from relevant, trustworthy sites, never by paying. Pages most worth promoting:"]
    for u in assets[:3]:
        n = facts.cite(u, ws.title(u), ws.text(u))
        lines.append(f"- [{n}] \"{ws.title(u)}\" ({data.referring_domains.get(u, 0)} referring domains)")
    lines.append("Give `assistant outreach --prospects FILE [--competitors EXPORT]` your prospect list or "
                 "competitors' backlink exports: it ranks relevant sites, excludes link sellers and drafts pitches.")
    facts.sheet.extend(lines)
    facts.fallback = "\n".join(lines)


def _page(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    if not route.pages:
        _general(ws, route, question, facts, previous)
        return
    url = route.pages[0]
    row = ws.overview.get(url, {})
    n = facts.cite(url, ws.title(url), ws.text(url))
    rd = ws.data.referring_domains.get(url, 0)
    depth = "none (no link reaches it)" if row.get("depth") is None else row["depth"]
    orphan = f", orphan ({row['orphan']})" if row.get("orphan") else ""
    facts.sheet.append(
        f"[{n}] \"{ws.title(url)}\": {row.get('words', 0)} words, published {row.get('published') or 'unknown'}, "
        f"click depth {depth}, {row.get('content_inlinks', 0)} content inlinks from {row.get('linking_pages', 0)} "
        f"pages, {row.get('outlinks', 0)} outlinks, Link Score {row.get('link_score', 0)}, {rd} referring domains"
        f"{orphan}.")
    facts.fallback = facts.sheet[0]


def _follow_up(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    if previous is None or not previous.suggestions or route.ordinal is None:
        _general(ws, route, question, facts, previous)
        return
    items = previous.suggestions
    i = route.ordinal if route.ordinal >= 0 else len(items) - 1
    if i >= len(items):
        facts.fallback = f"The last answer had {len(items)} suggestions."
        return
    s = items[i]
    n = facts.cite(s.source_url, ws.title(s.source_url), ws.text(s.source_url))
    m = facts.cite(s.target_url, ws.title(s.target_url), ws.text(s.target_url))
    facts.suggestions = [s]
    facts.sheet.append(f"Suggestion {i + 1}: on [{n}] \"{ws.title(s.source_url)}\" use the anchor '{s.anchor}' "
                       f"to link to [{m}], in the sentence \"{s.sentence}\". Why: {'; '.join(s.reasons[:3])}.")
    facts.fallback = facts.sheet[0]


def _general(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    named = [(u, ws.title(u), ws.text(u)) for u in route.pages[:1]]     # a page the question names by title
    for url, title, text in named + ws.retrieve(question):
        n = facts.cite(url, title or ws.title(url), ws.text(url))
        facts.passages.append(f"[{n}] {title}: {_clip(defang(' '.join(text.split())), PASSAGE_CHARS)}")
    if facts.passages:
        facts.sheet.append("The closest passages of the site are quoted below as data.")
        facts.fallback = "The closest pages of the site: " + ", ".join(
            f"[{s.n}] \"{s.title}\"" for s in facts.sources) + "."
    else:
        facts.fallback = ("I can answer questions about this site's links: which pages should link to a page, what a "
                          "page should link to, audit problems, outreach, and facts about a page.")


def _traffic(ws: Workspace, route: Route, question: str, facts: Facts, previous: Facts | None) -> None:
    from assistant.chain.traffic import answer

    answer(ws, route, question, facts)


_HANDLERS: dict[Intent, Any] = {
    Intent.link_to: _link_to, Intent.link_from: _link_from, Intent.audit: _audit, Intent.policy: _policy,
    Intent.outreach: _outreach, Intent.page: _page, Intent.follow_up: _follow_up, Intent.general: _general,
    Intent.traffic: _traffic,
}


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with … when cut)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
