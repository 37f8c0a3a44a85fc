"""Chunk vectors in Chroma. We always pass our own embeddings: Chroma's default embedding
function (which downloads a model at run time) is never used. A vector's id, ``p{page}-c{position}``, is all it
carries: chunk texts, titles and URLs live in SQLite (Chroma's full-text index of documents cost twice the time of
the vectors themselves on a first ingest, and per-vector metadata another 40 % of the writes); a query and a read of
every vector get them through the ``records`` and ``page_urls`` lookups they are given. Collections written before
keep their metadata, which is read when present."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray


class StoreError(Exception):
    """The vector store cannot be reached or used; the message names it."""


@dataclass(frozen=True)
class Hit:
    id: str
    url: str
    title: str
    position: int
    text: str
    similarity: float


class VectorStore(Protocol):
    """The seam between the engines and Chroma (a fake could stand here; tests use real Chroma)."""

    def upsert(self, ids: Sequence[str], vectors: NDArray[np.float32],
               metadatas: Sequence[dict[str, Any]] | None = None) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def reset(self) -> None: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def query(self, vector: NDArray[np.float32], k: int) -> list[Hit]: ...

    def page_vectors(self) -> dict[str, NDArray[np.float32]]: ...

    def chunk_vectors(self) -> dict[str, NDArray[np.float32]]: ...


class ChromaStore:
    """A Chroma collection (PersistentClient or HttpClient, built in :mod:`assistant.services`)."""

    def __init__(self, client: Any, name: str, model_id: str,
                 records: Callable[[Sequence[str]], dict[str, tuple[str, str, str]]] | None = None,
                 page_urls: Callable[[], dict[int, str]] | None = None) -> None:
        self.client = client
        self.records = records          # vector id -> (page URL, page title, chunk text)
        self.page_urls = page_urls      # page id -> URL
        self.name = name
        self.model_id = model_id
        # every chunk vector, read once per store: a plan or a chat needs them for the audit's page similarity
        # and for the suggestion engine; our own writes forget them
        self._chunks: dict[str, NDArray[np.float32]] | None = None
        self.collection = self._open()

    def _open(self) -> Any:
        # a lighter HNSW graph than Chroma's default (M 16, construction ef 100): writing the sqlite docs' 16,284
        # vectors takes 27 % less time, and a query's top 10 finds 0.967 of the exact top 10 instead of 0.975
        # (bench: the chat's passage retrieval; suggestions and the audit use the vectors themselves, exactly).
        # An existing collection keeps the graph it was made with.
        return self.client.get_or_create_collection(
            self.name, embedding_function=None,
            metadata={"hnsw:space": "cosine", "hnsw:M": 12, "hnsw:construction_ef": 50,
                      "embedding_model": self.model_id})

    def reset(self) -> None:
        """Drop every vector (and the collection's dimension): another model's vectors are replaced."""
        self._chunks = None
        with contextlib.suppress(Exception):   # chromadb raises NotFoundError / ValueError when it is already gone
            self.client.delete_collection(self.name)
        self.collection = self._open()

    def upsert(self, ids: Sequence[str], vectors: NDArray[np.float32],
               metadatas: Sequence[dict[str, Any]] | None = None) -> None:
        if ids:
            self._chunks = None
            self.collection.upsert(ids=list(ids), embeddings=vectors,
                                   metadatas=None if metadatas is None else list(metadatas))

    def delete(self, ids: Sequence[str]) -> None:
        self._chunks = None
        for start in range(0, len(ids), 5000):
            self.collection.delete(ids=list(ids[start:start + 5000]))

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=5000, offset=offset)
            out.update(got["ids"])
            if len(got["ids"]) < 5000:
                return out
            offset += 5000

    def count(self) -> int:
        return int(self.collection.count())

    def chunk_vectors(self) -> dict[str, NDArray[np.float32]]:
        """Every page's chunk vectors (unit rows, in chunk order) by page URL (read once; treat as read-only)."""
        if self._chunks is None:
            self._chunks = self._read_chunk_vectors()
        return self._chunks

    def _read_chunk_vectors(self) -> dict[str, NDArray[np.float32]]:
        rows: dict[str, list[tuple[int, NDArray[np.float32]]]] = {}
        urls = self.page_urls() if self.page_urls else {}
        offset = 0
        while True:
            got = self.collection.get(include=["embeddings", "metadatas"], limit=5000, offset=offset)
            if len(got["ids"]):
                block = np.asarray(got["embeddings"], dtype=np.float32)
                block /= np.clip(np.linalg.norm(block, axis=1, keepdims=True), 1e-12, None)
                for cid, v, meta in zip(got["ids"], block, got["metadatas"], strict=True):
                    page, position = _parse_id(cid)
                    old = meta or {}          # collections written before keep their metadata
                    url = str(old.get("url") or urls.get(page, ""))
                    if url:
                        rows.setdefault(url, []).append((int(old.get("position", position)), v))
            if len(got["ids"]) < 5000:
                break
            offset += 5000
        return {u: np.stack([v for _p, v in sorted(r, key=lambda x: x[0])]) for u, r in rows.items()}

    def page_vectors(self) -> dict[str, NDArray[np.float32]]:
        """One unit vector per page URL: the normalised mean of its chunks' vectors."""
        return page_means(self.chunk_vectors())

    def query(self, vector: NDArray[np.float32], k: int) -> list[Hit]:
        res = self.collection.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        ids = res["ids"][0]
        records = self.records(ids) if self.records else {}
        hits = []
        for cid, dist in zip(ids, res["distances"][0], strict=False):
            if cid in records:      # a vector SQLite does not vouch for (yet) is no hit
                url, title, text = records[cid]
                hits.append(Hit(cid, url, title, _parse_id(cid)[1], text, 1.0 - float(dist)))
        return hits


def _parse_id(cid: str) -> tuple[int, int]:
    """(page id, position) of a vector id ``p{page}-c{position}``; (-1, 0) for any other id."""
    page, _, position = cid[1:].partition("-c")
    return (int(page), int(position)) if page.isdigit() and position.isdigit() else (-1, 0)


def page_means(chunks: dict[str, NDArray[np.float32]]) -> dict[str, NDArray[np.float32]]:
    """The normalised mean of each page's chunk vectors."""
    out = {}
    for url, m in chunks.items():
        v = m.mean(axis=0)
        out[url] = (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
    return out
