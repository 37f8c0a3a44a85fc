"""The Chroma store (real PersistentClient in a temp folder): chunk vectors are read once per store and
forgotten on our own writes."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from assistant.store.vectors import ChromaStore


def test_chunk_vectors_are_read_once_and_forgotten_on_writes(tmp_path: Path) -> None:
    client = chromadb.PersistentClient(path=str(tmp_path), settings=ChromaSettings(anonymized_telemetry=False))
    store = ChromaStore(client, "chunks", "test-model")
    vectors = np.eye(3, 4, dtype=np.float32)
    store.upsert(["a#0", "a#1", "b#0"], vectors,
                 [{"url": "http://s/a", "position": 0}, {"url": "http://s/a", "position": 1},
                  {"url": "http://s/b", "position": 0}])
    first = store.chunk_vectors()
    assert {u: m.shape for u, m in first.items()} == {"http://s/a": (2, 4), "http://s/b": (1, 4)}
    assert store.chunk_vectors() is first                         # the audit and the engine share one read
    pages = store.page_vectors()
    assert np.allclose(pages["http://s/a"], np.array([1, 1, 0, 0]) / np.sqrt(2))
    store.delete(["b#0"])
    assert set(store.chunk_vectors()) == {"http://s/a"}
