"""Ingest: resolve a source (start URL, sitemap, URL list, folder) and run one incremental ingest of it."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from assistant.app import Step, UserError, no_step

if TYPE_CHECKING:
    from assistant.ingest.pipeline import Summary
    from assistant.services import Services


class StepProgress:
    """The ingest pipeline's progress (crawl, embed) as steps of a :data:`~assistant.app.Step` callback."""

    def __init__(self, step: Step) -> None:
        self.step = step

    def crawl(self, done: int, total: int) -> None:
        self.step("crawl", done, total)

    def embed(self, done: int, total: int) -> None:
        self.step("embed chunks", done, total)


def run_ingest(services: Services, source_arg: str, base_url: str | None = None, step: Step = no_step) -> Summary:
    """Resolve the source and run one ingest; no HTML page ingested is a :class:`UserError` naming the source."""
    from assistant.ingest.pipeline import Ingestor
    from assistant.ingest.sources import from_argument

    settings = services.settings
    source = from_argument(source_arg, services.fetcher, base_url=base_url,
                           trailing_slash=settings.crawl.trailing_slash, max_urls=settings.crawl.max_pages,
                           use_robots_sitemaps=settings.crawl.sitemaps)
    if settings.embed.enabled and not settings.embed.process:   # Chroma's import overlaps the first fetches
        threading.Thread(target=_warm, daemon=True).start()
    ingestor = Ingestor(settings, services.db, services.fetcher,
                        services.vector_writer if settings.embed.enabled else None, StepProgress(step))
    summary = ingestor.run(source)
    if not summary.totals.get("html_pages"):
        reasons = ", ".join(f"{k} ×{v}" for k, v in summary.errors.items()) or "nothing reachable"
        raise UserError(f"no HTML page could be ingested from {source_arg} ({reasons}); "
                        "see `assistant pages --all` for what was recorded")
    return summary


def _warm() -> None:
    """Import Chroma and scipy's sparse matrices while the crawl starts (an import error surfaces later, where
    the store is built)."""
    with contextlib.suppress(Exception):
        import chromadb  # noqa: F401
        import scipy.sparse  # noqa: F401
