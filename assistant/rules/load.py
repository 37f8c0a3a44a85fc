"""Build :class:`~assistant.rules.data.AuditData` from a workspace (the audit's only I/O)."""

from __future__ import annotations

from datetime import date

from assistant import graph
from assistant.backlinks import all_backlinks, backlinked_targets, referring_domains
from assistant.rules.data import AuditData, LinkInfo, PageInfo, Similarity
from assistant.store import graphdata
from assistant.store.clients import Clients
from assistant.store.queries import UnknownURL, audit_pages, live_links, page_errors, resolve_url
from assistant.store.traffic import load_traffic
from assistant.words import iso_date

TEXT_CHARS = 20_000


def load_audit(services: Clients, today: date | None = None, use_vectors: bool = True) -> AuditData:
    db = services.db
    settings = services.settings.audit
    nodes, edges, home, complete = graphdata.load(db)
    backlinked = backlinked_targets(db)
    metrics = graph.metrics(nodes, edges, home, backlinked, complete)
    indexable = {n.url: n.indexable for n in nodes}
    pages = {}
    for r in audit_pages(db, TEXT_CHARS):
        pages[r["url"]] = PageInfo(r["url"], r["title"] or "", r["status"], r["final_url"], bool(r["html"]),
                                   indexable.get(r["url"], False), r["word_count"] or 0, iso_date(r["published"]),
                                   r["text"] or "", bool(r["in_sitemap"]))
    links = [LinkInfo(r["source"], r["target_url"], bool(r["internal"]), r["anchor"] or "", r["rel"] or "",
                      r["placement"], r["sentence"] or "")
             for r in live_links(db)]
    errors = page_errors(db)
    important = set()
    for text in settings.important_urls:
        try:
            important.add(resolve_url(db, text))
        except UnknownURL:
            continue
    data = AuditData(home, pages, links, metrics, all_backlinks(db), referring_domains(db), errors, settings,
                     complete, today or date.today(), important=important)
    data.similarity = _similarity(services, pages) if use_vectors else None
    data.traffic = load_traffic(db)
    return data


def _similarity(services: Clients, pages: dict[str, PageInfo]) -> Similarity:
    """Page vectors from Chroma when the workspace was embedded, else TF-IDF over the main texts."""
    if services.db.counts()["embedded_chunks"]:
        vectors = services.vectors.page_vectors()
        if vectors:
            embedder = services.embedder
            return Similarity(vectors, "embeddings", lambda text: embedder.embed([text])[0], embedder.calibration)
    return Similarity.from_texts({u: p.text for u, p in pages.items() if p.html and p.indexable})
