"""The incremental, resumable ingest: fetch -> extract -> store, with embedding on its own thread.

Unchanged pages (304, or the same body hash) are neither re-extracted nor written. Every page is
committed with its links and chunks in one SQLite transaction; vectors follow on the embed thread
(see :mod:`assistant.ingest.embedding` for why a kill -9 at any moment is safe).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.ingest.embedding import EmbedJob, EmbedWorker, VectorWriter, reconcile
from assistant.ingest.extract import EXTRACTOR_VERSION
from assistant.ingest.fetch import Fetcher, FetchError, Response
from assistant.ingest.sources import Seed, Source
from assistant.ingest.workers import Extractor, Failed, Parsed
from assistant.settings import Settings
from assistant.store.db import Database
from assistant.store.embedder import EMBEDDERS
from assistant.urls import same_site, shape, trap_reason

COMMIT_EVERY = 0.5   # seconds between commits of the main thread's writes


class Progress(Protocol):
    def crawl(self, done: int, total: int) -> None: ...

    def embed(self, done: int, total: int) -> None: ...


class NoProgress:
    def crawl(self, done: int, total: int) -> None:
        pass

    def embed(self, done: int, total: int) -> None:
        pass


@dataclass
class Summary:
    source: str
    kind: str
    run_id: int = 0
    complete: bool = True
    limit: str = ""
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    redirects: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    gone: int = 0
    embedded_chunks: int = 0
    vectors_deleted: int = 0
    seconds: float = 0.0
    totals: dict[str, int] = field(default_factory=dict)
    vectors: int | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = dict(self.errors)
        data["skipped"] = dict(self.skipped)
        data["seconds"] = round(self.seconds, 3)
        return data


VectorsFactory = Callable[[], VectorWriter]


@dataclass
class Fetched:
    """What a fetch thread hands the ingest thread for one URL."""

    response: Response | None = None
    body_hash: str = ""
    extracted: Parsed | Failed | None = None      # None: unchanged (304 or same bytes)
    error: FetchError | None = None


class Ingestor:
    """One ingest run over one :class:`Source`. Not reusable."""

    def __init__(self, settings: Settings, db: Database, fetcher: Fetcher, vectors: VectorsFactory | None,
                 progress: Progress | None = None) -> None:
        self.settings = settings
        self.crawl = settings.crawl
        self.db = db
        self.fetcher = fetcher
        self.vectors = vectors
        self.progress = progress or NoProgress()
        self.include = [re.compile(p) for p in self.crawl.include]
        self.exclude = [re.compile(p) for p in self.crawl.exclude]
        self._worker: EmbedWorker | None = None
        self._store: VectorWriter | None = None
        self._pending_jobs: list[EmbedJob] = []
        self._removed = 0          # pages that had content and lost it (error, redirect) this run

    # ------------------------------------------------------------------ main loop
    def run(self, source: Source) -> Summary:
        try:
            return self._run(source)
        finally:
            if self._store is not None:
                self._store.close()

    def _run(self, source: Source) -> Summary:
        started = time.monotonic()
        db = self.db
        summary = Summary(source.label, source.kind, warnings=list(source.warnings))
        run_id = db.start_run(source.label)
        summary.run_id = run_id
        unclean = db.unclean_runs(run_id)
        db.mark_interrupted(run_id)
        self.known = db.known()
        self.reparse = bool(self.known) and db.meta("extractor_version") != EXTRACTOR_VERSION
        self.source = source
        self.summary = summary
        self.run_id = run_id
        self.seen: set[str] = set()
        self.shapes: Counter[str] = Counter()
        self.frontier: deque[Seed] = deque()
        self.sitemap_set = set(source.sitemap_urls)
        for seed in source.seeds:
            self._enqueue(seed, is_seed=True)
        if self.vectors is not None:
            self._check_model()
        # a first ingest will embed: its writer starts now, ready when the first pages are committed
        if unclean or (self.vectors and (not self.known or db.pending_embeddings())):
            self._start_embedding()
            if unclean and self._store is not None:
                summary.vectors_deleted += reconcile(db, self._store)[0]
            self._queue_pending()
        handled = 0
        last_commit = time.monotonic()
        self.extractor = Extractor(self.crawl.extract_processes)
        db.begin()
        try:
            with ThreadPoolExecutor(self.crawl.concurrency, thread_name_prefix="fetch") as pool:
                inflight: dict[Future[Fetched], Seed] = {}
                while self.frontier or inflight:
                    while self.frontier and len(inflight) < self.crawl.concurrency * 2:
                        if handled + len(inflight) >= self.crawl.max_pages:
                            self._stop("max-pages")
                            break
                        seed = self.frontier.popleft()
                        inflight[pool.submit(self._fetch, seed)] = seed
                    if not inflight:
                        break
                    done, _ = wait(inflight, timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        self._handle(inflight.pop(fut), fut.result())
                        handled += 1
                    self.progress.crawl(handled, handled + len(inflight) + len(self.frontier))
                    if time.monotonic() - last_commit > COMMIT_EVERY:
                        self._commit()
                        last_commit = time.monotonic()
                    if time.monotonic() - started > self.crawl.max_time:
                        self._stop("max-time")
                        for fut in inflight:
                            fut.cancel()
            if summary.complete and db.previous_source(run_id) == source.label:
                gone = [u for u in self.known if u not in self.seen and same_site(u, source.hosts)]
                summary.gone = db.mark_gone(gone)
            db.touch_sitemap(source.sitemap_urls)
            self._commit(final=True)
        except BaseException:
            self.extractor.close()
            if db.conn.in_transaction:
                db.commit()   # keep what is complete; the run stays 'running' = unclean
            raise
        self.extractor.close()
        self._finish_embedding(unclean)
        summary.fetched = handled
        summary.totals = db.counts()
        summary.seconds = time.monotonic() - started
        if summary.complete:
            db.set_meta("extractor_version", EXTRACTOR_VERSION)
        db.finish_run(run_id, "done", summary.complete, summary.as_dict())
        return summary

    def _stop(self, reason: str) -> None:
        if self.summary.complete:
            self.summary.complete = False
            self.summary.limit = reason
        self.frontier.clear()

    def _commit(self, final: bool = False) -> None:
        if self._worker is not None:
            self._worker.record(self.db)
        self.db.commit()
        jobs, self._pending_jobs = self._pending_jobs, []
        if jobs:
            self._start_embedding()
            assert self._worker is not None
            for job in jobs:
                self._worker.submit(job)
        if not final:
            self.db.begin()

    # ------------------------------------------------------------------ frontier
    def _enqueue(self, seed: Seed, is_seed: bool = False) -> None:
        url = seed.url
        if url in self.seen:
            return
        if not is_seed:
            if seed.depth > self.crawl.max_depth:
                self.summary.skipped["max-depth"] += 1
                return
            if self.include and not any(p.search(url) for p in self.include):
                self.summary.skipped["not-included"] += 1
                return
            if any(p.search(url) for p in self.exclude):
                self.summary.skipped["excluded"] += 1
                return
            reason = trap_reason(url, self.crawl.max_url_length)
            key = shape(url)
            self.shapes[key] += 1
            if reason is None and self.shapes[key] > self.crawl.max_per_pattern:
                reason = f"more than {self.crawl.max_per_pattern} URLs shaped like {key}"
            if reason is not None:
                if self.summary.skipped["crawl-trap"] < 5:
                    self.summary.warnings.append(f"crawl trap skipped: {url} ({reason})")
                self.summary.skipped["crawl-trap"] += 1
                return
        self.seen.add(url)
        self.frontier.append(seed)

    def _follow(self, page_url: str, depth: int, targets: list[str]) -> None:
        if not self.source.follow_links:
            return
        for target in targets:
            if target != page_url and same_site(target, self.source.hosts):
                self._enqueue(Seed(target, depth + 1, target in self.sitemap_set))

    # ------------------------------------------------------------------ one URL
    def _fetch(self, seed: Seed) -> Fetched:
        """Runs on a fetch thread: HTTP (or file), then the unchanged check, then extraction."""
        try:
            if self.source.kind == "folder":
                resp = self._read_file(seed.url, self.source.files[seed.url])
            else:
                known = self.known.get(seed.url)
                usable = known is not None and known.body_hash is not None and not self.reparse
                resp = self.fetcher.get(
                    seed.url, etag=known.etag if usable and known else None,
                    last_modified=known.last_modified if usable and known else None,
                    follow=lambda u: same_site(u, self.source.hosts))
        except FetchError as exc:
            return Fetched(error=exc)
        if resp.not_modified:
            return Fetched(resp)
        body_hash = hashlib.sha256(resp.content).hexdigest()
        known = self.known.get(resp.final_url)
        if known and known.status == 200 and known.body_hash == body_hash and not self.reparse:
            return Fetched(resp, body_hash)
        return Fetched(resp, body_hash, self.extractor(resp.content, resp.headers.get("content-type", ""),
                                                       resp.final_url, self.crawl.trailing_slash,
                                                       self.settings.embed.chunk_tokens))

    def _read_file(self, url: str, path: Path) -> Response:
        size = path.stat().st_size
        if size > self.crawl.max_bytes:
            raise FetchError(url, "too-large", f"{path}: {size:,} bytes exceeds {self.crawl.max_bytes:,}")
        return Response(url, url, 200, {"content-type": "text/html"}, path.read_bytes())

    def _handle(self, seed: Seed, fetched: Fetched) -> None:
        """Runs on the ingest thread, the only writer: store what one URL gave."""
        db, s = self.db, self.summary
        before = self.known.get(seed.url)
        result = fetched.response
        if before is not None and before.body_hash and (result is None or result.redirects):
            self._removed += 1
        if result is None:
            err = fetched.error
            assert err is not None
            db.save_status(url=seed.url, status=err.redirects[0][0] if err.redirects else err.status,
                           final_url=err.redirects[-1][1] if err.redirects else None,
                           redirects=list(err.redirects), depth=seed.depth, in_sitemap=seed.in_sitemap,
                           run_id=self.run_id, content_type=err.content_type)
            db.record_error(seed.url, self.run_id, err.reason, err.detail, err.status)
            s.errors[err.reason] += 1
            return
        url = seed.url
        if result.redirects:
            s.redirects += 1
            db.save_status(url=url, status=result.redirects[0][0], final_url=result.final_url,
                           redirects=list(result.redirects), depth=seed.depth, in_sitemap=seed.in_sitemap,
                           run_id=self.run_id)
            url = result.final_url
            if url in self.seen and url != seed.url:
                return      # the target is (or will be) handled as a URL of its own
            self.seen.add(url)
        known = self.known.get(url)
        parsed = fetched.extracted
        if parsed is None:      # 304, or the same bytes as last time
            s.unchanged += 1
            if known is not None and not known.nofollow:
                self._follow(url, seed.depth, [r["target_url"] for r in db.outlinks(known.id)
                                               if r["internal"] and "nofollow" not in (r["rel"] or "")])
            return
        if isinstance(parsed, Failed):
            if known is not None and known.body_hash:
                self._removed += 1
            db.save_status(url=url, status=result.status, final_url=url, redirects=[], depth=seed.depth,
                           in_sitemap=seed.in_sitemap, run_id=self.run_id, content_type=result.content_type)
            db.record_error(url, self.run_id, parsed.reason, parsed.detail, result.status)
            s.errors[parsed.reason] += 1
            return
        ex, chunks = parsed.extracted, parsed.chunks
        content_hash = hashlib.sha256(f"{ex.title}\x00{ex.main_text}".encode()).hexdigest()
        links = [(link.target, same_site(link.target, self.source.hosts), link) for link in ex.links]
        texts = [c.text for c in chunks]
        # a page whose content and chunks are what its vectors were made from keeps them (a re-parse, a new ETag)
        embed = bool(texts) and self.vectors is not None and not (
            known and known.embedded_hash == content_hash and db.chunk_texts(known.id) == texts)
        pid = db.save_page(url=url, final_url=result.final_url, status=result.status,
                           content_type=result.content_type or "text/html", ex=ex, links=links, chunks=chunks,
                           body_hash=fetched.body_hash, content_hash=content_hash,
                           etag=result.headers.get("etag"), last_modified=result.headers.get("last-modified"),
                           depth=seed.depth, in_sitemap=seed.in_sitemap or url in self.sitemap_set,
                           redirects=list(result.redirects), run_id=self.run_id)
        if known and known.body_hash:
            s.changed += 1
        else:
            s.new += 1
        if embed:
            self._pending_jobs.append(EmbedJob(pid, content_hash, texts))
        if not ex.nofollow:
            self._follow(url, seed.depth, [t for t, internal, link in links if internal and "nofollow" not in link.rel])
            if ex.canonical and ex.canonical != url and same_site(ex.canonical, self.source.hosts):
                self._enqueue(Seed(ex.canonical, seed.depth + 1))

    # ------------------------------------------------------------------ embeddings
    def _start_embedding(self) -> None:
        if self._worker is not None or self.vectors is None:
            return
        self._store = self._store or self.vectors()
        self._worker = EmbedWorker(self._store, self.settings.embed.batch_size, self.progress.embed)
        self._worker.start()

    def _check_model(self) -> None:
        """All of a workspace's vectors come from one model: after a change of ``[embed] model`` every page is
        embedded again, once (the old vectors are dropped first, so a query never mixes two models)."""
        name = EMBEDDERS[self.settings.embed.model]
        recorded = self.db.vectors_model()
        if recorded == name:
            return
        if recorded is not None:
            self._start_embedding()
            assert self._store is not None
            self._store.reset()
        pages = self.db.start_vectors_model(name)
        if recorded is not None:
            self.summary.warnings.append(f"the vectors were made by {recorded} and [embed] model is now "
                                         f"{self.settings.embed.model} ({name}): re-embedding {pages} pages once")

    def _queue_pending(self) -> None:
        if self._worker is None:
            return
        for row in self.db.pending_embeddings():
            texts = self.db.chunk_texts(row["id"])
            if texts:
                self._worker.submit(EmbedJob(row["id"], row["content_hash"], texts))

    def _finish_embedding(self, unclean: int) -> None:
        s = self.summary
        changed = s.new or s.changed or s.gone or self._removed or unclean
        if self._worker is None and not (changed and self.vectors is not None):
            return
        self._start_embedding()
        assert self._worker is not None and self._store is not None
        s.embedded_chunks = self._drain()
        deleted, requeued = reconcile(self.db, self._store)
        s.vectors_deleted += deleted
        if requeued:   # vectors that vanished (a kill during a write): embed them once more
            self._worker = None
            self._start_embedding()
            self._queue_pending()
            s.embedded_chunks += self._drain()
            reconcile(self.db, self._store)
        s.vectors = self._store.count()

    def _drain(self) -> int:
        """Wait for the embed thread, record what it wrote; returns the chunks it embedded."""
        assert self._worker is not None
        self._worker.finish()
        with self.db.transaction():
            self._worker.record(self.db)
        return self._worker.done_chunks
