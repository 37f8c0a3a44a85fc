"""Word -> the pages holding it, for the phrase look-ups of :mod:`assistant.suggest.candidates`: one row of page
positions per word (CSR arrays), which the workspace's cache saves as they are; a word's set of URLs is made
only when it is asked for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.suggest.cache import pack_words, unpack_words


class Postings(Mapping[str, set[str]]):
    """Word -> the pages whose title or text holds it, kept as arrays (one row of page positions per word, in
    :attr:`words` order); a word's set of URLs is made when it is asked for."""

    def __init__(self, urls: list[str], words: list[str], starts: NDArray[np.int64], pages: NDArray[np.int32]) -> None:
        if len(starts) != len(words) + 1 or int(starts[-1]) != len(pages) or (
                len(pages) and int(pages.max()) >= len(urls)):
            raise ValueError("inconsistent postings")
        self.urls, self.words, self.starts, self.pages = urls, words, starts, pages
        self.at = {w: i for i, w in enumerate(words)}

    @classmethod
    def build(cls, urls: list[str], strings: list[str]) -> Postings:
        at: dict[str, int] = {}
        rows: list[list[int]] = []
        for page, text in enumerate(strings):
            for word in dict.fromkeys(text.split()):
                if (i := at.get(word)) is None:
                    at[word] = i = len(rows)
                    rows.append([])
                rows[i].append(page)
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=starts[1:])
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=int(starts[-1]))
        return cls(urls, list(at), starts, flat)

    def __getitem__(self, word: str) -> set[str]:
        i = self.at[word]
        urls = self.urls
        return {urls[p] for p in self.pages[self.starts[i]:self.starts[i + 1]].tolist()}

    def __contains__(self, word: object) -> bool:
        return word in self.at

    def having(self, words: set[str]) -> set[str]:
        """The pages holding every one of ``words`` (none for no words)."""
        rows = []
        for w in words:
            if (i := self.at.get(w)) is None:
                return set()
            rows.append(self.pages[self.starts[i]:self.starts[i + 1]])
        if not rows:
            return set()
        rows.sort(key=len)
        found = rows[0]
        for row in rows[1:]:
            if not len(found):
                break
            found = np.intersect1d(found, row, assume_unique=True)
        urls = self.urls
        return {urls[p] for p in found.tolist()}

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def arrays(self) -> dict[str, NDArray[Any]]:
        return {"post_words": pack_words(self.words), "post_starts": self.starts, "post_pages": self.pages}

    @classmethod
    def restore(cls, urls: list[str], got: Mapping[str, NDArray[Any]]) -> Postings:
        return cls(urls, unpack_words(got["post_words"]), got["post_starts"].astype(np.int64),
                   got["post_pages"].astype(np.int32))
