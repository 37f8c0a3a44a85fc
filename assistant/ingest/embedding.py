"""Embedding chunks into the vector store, and keeping Chroma equal to SQLite.

Invariant: Chroma holds ids ``p{page}-c{i}`` for exactly the chunks of the pages whose
``embedded_hash`` equals their ``content_hash``. The worker writes vectors first and the hash after,
so a kill at any moment leaves at worst vectors the database does not vouch for; :func:`reconcile`
deletes those and re-queues their pages.

The vectors are made and written by a :class:`VectorWriter`: :class:`LocalWriter` in this process, or the same in
a process of its own (:mod:`assistant.ingest.vectorproc`), so that embedding and Chroma's writes never wait for the
crawl's interpreter lock, nor it for them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.store.db import Database, chunk_id
from assistant.store.embedder import Embedder
from assistant.store.vectors import VectorStore

MIN_WRITE = 1024    # chunks per vector-store write at the least: each Chroma upsert has a fixed cost


@dataclass(frozen=True)
class EmbedJob:
    page_id: int
    content_hash: str
    chunks: list[str]


class VectorWriter(Protocol):
    """What ingest needs of the vectors: embed and write pages' chunks, and the store's housekeeping."""

    def write(self, jobs: Sequence[EmbedJob]) -> None: ...

    def ids(self) -> set[str]: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def reset(self) -> None: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


class LocalWriter:
    """Embeds with ``embedder`` and writes to ``store``, in the calling process."""

    def __init__(self, embedder: Embedder, store: VectorStore, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.store = store
        self.batch_size = batch_size

    def warm(self) -> None:
        """Load what the first write needs (the embedder's tables) before it comes."""
        self.embedder.embed(["warm"])

    def write(self, jobs: Sequence[EmbedJob]) -> None:
        texts = [t for job in jobs for t in job.chunks]
        if texts:
            vectors = self.embedder.embed(texts, batch_size=self.batch_size)
            self.store.upsert([chunk_id(job.page_id, i) for job in jobs for i in range(len(job.chunks))], vectors)

    def ids(self) -> set[str]:
        return self.store.ids()

    def delete(self, ids: Sequence[str]) -> None:
        self.store.delete(ids)

    def reset(self) -> None:
        self.store.reset()

    def count(self) -> int:
        return self.store.count()

    def close(self) -> None:
        pass


class EmbedWorker(threading.Thread):
    """Hands queued pages to the :class:`VectorWriter` in batches, on its own thread.

    It never writes SQLite: the ingest thread, the only writer, records finished pages (:meth:`record`)
    after their vectors are in the store.
    """

    def __init__(self, writer: VectorWriter, batch_size: int,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        super().__init__(name="embed", daemon=True)
        self.writer = writer
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
        self.writer.write(batch)
        for job in batch:
            self.done.put((job.page_id, job.content_hash))
        self.done_chunks += sum(len(job.chunks) for job in batch)
        if self.on_progress:
            self.on_progress(self.done_chunks, self.queued_chunks)


def reconcile(db: Database, store: VectorWriter) -> tuple[int, int]:
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
