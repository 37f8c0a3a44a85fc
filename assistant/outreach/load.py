"""`assistant outreach` end to end: the one module of outreach that does I/O (files, workspace, network, models).

Reads the prospect lists and competitor exports, our site from the workspace (pages, PageRank, backlinks,
page vectors), fetches and embeds each prospect page, then hands everything to the pure core
(:mod:`.rank`, :mod:`.draft`, :mod:`.guard`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from assistant import graph
from assistant.outreach import draft
from assistant.outreach.domains import registrable_domain
from assistant.outreach.guard import Grounding
from assistant.outreach.inputs import (
    CompetitorExport,
    Prospect,
    link_intersect,
    read_competitor_file,
    read_prospect_file,
)
from assistant.outreach.pages import ProspectPage, fetch_page
from assistant.outreach.rank import (
    OurPage,
    Row,
    Site,
    angle,
    angle_terms,
    assess,
    domain_exclusion,
    finalize,
    page_topics,
)
from assistant.store.backlinks import all_backlinks, top_linking_sites
from assistant.store.clients import Clients
from assistant.store.queries import UnknownURL, page_descriptions, resolve_url
from assistant.store.vectors import page_means
from assistant.suggest.load import load_site
from assistant.text import chunk_text
from assistant.words import words

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.ingest.fetch import Fetcher

MAX_PAGES_PER_DOMAIN = 3      # prospect pages fetched per domain (the best one is kept)
MAX_CHUNKS = 24               # chunks of a prospect page embedded (its first ~3,000 words)
LLM_MAX_TOKENS = 360          # one email: subject + ~150 words of body as JSON
DOMAIN_METRICS = ("domain_rating", "domain_authority", "trust_flow", "citation_flow", "spam_score")
# Off-topic, relative to the site: a prospect is off-topic when it is less similar to our page than most pairs
# of our own pages are to each other (the OFF_TOPIC_QUANTILE of random pairs); the threshold never goes below
# [audit] irrelevant_similarity. The lower quartile, not the median: with the static vectors the site's pairs
# bunch up (go-blog: quartile 0.85, median 0.88), and a Go pipelines post is then below the median to the
# context post; an online-casino page (0.59) and a bread recipe stay far below.
OFF_TOPIC_QUANTILE = 0.25
Step = Callable[[str, int, int], None]          # progress: (step name, done, total)


class OutreachClients(Clients, Protocol):
    """What outreach reads and calls: the workspace's clients, the HTTP fetcher (prospects' pages) and the LLM
    (drafts)."""

    @property
    def fetcher(self) -> Fetcher: ...

    @property
    def llm(self) -> BaseChatModel: ...


class OutreachError(Exception):
    """The workspace or the inputs cannot support an outreach run; the message says what to do."""


@dataclass
class Options:
    prospects: list[Path] = field(default_factory=list)
    competitors: list[Path] = field(default_factory=list)
    to: str | None = None
    min_competitors: int = 2
    drafts: int = 10
    use_llm: bool = True


@dataclass
class Report:
    rows: list[Row]
    warnings: list[str]
    to: str | None = None


def _quiet(_name: str, _done: int, _total: int) -> None:
    pass


def run(services: OutreachClients, opts: Options, step: Step = _quiet) -> Report:
    """Read the inputs, judge every prospect, keep one row per domain, write the emails. Raises InputError /
    OutreachError (one line each) for unusable inputs or workspace; per-prospect failures become rows."""
    warnings: list[str] = []
    listed: list[Prospect] = []
    for path in opts.prospects:
        found = read_prospect_file(path)
        listed += found.prospects
        warnings += found.warnings
    exports = [read_competitor_file(p) for p in opts.competitors]
    warnings += [w for e in exports for w in e.warnings]
    site, to = build_site(services, opts.to)
    intersect = link_intersect(exports, site.linking_domains, opts.min_competitors, exclude={site.domain})
    prospects = _merge(listed, intersect, exports, warnings)
    if not prospects:
        raise OutreachError("no prospects: the lists are empty and no referring domain links to "
                            f"{opts.min_competitors} or more competitors (--min-competitors)")
    early = {p.url for p in prospects if domain_exclusion(p, site) is not None}
    pages = _fetch(services, [p for p in prospects if p.url not in early], step)
    vectors = _embed(services, pages, step)
    rows = []
    for p in prospects:
        page = pages.get(p.url, ProspectPage(p.url, p.url))
        rows.append(assess(p, page, vectors.get(p.url), site, to))
    rows = finalize(rows)
    _write_emails(services, rows, pages, site, opts, step, warnings)
    return Report(rows, warnings, to)


# ---------------------------------------------------------------------------------------------- our site
def build_site(services: OutreachClients, to: str | None) -> tuple[Site, str | None]:
    """Our side: promotable pages with vectors and strength, domains linking to us, thresholds."""
    db = services.db
    if not db.counts()["embedded_chunks"]:
        raise OutreachError(f"the workspace {services.workspace} has no embeddings: run `assistant ingest` (without "
                            "--no-embed) first; relevance is measured against our pages' vectors")
    data = load_site(services)
    vectors = data.vectors or {}
    descriptions = page_descriptions(db)
    pages = {u: OurPage(u, p.title, draft.summary(descriptions.get(u, ""), p.text), p.text)
             for u, p in data.pages.items() if u in vectors}
    target = None
    if to is not None:
        try:
            target = resolve_url(db, to)
        except UnknownURL as exc:
            raise OutreachError(str(exc)) from None
        if target not in pages:
            raise OutreachError(f"{target} is not an indexable page with text and a vector (redirect, error, "
                                "noindex or not embedded)")
    urls = sorted(u for u in pages if u not in data.hubs) if target is None else [target]
    scores = graph.link_scores(data.pagerank)
    strength = {u: 0.75 * scores.get(u, 0.0) / 100 + 0.25 * min(1.0, math.log1p(data.referring_domains.get(u, 0))
                                                                  / math.log1p(10)) for u in urls}
    domains = Counter(registrable_domain(u) for u in data.pages)
    linking = {registrable_domain(b.source_url) for b in all_backlinks(db) if not b.lost}
    linking |= {registrable_domain("http://" + s.site) for s in top_linking_sites(db)}
    site_text = " ".join(p.text[:3000] for p in data.pages.values())
    audit = services.settings.audit
    df: Counter[str] = Counter()
    for p in data.pages.values():
        df.update(set(words(p.text)))
    site = Site(
        domain=domains.most_common(1)[0][0] if domains else "", pages=pages, urls=urls,
        matrix=np.stack([vectors[u] for u in urls]) if urls else np.zeros((0, 1), dtype=np.float32),
        strength=strength, linking_domains=linking - {""},
        topics=page_topics(ProspectPage("", "", text=site_text)),
        off_topic=max(audit.irrelevant_similarity, _pair_quantile(vectors, OFF_TOPIC_QUANTILE)),
        link_farm=audit.link_farm_external_links, too_many_links=audit.too_many_links, df=df)
    return site, target


def _pair_quantile(vectors: dict[str, NDArray[np.float32]], q: float, samples: int = 4000) -> float:
    """The q-quantile of the similarity of random pairs of our pages (seeded, so repeatable)."""
    from assistant.rules.data import Similarity

    return Similarity(vectors, "embeddings").quantile(q, samples)


# ---------------------------------------------------------------------------------------------- prospects
def _merge(listed: list[Prospect], intersect: list[Prospect], exports: list[CompetitorExport],
           warnings: list[str]) -> list[Prospect]:
    """Listed and intersect prospects, one per URL, domain metrics from the exports, at most
    MAX_PAGES_PER_DOMAIN pages per domain (the others are reported)."""
    domain_metrics: dict[str, dict[str, float]] = defaultdict(dict)
    for b in (b for e in exports for b in e.backlinks):
        known = domain_metrics[registrable_domain(b.source_url)]
        for k in DOMAIN_METRICS:
            if k in b.metrics:
                known[k] = max(known.get(k, b.metrics[k]), b.metrics[k])
    by_url: dict[str, Prospect] = {}
    for p in [*listed, *intersect]:
        old = by_url.get(p.url)
        if old is not None:
            p = replace(old, metrics={**p.metrics, **old.metrics}, competitors=old.competitors or p.competitors)
        by_url[p.url] = p
    per_domain: dict[str, int] = Counter()
    out = []
    for p in by_url.values():
        domain = registrable_domain(p.url)
        per_domain[domain] += 1
        if per_domain[domain] > MAX_PAGES_PER_DOMAIN:
            warnings.append(f"{p.origin}: more than {MAX_PAGES_PER_DOMAIN} pages of {domain}; {p.url} not judged")
            continue
        out.append(replace(p, metrics={**domain_metrics.get(domain, {}), **p.metrics}))
    return out


def _fetch(services: OutreachClients, prospects: list[Prospect], step: Step) -> dict[str, ProspectPage]:
    fetcher = services.fetcher
    out: dict[str, ProspectPage] = {}
    step("fetch pages", 0, len(prospects))
    with ThreadPoolExecutor(max_workers=max(1, services.settings.crawl.concurrency)) as pool:
        for page in pool.map(lambda p: fetch_page(fetcher, p.url), prospects):
            out[page.url] = page
            step("fetch pages", len(out), len(prospects))
    return out


def _embed(services: OutreachClients, pages: dict[str, ProspectPage], step: Step) -> dict[str, NDArray[np.float32]]:
    """Each readable page's vector: the normalised mean of its chunks' vectors, as for our pages."""
    max_tokens = services.settings.embed.chunk_tokens
    chunks = {u: [c.text for c in chunk_text(p.text, max_tokens)[:MAX_CHUNKS]] for u, p in pages.items()
              if not p.error and p.text.strip()}
    chunks = {u: c for u, c in chunks.items() if c}
    if not chunks:
        return {}
    embedder = services.embedder
    out: dict[str, NDArray[np.float32]] = {}
    step("embed pages", 0, len(chunks))
    for url, texts in chunks.items():
        out.update(page_means({url: embedder.embed(texts, services.settings.embed.batch_size)}))
        step("embed pages", len(out), len(chunks))
    return out


# ---------------------------------------------------------------------------------------------- emails
def _write_emails(services: OutreachClients, rows: list[Row], pages: dict[str, ProspectPage], site: Site, opts: Options,
                  step: Step, warnings: list[str]) -> None:
    """Angles for every target; LLM drafts for the first ``opts.drafts`` targets, the template for the rest."""
    targets = [r for r in rows if r.status == "target" and r.our_page in site.pages]
    ask = _asker(services, warnings) if opts.use_llm and opts.drafts > 0 else None
    step("draft emails", 0, len(targets))
    for i, row in enumerate(targets):
        ours = site.pages[str(row.our_page)]
        page = pages[row.prospect_url]
        terms = tuple(angle_terms(page.text, ours.text, site.df, len(site.pages)))
        row.angle = angle(row, list(terms), ours.title)
        pitch = draft.Pitch(Grounding(page.title, page.final_url, page.excerpt, ours.title, ours.url,
                                      f"{ours.summary}\n{ours.text}"), row.domain, page.excerpt, ours.summary, terms)
        email = draft.write(pitch, ask if i < opts.drafts else None)
        row.email_subject, row.email_body, row.draft = email.subject, email.body, email.source
        if email.rejected:
            row.reason += (f"; {len(email.rejected)} LLM draft(s) rejected, {email.source} used "
                           f"(last: {email.rejected[-1]})")
        step("draft emails", i + 1, len(targets))


def _asker(services: OutreachClients, warnings: list[str]) -> draft.Ask | None:
    from assistant.llm import LLMError, complete_json

    try:
        llm = services.llm
    except LLMError as exc:
        warnings.append(f"no LLM drafts ({exc}); every email uses the plain template")
        return None

    def ask(system: str, user: str) -> dict[str, Any]:
        return complete_json(llm, system, user, draft.SCHEMA, max_tokens=LLM_MAX_TOKENS)

    return ask
