"""Page and chunk vectors as matrices, so that one query compares a page with every other page at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The matrices, for the suggestion cache (the URLs go with them separately)."""
        return {"vec_pages": self.pages, "vec_chunks": self.chunks, "vec_sizes": self.sizes}

    @classmethod
    def restore(cls, urls: list[str], arrays: Mapping[str, NDArray[Any]]) -> VectorIndex:
        """The index :meth:`arrays` saved (checked for shape, so a damaged cache is refused)."""
        pages, chunks = arrays["vec_pages"], arrays["vec_chunks"]
        sizes = arrays["vec_sizes"].astype(np.int64)
        if len(pages) != len(urls) or len(sizes) != len(urls) or int(sizes.sum()) != len(chunks) or (
                len(urls) and (sizes.min() < 1 or pages.shape[1] != chunks.shape[1])):
            raise ValueError("vector arrays do not match")
        self = cls.__new__(cls)
        self.urls = urls
        self.pos = {u: i for i, u in enumerate(urls)}
        self.pages = np.asarray(pages, dtype=np.float32)
        self.chunks = np.asarray(chunks, dtype=np.float32)
        self.sizes = sizes
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if len(urls) else sizes
        return self

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
