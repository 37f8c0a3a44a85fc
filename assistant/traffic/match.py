"""Export URLs and paths -> workspace pages, the way links are matched. Pure: the caller passes the lookups.

``lookup`` maps a URL or a site path onto a stored URL as backlink targets are (scheme, ``www.`` and the
trailing slash aside: :class:`assistant.store.backlinks.Targets`); ``resolve`` follows redirects and canonicals
(:func:`assistant.graph.redirect_resolver`). A URL with a query string or fragment that matches no page is
tried again without it (analytics tools report ``/x/?utm_source=…`` as its own row).
"""

from __future__ import annotations

from collections.abc import Callable, Container

from assistant.urls import normalize


def matcher(lookup: Callable[[str], str], resolve: Callable[[str], str],
            pages: Container[str]) -> Callable[[str], str | None]:
    """A function from an export's URL or path to the workspace page it means (None: not a page of ours)."""
    done: dict[str, str | None] = {}

    def match(raw: str) -> str | None:
        if raw not in done:
            done[raw] = _match(raw.strip(), lookup, resolve, pages)
        return done[raw]

    return match


def _match(text: str, lookup: Callable[[str], str], resolve: Callable[[str], str],
           pages: Container[str]) -> str | None:
    if not text or any(c.isspace() for c in text):
        return None
    if "://" not in text and not text.startswith("/"):
        text = "/" + text                   # Matomo's labels and Plausible's names may lack the leading slash
    bare = text.split("#", 1)[0].split("?", 1)[0]
    for candidate in dict.fromkeys((text, bare)):
        absolute = candidate if candidate.startswith("/") else normalize(candidate) or candidate
        url = lookup(absolute)
        if url.startswith("/"):
            return None                     # a path, and the workspace has no pages to join it with
        for found in (url, resolve(url)):
            if found in pages:
                return found
    return None
