"""The lexical index of the suggestion engine: BM25 over every page's terms, and their document frequencies.

The index is bm25s's (the Lucene variant, built by :meth:`bm25s.BM25.index`), kept as its score matrix (CSC:
``data``, ``indices``, ``indptr``, one column per vocabulary term) so that it can be saved in the workspace's
cache (:mod:`assistant.suggest.cache`) and queried without bm25s: :meth:`Lexical.scores` sums the query terms'
columns exactly as bm25s's numpy backend does (``np.add.at`` term by term), so a cached index and a fresh one
give the same floats. A term's document frequency is its column's length (one entry per page holding it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.rules.data import STOPWORDS
from assistant.suggest.cache import pack_words, unpack_words
from assistant.suggest.candidates import tokens

log = logging.getLogger(__name__)


def doc_tokens(title: str, token_string: str) -> list[str]:
    """A page's terms: its title's words counted three times, then its text's, stopwords and numbers left out."""
    own = tokens(title)
    return [t for t in chain(own, own, token_string.split()) if t not in STOPWORDS and not t.isdigit()]


class Lexical:
    """BM25 scores of every page (in :attr:`urls` order) for a list of terms, and each term's idf."""

    def __init__(self, urls: list[str], vocab: list[str], data: NDArray[np.float32], indices: NDArray[np.int64],
                 indptr: NDArray[np.int64]) -> None:
        if len(indptr) != len(vocab) + 1 or len(data) != len(indices) or int(indptr[-1]) != len(data):
            raise ValueError("inconsistent BM25 arrays")
        self.urls = urls
        self.pos = {u: i for i, u in enumerate(urls)}
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.data, self.indices, self.indptr = data, indices, indptr
        self.df = np.diff(indptr)

    @classmethod
    def of(cls, urls: list[str], stored: Mapping[str, NDArray[Any]] | None, docs: Callable[[], list[list[str]]]
           ) -> Lexical:
        """The index the cache's part ``stored`` holds when it holds a sound one, else built from ``docs()``."""
        if stored is not None:
            try:
                return cls.restore(urls, stored)
            except Exception as exc:  # a damaged part: built again (and saved again by Engine.save)
                log.debug("suggest cache: BM25 unusable (%s: %s); building it", type(exc).__name__, exc)
        return cls.build(urls, docs())

    @classmethod
    def build(cls, urls: list[str], docs: list[list[str]]) -> Lexical:
        import bm25s  # type: ignore[import-untyped]

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm = bm25s.BM25()
        bm.index(docs, show_progress=False)
        s = bm.scores
        # the vocabulary in column order; bm25s appends an empty token after the last column, which no page holds
        vocab = [t for t, i in sorted(bm.vocab_dict.items(), key=lambda x: x[1]) if i < len(s["indptr"]) - 1]
        return cls(urls, vocab, np.asarray(s["data"], dtype=np.float32), np.asarray(s["indices"], dtype=np.int64),
                   np.asarray(s["indptr"], dtype=np.int64))

    def arrays(self) -> dict[str, NDArray[Any]]:
        return {"bm25_vocab": pack_words(self.vocab), "bm25_data": self.data, "bm25_indices": self.indices,
                "bm25_indptr": self.indptr}

    @classmethod
    def restore(cls, urls: list[str], got: Mapping[str, NDArray[Any]]) -> Lexical:
        indices = got["bm25_indices"].astype(np.int64)
        if len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= len(urls)):
            raise ValueError("BM25 arrays do not match the pages")
        return cls(urls, unpack_words(got["bm25_vocab"]), got["bm25_data"].astype(np.float32),
                   indices, got["bm25_indptr"].astype(np.int64))

    def idf(self, term: str) -> float | None:
        """``log((1 + n) / (1 + df)) + 1`` of a term some page holds; None for a term no page holds."""
        i = self.ids.get(term)
        if i is None or not (k := int(self.df[i])):
            return None
        n = len(self.urls)
        return math.log((1 + n) / (1 + k)) + 1

    def scores(self, terms: list[str]) -> NDArray[np.float32]:
        """BM25 of every page for ``terms`` (terms no page holds are left out, as bm25s does)."""
        out = np.zeros(len(self.urls), dtype=np.float32)
        for t in terms:
            if (i := self.ids.get(t)) is not None:
                start, end = self.indptr[i], self.indptr[i + 1]
                np.add.at(out, self.indices[start:end], self.data[start:end])
        return out
