"""Page and chunk vectors as matrices, so that one query compares a page with every other page at once."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from assistant.store.vectors import page_means


class VectorIndex:
    """Unit page vectors (the mean of each page's chunks) and the chunk vectors, row-aligned by page."""

    def __init__(self, chunks: dict[str, NDArray[np.float32]]) -> None:
        self.urls = sorted(u for u, m in chunks.items() if len(m))
        self.pos = {u: i for i, u in enumerate(self.urls)}
        parts = [chunks[u] for u in self.urls]
        means = page_means({u: chunks[u] for u in self.urls})
        self.pages = np.stack([means[u] for u in self.urls]) if parts else np.zeros((0, 1), np.float32)
        self.chunks = np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, 1), np.float32)
        sizes = np.array([len(m) for m in parts], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if parts else sizes
        self.sizes = sizes

    def __contains__(self, url: object) -> bool:
        return url in self.pos

    def page(self, url: str) -> NDArray[np.float32]:
        return np.asarray(self.pages[self.pos[url]], dtype=np.float32)

    def cosines(self, url: str) -> NDArray[np.float32]:
        """Cosine of ``url``'s page vector with every page's (in :attr:`urls` order)."""
        return np.asarray(self.pages @ self.page(url), dtype=np.float32)

    def passages_from(self, source: str) -> NDArray[np.float32]:
        """For every page: the best cosine between one chunk of ``source`` and that page."""
        i = self.pos[source]
        mine = self.chunks[self.starts[i]:self.starts[i] + self.sizes[i]]
        return np.asarray((mine @ self.pages.T).max(axis=0), dtype=np.float32)

    def passages_to(self, target: str) -> NDArray[np.float32]:
        """For every page: the best cosine between one of its chunks and ``target``."""
        sims = self.chunks @ self.page(target)
        return np.asarray(np.maximum.reduceat(sims, self.starts), dtype=np.float32)
