"""The workspace's SQLite database: pages, links, chunks, crawl runs, page errors and imported traffic.

SQLite is the source of truth. Chroma holds the vectors of a page's chunks exactly when the page's
``embedded_hash`` equals its ``content_hash``; :mod:`assistant.ingest.pipeline` keeps that invariant.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.records import Extracted
    from assistant.text import Chunk

LEGACY_EMBED_MODEL = "all-MiniLM-L6-v2-onnx-int8"   # what every workspace embedded with before [embed] model
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, source TEXT NOT NULL, started REAL NOT NULL, finished REAL,
  status TEXT NOT NULL DEFAULT 'running', complete INTEGER NOT NULL DEFAULT 0, stats TEXT
);
CREATE TABLE IF NOT EXISTS pages (
  id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL, final_url TEXT, status INTEGER, content_type TEXT,
  canonical TEXT, title TEXT, description TEXT, published TEXT, modified TEXT, lang TEXT,
  main_text TEXT, word_count INTEGER NOT NULL DEFAULT 0, noindex INTEGER NOT NULL DEFAULT 0,
  nofollow INTEGER NOT NULL DEFAULT 0, redirects TEXT, depth INTEGER, in_sitemap INTEGER NOT NULL DEFAULT 0,
  body_hash TEXT, content_hash TEXT, embedded_hash TEXT, etag TEXT, last_modified TEXT,
  fetched_at REAL, updated_at REAL, gone INTEGER NOT NULL DEFAULT 0, run_id INTEGER
);
CREATE TABLE IF NOT EXISTS links (
  id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
  target_url TEXT NOT NULL, internal INTEGER NOT NULL, anchor TEXT, anchor_kind TEXT, rel TEXT,
  placement TEXT NOT NULL, sentence TEXT, position INTEGER
);
CREATE INDEX IF NOT EXISTS links_source ON links(source_id);
CREATE INDEX IF NOT EXISTS links_target ON links(target_url);
CREATE TABLE IF NOT EXISTS chunks (
  page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE, position INTEGER NOT NULL,
  text TEXT NOT NULL, PRIMARY KEY (page_id, position)
);
CREATE TABLE IF NOT EXISTS page_errors (
  url TEXT PRIMARY KEY, run_id INTEGER, reason TEXT NOT NULL, detail TEXT, status INTEGER, at REAL
);
CREATE TABLE IF NOT EXISTS traffic_imports (
  id INTEGER PRIMARY KEY, file TEXT NOT NULL, part TEXT NOT NULL, sha256 TEXT NOT NULL, layout TEXT NOT NULL,
  dataset TEXT NOT NULL, period_start TEXT, period_end TEXT, rows INTEGER NOT NULL, skipped INTEGER NOT NULL,
  at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS traffic (
  import_id INTEGER NOT NULL REFERENCES traffic_imports(id) ON DELETE CASCADE, url TEXT NOT NULL,
  query TEXT NOT NULL DEFAULT '', clicks REAL, impressions REAL, position REAL, views REAL, sessions REAL,
  line INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS traffic_import ON traffic(import_id);
CREATE TABLE IF NOT EXISTS page_states (key TEXT PRIMARY KEY, state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS run_snapshots (
  run_id INTEGER PRIMARY KEY, taken REAL NOT NULL, pages BLOB NOT NULL, backlinks BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class Known:
    """What the last run stored about a URL: enough to skip it when nothing changed."""

    id: int
    status: int | None
    body_hash: str | None
    etag: str | None
    last_modified: str | None
    final_url: str | None
    nofollow: bool = False
    embedded_hash: str | None = None      # the content the page's vectors were made from


CHUNK_ID = re.compile(r"p\d+-c\d+")


def chunk_id(page_id: int, position: int) -> str:
    return f"p{page_id}-c{position}"


class Database:
    """One connection to ``workspace/assistant.db``. Use one instance per thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(SCHEMA)
        self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        self.conn.close()

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def begin(self) -> None:
        """Start a write transaction (the ingest writer batches its writes: :meth:`commit` every few pages)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.begin()
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.commit()

    # ------------------------------------------------------------------ runs
    def start_run(self, source: str) -> int:
        from assistant.store.runs import snapshot_missing  # per-run states for `assistant diff`

        snapshot_missing(self)
        cur = self.conn.execute("INSERT INTO runs (source, started) VALUES (?, ?)", (source, time.time()))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, complete: bool, stats: dict[str, Any]) -> None:
        self.conn.execute("UPDATE runs SET finished=?, status=?, complete=?, stats=? WHERE id=?",
                          (time.time(), status, int(complete), json.dumps(stats), run_id))
        from assistant.store.runs import take_snapshot

        take_snapshot(self, run_id)

    def unclean_runs(self, current: int) -> int:
        """Runs that never finished (killed): their writes may be half done."""
        row = self.conn.execute("SELECT count(*) FROM runs WHERE status='running' AND id<>?", (current,)).fetchone()
        return int(row[0])

    def mark_interrupted(self, current: int) -> None:
        self.conn.execute("UPDATE runs SET status='interrupted' WHERE status='running' AND id<>?", (current,))

    def last_run(self) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return row

    def previous_source(self, current: int) -> str | None:
        row = self.conn.execute("SELECT source FROM runs WHERE id<>? AND status='done' ORDER BY id DESC LIMIT 1",
                                (current,)).fetchone()
        return str(row[0]) if row else None

    # ------------------------------------------------------------------ pages
    def known(self) -> dict[str, Known]:
        rows = self.conn.execute(
            "SELECT id, url, status, body_hash, etag, last_modified, final_url, nofollow, embedded_hash FROM pages")
        return {r["url"]: Known(r["id"], r["status"], r["body_hash"], r["etag"], r["last_modified"], r["final_url"],
                                bool(r["nofollow"]), r["embedded_hash"]) for r in rows}

    def outlinks(self, page_id: int) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT target_url, internal, rel FROM links WHERE source_id=?", (page_id,)))

    def page_id(self, url: str) -> int:
        self.conn.execute("INSERT OR IGNORE INTO pages (url) VALUES (?)", (url,))
        return int(self.conn.execute("SELECT id FROM pages WHERE url=?", (url,)).fetchone()[0])

    def save_page(self, *, url: str, final_url: str, status: int, content_type: str, ex: Extracted,
                  links: Iterable[tuple[str, bool, Any]], chunks: list[Chunk], body_hash: str, content_hash: str,
                  etag: str | None, last_modified: str | None, depth: int, in_sitemap: bool,
                  redirects: list[tuple[int, str]], run_id: int) -> int:
        """Store a fetched HTML page with its links and chunks (replacing what it had)."""
        now = time.time()
        pid = self.page_id(url)
        self.conn.execute(
            """UPDATE pages SET final_url=?, status=?, content_type=?, canonical=?, title=?, description=?,
               published=?, modified=?, lang=?, main_text=?, word_count=?, noindex=?, nofollow=?, redirects=?,
               depth=?, in_sitemap=max(in_sitemap, ?), body_hash=?, content_hash=?, etag=?, last_modified=?,
               fetched_at=?, updated_at=?, gone=0, run_id=? WHERE id=?""",
            (final_url, status, content_type, ex.canonical, ex.title, ex.description, ex.published,
             ex.modified, ex.lang, ex.main_text, ex.word_count, int(ex.noindex), int(ex.nofollow),
             json.dumps(redirects) if redirects else None, depth, int(in_sitemap), body_hash, content_hash,
             etag, last_modified, now, now, run_id, pid))
        self.conn.execute("DELETE FROM links WHERE source_id=?", (pid,))
        self.conn.executemany(
            """INSERT INTO links (source_id, target_url, internal, anchor, anchor_kind, rel, placement, sentence,
               position) VALUES (?,?,?,?,?,?,?,?,?)""",
            [(pid, link.target, int(internal), link.anchor, link.anchor_kind, link.rel, link.placement,
              link.sentence, link.position) for _, internal, link in links])
        self.conn.execute("DELETE FROM chunks WHERE page_id=?", (pid,))
        self.conn.executemany("INSERT INTO chunks (page_id, position, text) VALUES (?,?,?)",
                              [(pid, c.position, c.text) for c in chunks])
        self.conn.execute("DELETE FROM page_errors WHERE url=?", (url,))
        return pid

    def save_status(self, *, url: str, status: int | None, final_url: str | None, redirects: list[tuple[int, str]],
                    depth: int, in_sitemap: bool, run_id: int, content_type: str = "") -> int:
        """Store a URL without content (redirect, error, non-HTML): its links and chunks go."""
        pid = self.page_id(url)
        now = time.time()
        hops = json.dumps(redirects) if redirects else None
        self.conn.execute(   # updated_at moves only when what is known of the URL changes
            """UPDATE pages SET updated_at=CASE WHEN updated_at IS NOT NULL AND status IS ? AND final_url IS ?
               AND redirects IS ? AND content_hash IS NULL THEN updated_at ELSE ? END, final_url=?, status=?,
               content_type=?, redirects=?, depth=?, in_sitemap=max(in_sitemap, ?), main_text=NULL, word_count=0,
               body_hash=NULL, content_hash=NULL, etag=NULL, last_modified=NULL, fetched_at=?, gone=?, run_id=?
               WHERE id=?""",
            (status, final_url, hops, now, final_url, status, content_type, hops, depth, int(in_sitemap), now,
             int(status is not None and status in (404, 410)), run_id, pid))
        self.conn.execute("DELETE FROM links WHERE source_id=?", (pid,))
        self.conn.execute("DELETE FROM chunks WHERE page_id=?", (pid,))
        return pid

    def record_error(self, url: str, run_id: int, reason: str, detail: str, status: int | None) -> None:
        self.conn.execute("INSERT OR REPLACE INTO page_errors VALUES (?,?,?,?,?,?)",
                          (url, run_id, reason, detail, status, time.time()))

    def mark_gone(self, urls: Iterable[str]) -> int:
        n = 0
        for url in urls:
            row = self.conn.execute("SELECT id FROM pages WHERE url=? AND gone=0", (url,)).fetchone()
            if row:
                self.conn.execute("UPDATE pages SET gone=1, updated_at=? WHERE id=?", (time.time(), row[0]))
                self.conn.execute("DELETE FROM links WHERE source_id=?", (row[0],))
                self.conn.execute("DELETE FROM chunks WHERE page_id=?", (row[0],))
                n += 1
        return n

    def touch_sitemap(self, urls: Iterable[str]) -> None:
        self.conn.executemany("UPDATE pages SET in_sitemap=1 WHERE url=? AND in_sitemap=0", [(u,) for u in urls])

    # ------------------------------------------------------------------ embeddings
    def pending_embeddings(self) -> list[sqlite3.Row]:
        """Pages whose chunks are not (or no longer) what Chroma holds."""
        return list(self.conn.execute(
            """SELECT id, url, title, content_hash FROM pages WHERE content_hash IS NOT NULL AND gone=0
               AND (embedded_hash IS NULL OR embedded_hash<>content_hash) ORDER BY id"""))

    def chunk_texts(self, page_id: int) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT text FROM chunks WHERE page_id=? ORDER BY position",
                                                (page_id,))]

    def vectors_model(self) -> str | None:
        """The embedder that made the workspace's vectors (None: no vectors yet). Workspaces from before the
        model was recorded were all embedded by MiniLM."""
        name = self.meta("embed_model")
        if name is None and self.conn.execute("SELECT 1 FROM pages WHERE embedded_hash IS NOT NULL LIMIT 1").fetchone():
            return LEGACY_EMBED_MODEL
        return name

    def start_vectors_model(self, name: str) -> int:
        """Record ``name`` as the vectors' model and un-mark every embedded page (their vectors, made by another
        model, are gone); returns how many pages must be embedded again. One transaction."""
        with self.transaction():
            n = self.conn.execute("UPDATE pages SET embedded_hash=NULL WHERE embedded_hash IS NOT NULL").rowcount
            self.set_meta("embed_model", name)
        return int(n)

    def chunk_records(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """(page URL, page title, chunk text) by vector id (``p{page}-c{position}``)."""
        out: dict[str, tuple[str, str, str]] = {}
        for cid in ids:
            if CHUNK_ID.fullmatch(cid):
                page_id, position = (int(x) for x in cid[1:].split("-c", 1))
                row = self.conn.execute("SELECT p.url, p.title, c.text FROM chunks c JOIN pages p ON p.id=c.page_id "
                                        "WHERE c.page_id=? AND c.position=?", (page_id, position)).fetchone()
                if row is not None:
                    out[cid] = (str(row[0]), str(row[1] or ""), str(row[2]))
        return out

    def page_urls(self) -> dict[int, str]:
        """Every page's URL by its id (the vectors' ids name pages by id)."""
        return {int(r[0]): str(r[1]) for r in self.conn.execute("SELECT id, url FROM pages")}

    def set_embedded(self, page_id: int, content_hash: str | None) -> None:
        self.conn.execute("UPDATE pages SET embedded_hash=? WHERE id=?", (content_hash, page_id))

    def expected_chunk_ids(self) -> set[str]:
        rows = self.conn.execute(
            """SELECT c.page_id, c.position FROM chunks c JOIN pages p ON p.id=c.page_id
               WHERE p.embedded_hash IS NOT NULL AND p.embedded_hash=p.content_hash""")
        return {chunk_id(r[0], r[1]) for r in rows}

    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "urls": int(q("SELECT count(*) FROM pages WHERE gone=0").fetchone()[0]),
            "html_pages": int(q("SELECT count(*) FROM pages WHERE gone=0 AND content_hash IS NOT NULL").fetchone()[0]),
            "links": int(q("SELECT count(*) FROM links").fetchone()[0]),
            "content_links": int(q("SELECT count(*) FROM links WHERE placement='content'").fetchone()[0]),
            "chunks": int(q("SELECT count(*) FROM chunks").fetchone()[0]),
            "embedded_chunks": len(self.expected_chunk_ids()),
            "errors": int(q("SELECT count(*) FROM page_errors").fetchone()[0]),
        }
