"""Embedding chunks into the vector store, and keeping Chroma equal to SQLite.

Invariant: Chroma holds ids ``p{page}-c{i}`` for exactly the chunks of the pages whose
``embedded_hash`` equals their ``content_hash``. The worker writes vectors first and the hash after,
so a kill at any moment leaves at worst vectors the database does not vouch for; :func:`reconcile`
deletes those and re-queues their pages.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from assistant.store.db import Database, chunk_id
from assistant.store.embedder import Embedder
from assistant.store.vectors import VectorStore

MIN_WRITE = 1024    # chunks per vector-store write at the least: each Chroma upsert has a fixed cost


@dataclass(frozen=True)
class EmbedJob:
    page_id: int
    url: str
    content_hash: str
    chunks: list[str]


class EmbedWorker(threading.Thread):
    """Embeds queued pages in batches on its own thread (onnxruntime releases the GIL).

    It never writes SQLite: the ingest thread, the only writer, records finished pages (:meth:`record`)
    after their vectors are in the store.
    """

    def __init__(self, embedder: Embedder, store: VectorStore, batch_size: int,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        super().__init__(name="embed", daemon=True)
        self.embedder = embedder
        self.store = store
        self.batch_size = batch_size
        self.jobs: queue.Queue[EmbedJob | None] = queue.Queue()
        self.done: queue.Queue[tuple[int, str]] = queue.Queue()    # (page id, content hash) now in the store
        self.on_progress = on_progress
        self.queued_chunks = 0
        self.done_chunks = 0
        self.error: BaseException | None = None

    def submit(self, job: EmbedJob) -> None:
        self.queued_chunks += len(job.chunks)
        self.jobs.put(job)

    def finish(self) -> None:
        self.jobs.put(None)
        self.join()
        if self.error is not None:
            raise self.error

    def record(self, db: Database) -> int:
        """Mark the pages whose vectors are written as embedded (on the caller's thread and transaction)."""
        n = 0
        while True:
            try:
                page_id, content_hash = self.done.get_nowait()
            except queue.Empty:
                return n
            db.set_embedded(page_id, content_hash)
            n += 1

    def run(self) -> None:
        try:
            stop = False
            while not stop:
                batch: list[EmbedJob] = []
                size = 0
                job = self.jobs.get()
                while job is not None:
                    batch.append(job)
                    size += len(job.chunks)
                    if size >= max(self.batch_size * 4, MIN_WRITE):
                        break
                    try:
                        job = self.jobs.get(timeout=0.5)   # gather a larger write while pages come in
                    except queue.Empty:
                        break
                stop = job is None
                if batch:
                    self._embed(batch)
        except BaseException as exc:  # surfaced by finish() on the main thread
            self.error = exc
            while True:               # drain so the producer never blocks
                try:
                    if self.jobs.get_nowait() is None:
                        break
                except queue.Empty:
                    break

    def _embed(self, batch: list[EmbedJob]) -> None:
        # a page queued twice (re-queued after a crash, then changed in this run) is written once, as it is now:
        # one upsert must not hold an id twice
        batch = list({job.page_id: job for job in batch}.values())
        texts = [t for job in batch for t in job.chunks]
        vectors = self.embedder.embed(texts, batch_size=self.batch_size) if texts else None
        ids, metas = [], []
        for job in batch:
            for i, _ in enumerate(job.chunks):
                ids.append(chunk_id(job.page_id, i))
                metas.append({"url": job.url, "position": i, "page_id": job.page_id})   # title and text: SQLite
        if vectors is not None:
            self.store.upsert(ids, vectors, metas)
        for job in batch:
            self.done.put((job.page_id, job.content_hash))
        self.done_chunks += len(texts)
        if self.on_progress:
            self.on_progress(self.done_chunks, self.queued_chunks)


def reconcile(db: Database, store: VectorStore) -> tuple[int, int]:
    """Delete vectors the database does not vouch for; un-mark pages whose vectors are missing.

    Returns (vectors deleted, pages re-queued).
    """
    expected = db.expected_chunk_ids()
    present = store.ids()
    extra = sorted(present - expected)
    store.delete(extra)
    missing_pages = {int(cid[1:].split("-c")[0]) for cid in expected - present}
    with db.transaction():
        for pid in missing_pages:
            db.set_embedded(pid, None)
    return len(extra), len(missing_pages)
