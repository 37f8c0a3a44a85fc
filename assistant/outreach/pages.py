"""Prospect pages: fetched through the project's one HTTP client and extracted as ingest extracts pages.

:func:`fetch_page` is the only network read of outreach: :class:`~assistant.ingest.fetch.Fetcher` applies
robots.txt, politeness, size and time limits and names every failure with the same reason codes ingest
records (``robots``, ``timeout``, ``http-404`` ...); a failure becomes a :class:`ProspectPage` with an
``error`` instead of an exception. :func:`page_from_html` is pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.ingest.fetch import Fetcher, FetchError
from assistant.ingest.workers import Failed, read_html
from assistant.records import Extracted
from assistant.urls import host_key

EXCERPT_CHARS = 400           # what the model is shown of a prospect page (a small model copies long ones)


@dataclass(frozen=True)
class ProspectPage:
    url: str                        # as listed
    final_url: str                  # after redirects
    title: str = ""
    description: str = ""
    text: str = ""                  # main text (trafilatura)
    links: int = 0                  # every link on the page
    external_links: int = 0         # links to other hosts
    sponsored_links: int = 0        # in-content links marked rel=sponsored
    nofollow: bool = False          # <meta name=robots content=nofollow>: its links pass nothing
    error: str | None = None        # why it could not be read: "<reason>: <detail>"

    @property
    def excerpt(self) -> str:
        """The start of the main text, cut at a word boundary."""
        if len(self.text) <= EXCERPT_CHARS:
            return self.text
        return self.text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def page_from_html(url: str, final_url: str, doc: Extracted) -> ProspectPage:
    host = host_key(final_url)
    external = sum(1 for link in doc.links if host_key(link.target) != host)
    sponsored = sum(1 for link in doc.links if link.placement == "content" and "sponsored" in link.rel.split())
    return ProspectPage(url, final_url, doc.title or final_url, doc.description, doc.main_text, len(doc.links),
                        external, sponsored, doc.nofollow)


def fetch_page(fetcher: Fetcher, url: str) -> ProspectPage:
    """Fetch and extract one prospect page; failures are recorded on the page, never raised."""
    try:
        resp = fetcher.get(url)
    except FetchError as exc:
        return ProspectPage(url, url, error=f"{exc.reason}: {exc.detail}")
    doc = read_html(resp.content, resp.headers.get("content-type", ""), resp.final_url, "keep")
    if isinstance(doc, Failed):
        return ProspectPage(url, resp.final_url, error=f"{doc.reason}: {doc.detail}")
    if not doc.main_text.strip():
        return ProspectPage(url, resp.final_url, doc.title, error="no-text: the page has no main text to judge")
    return page_from_html(url, resp.final_url, doc)
