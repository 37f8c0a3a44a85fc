"""What the audit rules read: plain records about one workspace, and text similarity between pages.

Pure: :mod:`assistant.rules.load` builds an :class:`AuditData` from a workspace; the rules only read it.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray

from assistant.models import Backlink, PageMetrics
from assistant.settings import AuditSettings
from assistant.trafficdata import Traffic

# the shared words live in assistant/words.py; these names stay importable from here for older call sites
from assistant.words import GENERIC_ANCHORS as GENERIC_ANCHORS
from assistant.words import STOPWORDS as STOPWORDS
from assistant.words import is_generic as is_generic
from assistant.words import iso_date as iso_date
from assistant.words import norm_anchor as norm_anchor
from assistant.words import words as words


def listing_pages(links: dict[str, list[tuple[str, str]]], title: Callable[[str], str | None]) -> set[str]:
    """Listing pages (home, archives, categories) among link sources: a source that links to 10+ pages,
    mostly with those pages' titles as anchors. ``links``: source -> [(target, anchor)] of its content links."""
    out = set()
    for source, pairs in links.items():
        titled = sum(1 for target, anchor in pairs
                     if (t := title(target)) is not None and norm_anchor(anchor) == norm_anchor(t))
        if len({target for target, _ in pairs}) >= 10 and titled >= 0.5 * len(pairs):
            out.add(source)
    return out


@dataclass(frozen=True)
class PageInfo:
    url: str
    title: str
    status: int | None
    final_url: str | None
    html: bool
    indexable: bool
    word_count: int
    published: date | None
    text: str                       # main text (may be cut to the first few thousand characters)
    in_sitemap: bool = False


@dataclass(frozen=True)
class LinkInfo:
    source: str
    target: str
    internal: bool
    anchor: str
    rel: str
    placement: str
    sentence: str

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.rel.split()


class Similarity:
    """Cosine similarity of pages: embedding page vectors when the workspace has them, else TF-IDF."""

    def __init__(self, vectors: dict[str, NDArray[np.float32]], kind: str,
                 embed_text: Callable[[str], NDArray[np.float32]] | None = None,
                 calibration: tuple[float, float] = (1.0, 0.0)) -> None:
        self.vectors = vectors
        self.kind = kind                 # "embeddings" | "tf-idf"
        self._embed_text = embed_text
        self._slope, self._intercept = calibration    # the embedder's cosines onto the thresholds' scale
        self._vocab: dict[str, int] = {}
        self._idf: NDArray[np.float32] | None = None

    @classmethod
    def from_texts(cls, texts: dict[str, str]) -> Similarity:
        """TF-IDF (sublinear tf, smooth idf) unit vectors, dense over the kept vocabulary."""
        counts = {u: Counter(words(t)) for u, t in texts.items() if t}
        df: Counter[str] = Counter()
        for c in counts.values():
            df.update(c.keys())
        n = max(len(counts), 1)
        vocab = {w: i for i, w in enumerate(sorted(w for w, d in df.items() if 2 <= d <= max(2, 0.6 * n)))}
        idf = np.array([math.log((1 + n) / (1 + df[w])) + 1 for w in vocab], dtype=np.float32)
        vectors: dict[str, NDArray[np.float32]] = {}
        for url, c in counts.items():
            v = np.zeros(len(vocab), dtype=np.float32)
            for w, k in c.items():
                if w in vocab:
                    v[vocab[w]] = 1 + math.log(k)
            v *= idf
            norm = float(np.linalg.norm(v))
            if norm:
                vectors[url] = v / norm
        sim = cls(vectors, "tf-idf")
        sim._vocab, sim._idf = vocab, idf
        return sim

    def _cos(self, a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
        return min(1.0, max(-1.0, self._slope * float(a @ b) + self._intercept))

    def pair(self, a: str, b: str) -> float | None:
        va, vb = self.vectors.get(a), self.vectors.get(b)
        if va is None or vb is None:
            return None
        return self._cos(va, vb)

    def text_to(self, text: str, url: str) -> float | None:
        """Similarity of a free text (a backlink's title and context) to one of our pages."""
        target = self.vectors.get(url)
        if target is None or not text.strip():
            return None
        if self._embed_text is not None:
            return self._cos(self._embed_text(text), target)
        if self._idf is None:
            return None
        v = np.zeros(len(self._vocab), dtype=np.float32)
        for w, k in Counter(words(text)).items():
            if w in self._vocab:
                v[self._vocab[w]] = 1 + math.log(k)
        v *= self._idf
        norm = float(np.linalg.norm(v))
        return float(v @ target) / norm if norm else None

    @functools.cache  # noqa: B019 - one Similarity per audit run
    def quantile(self, q: float, samples: int = 4000) -> float:
        """The q-quantile of the similarity of random page pairs of this site (seeded, so repeatable)."""
        urls = sorted(self.vectors)
        if len(urls) < 3:
            return 1.0
        rng = np.random.default_rng(0)
        pairs = rng.integers(0, len(urls), size=(samples, 2))
        values = [self._cos(self.vectors[urls[i]], self.vectors[urls[j]]) for i, j in pairs if i != j]
        return float(np.quantile(values, q)) if values else 1.0

    def most_similar(self, url: str, candidates: Iterable[str], k: int = 5) -> list[tuple[str, float]]:
        v = self.vectors.get(url)
        if v is None:
            return []
        scored = [(c, self._cos(v, self.vectors[c])) for c in candidates if c != url and c in self.vectors]
        return sorted(scored, key=lambda x: -x[1])[:k]


@dataclass
class AuditData:
    site: str | None
    pages: dict[str, PageInfo]                 # every URL met: pages, redirects, errors (gone ones too)
    links: list[LinkInfo]                      # the links of live pages
    metrics: dict[str, PageMetrics]
    backlinks: list[Backlink]
    referring_domains: dict[str, int]
    errors: dict[str, str]                     # url -> reason of its last failure
    settings: AuditSettings
    crawl_complete: bool
    today: date
    similarity: Similarity | None = None
    important: set[str] = field(default_factory=set)   # configured important URLs, resolved
    traffic: Traffic = field(default_factory=Traffic)  # imported Search Console / analytics data

    def title(self, url: str) -> str:
        page = self.pages.get(url)
        return page.title if page and page.title else url

    def live(self, url: str) -> bool:
        """A page that answers 200 with HTML (what anchor rules judge: a broken or redirected target is the
        link rules' business)."""
        page = self.pages.get(url)
        return page is not None and page.status == 200 and page.html

    def names(self, anchor: str, url: str) -> bool:
        """The anchor names the page: each of its words is in the page's title or URL path ("amalgamation" for
        "The SQLite Amalgamation", "Functions" for "List Of SQLite Functions"; not "winning at roulette" for
        "Casino roulette guide")."""
        wanted = words(anchor.replace("_", " "))
        if not wanted:
            return False
        named = set(words(self.title(url).replace("_", " "))) | set(words(urlsplit(url).path.replace("_", " ")))
        named_text = " ".join(sorted(named))
        hits = sum(1 for w in wanted if w in named or (len(w) >= 5 and w in named_text))
        return hits == len(wanted)

    def threshold(self, embeddings: float, tfidf: float) -> float:
        """The similarity threshold for the method in use (TF-IDF cosines run far lower than embeddings')."""
        return tfidf if self.similarity is not None and self.similarity.kind == "tf-idf" else embeddings

    @functools.cached_property
    def hubs(self) -> set[str]:
        """The home page and the listing pages (see :func:`listing_pages`)."""
        by_source: dict[str, list[tuple[str, str]]] = {}
        for link in self.links:
            if link.internal and link.placement == "content" and link.source != link.target:
                by_source.setdefault(link.source, []).append((link.target, link.anchor))
        return listing_pages(by_source, self.title) | ({self.site} if self.site else set())
