"""What each ingest run left in the workspace, kept so that two runs can be compared (``assistant diff``).

The pages and links tables hold only the latest state, so at the end of every run (and, for a run that was
killed or ran before this existed, when the next one starts) :func:`take_snapshot` records the run's state:

- ``page_states``: one row per distinct state of a URL (status, redirect, canonical, robots flags, title,
  words, the error reason and its links), keyed by a hash of that state, so a page that did not change
  between runs is stored once however many runs see it;
- ``run_snapshots``: per run, the map URL -> state key (compressed) and the referring domains of each
  backlinked page at that time.

A snapshot of a 10,000-page site costs one read of the pages and links tables and a few hundred kB.
The plans ``assistant plan`` writes are kept in ``WORKSPACE/plans/`` (see :func:`keep_plan`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.store.db import Database  # db.py calls this module at a run's start and end

PLANS = "plans"


@dataclass(frozen=True)
class StoredLink:
    target: str
    internal: bool
    placement: str
    anchor: str
    rel: str


@dataclass(frozen=True)
class PageState:
    """One URL as a run left it. ``gone``: not seen by the run (or 404/410); ``html``: a page with content."""

    url: str
    status: int | None
    final_url: str | None
    canonical: str | None
    noindex: bool
    nofollow: bool
    html: bool
    in_sitemap: bool
    depth: int | None
    title: str
    words: int
    published: str | None
    gone: bool
    error: str | None
    links: tuple[StoredLink, ...] = ()

    @property
    def live(self) -> bool:
        """A page with content the run saw (what can gain or lose links)."""
        return self.html and not self.gone and self.status == 200


@dataclass
class Snapshot:
    run_id: int
    taken: float
    source: str
    complete: bool
    pages: dict[str, PageState]
    referring: dict[str, frozenset[str]] = field(default_factory=dict)   # page -> linking domains (live)


@dataclass(frozen=True)
class RunInfo:
    id: int
    source: str
    started: float
    finished: float | None
    status: str                   # done | interrupted | running
    complete: bool                # the crawl did not stop at a limit
    stats: dict[str, Any]
    snapshot: bool                # its state was kept (it can be compared)

    @property
    def comparable(self) -> bool:
        """Compared by default: the run finished (a killed run is compared only when asked for by id)."""
        return self.status == "done" and self.snapshot

    def as_dict(self) -> dict[str, Any]:
        totals = self.stats.get("totals", {})
        return {"id": self.id, "source": self.source, "started": iso(self.started),
                "finished": iso(self.finished) if self.finished else None, "status": self.status,
                "complete": self.complete, "limit": self.stats.get("limit", ""),
                "pages": totals.get("html_pages"), "links": totals.get("links"),
                "content_links": totals.get("content_links"), "new": self.stats.get("new"),
                "changed": self.stats.get("changed"), "gone": self.stats.get("gone"), "snapshot": self.snapshot}


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------------------------------ runs
def list_runs(db: Database) -> list[RunInfo]:
    kept = {int(r[0]) for r in db.conn.execute("SELECT run_id FROM run_snapshots")}
    return [RunInfo(int(r["id"]), str(r["source"]), float(r["started"]), r["finished"], str(r["status"]),
                    bool(r["complete"]), json.loads(r["stats"]) if r["stats"] else {}, int(r["id"]) in kept)
            for r in db.conn.execute("SELECT * FROM runs ORDER BY id")]


# ------------------------------------------------------------------------------------------ snapshots
def _state_row(r: sqlite3.Row, links: list[list[Any]]) -> list[Any]:
    return [r["status"], r["final_url"], r["canonical"], r["noindex"], r["nofollow"], r["html"], r["in_sitemap"],
            r["depth"], r["title"] or "", r["word_count"] or 0, r["published"], r["gone"], r["reason"], links]


def take_snapshot(db: Database, run_id: int) -> int:
    """Record the workspace's current state as ``run_id``'s (replacing a snapshot it had); returns the
    number of page states that were new."""
    links: dict[int, list[list[Any]]] = {}
    for src, target, internal, placement, anchor, rel in db.conn.execute(
            "SELECT source_id, target_url, internal, placement, anchor, rel FROM links ORDER BY source_id, position"):
        links.setdefault(src, []).append([target, internal, placement, anchor or "", rel or ""])
    keys: dict[str, str] = {}
    states: dict[str, bytes] = {}
    for r in db.conn.execute(
            """SELECT p.id, p.url, p.status, p.final_url, p.canonical, p.noindex, p.nofollow,
                      p.content_hash IS NOT NULL AS html, p.in_sitemap, p.depth, p.title, p.word_count, p.published,
                      p.gone, e.reason FROM pages p LEFT JOIN page_errors e ON e.url=p.url"""):
        text = json.dumps(_state_row(r, links.get(r["id"], [])), separators=(",", ":"), ensure_ascii=False)
        key = hashlib.sha1(text.encode()).hexdigest()[:20]
        keys[r["url"]] = key
        states[key] = text.encode()
    known = _latest_keys(db)
    fresh = [(k, zlib.compress(v)) for k, v in states.items() if k not in known]
    referring = _referring(db)
    blob = zlib.compress(json.dumps(keys, separators=(",", ":")).encode())
    owned = not db.conn.in_transaction
    if owned:
        db.conn.execute("BEGIN IMMEDIATE")
    try:
        db.conn.executemany("INSERT OR IGNORE INTO page_states (key, state) VALUES (?, ?)", fresh)
        db.conn.execute("INSERT OR REPLACE INTO run_snapshots (run_id, taken, pages, backlinks) VALUES (?,?,?,?)",
                        (run_id, time.time(), blob, zlib.compress(json.dumps(referring).encode())))
    except BaseException:
        if owned:
            db.conn.execute("ROLLBACK")
        raise
    if owned:
        db.conn.execute("COMMIT")
    return len(fresh)


def snapshot_missing(db: Database) -> None:
    """Keep the state the latest run left when it kept none (it was killed, or ran before snapshots existed)."""
    row = db.conn.execute("SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM run_snapshots) "
                          "AND id = (SELECT max(id) FROM runs)").fetchone()
    if row is not None and db.conn.execute("SELECT 1 FROM pages LIMIT 1").fetchone():
        take_snapshot(db, int(row[0]))


def _latest_keys(db: Database) -> set[str]:
    row = db.conn.execute("SELECT pages FROM run_snapshots ORDER BY run_id DESC LIMIT 1").fetchone()
    return set(json.loads(zlib.decompress(row[0])).values()) if row else set()


def _referring(db: Database) -> dict[str, list[str]]:
    if not db.conn.execute("SELECT 1 FROM sqlite_master WHERE name='backlinks'").fetchone():
        return {}
    out: dict[str, list[str]] = {}
    for target, domain in db.conn.execute("SELECT DISTINCT target_url, source_domain FROM backlinks "
                                          "WHERE target_url<>'' AND lost=0 ORDER BY target_url, source_domain"):
        out.setdefault(str(target), []).append(str(domain))
    return out


def load_snapshot(db: Database, run_id: int) -> Snapshot | None:
    row = db.conn.execute("SELECT s.taken, s.pages, s.backlinks, r.source, r.complete FROM run_snapshots s "
                          "JOIN runs r ON r.id=s.run_id WHERE s.run_id=?", (run_id,)).fetchone()
    if row is None:
        return None
    keys: dict[str, str] = json.loads(zlib.decompress(row["pages"]))
    wanted = sorted(set(keys.values()))
    raw: dict[str, list[Any]] = {}
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        marks = ",".join("?" * len(part))
        for key, blob in db.conn.execute(f"SELECT key, state FROM page_states WHERE key IN ({marks})", part):
            raw[str(key)] = json.loads(zlib.decompress(blob))
    pages = {}
    for url, key in keys.items():
        s = raw[key]
        links = tuple(StoredLink(t, bool(i), p, a, r) for t, i, p, a, r in s[13])
        pages[url] = PageState(url, s[0], s[1], s[2], bool(s[3]), bool(s[4]), bool(s[5]), bool(s[6]), s[7], s[8],
                               int(s[9]), s[10], bool(s[11]), s[12], links)
    referring = {u: frozenset(d) for u, d in json.loads(zlib.decompress(row["backlinks"])).items()}
    return Snapshot(run_id, float(row["taken"]), str(row["source"]), bool(row["complete"]), pages, referring)


# ------------------------------------------------------------------------------------------ plans
def keep_plan(workspace: Path, plan: dict[str, Any], run_id: int | None) -> Path:
    """Keep the JSON of a plan just written, with the run it was made from, in ``WORKSPACE/plans/``."""
    folder = workspace / PLANS
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"plan-{stamp}.json"
    path.write_text(json.dumps({**plan, "run_id": run_id}, indent=1, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
    return path


def last_plan(workspace: Path) -> dict[str, Any] | None:
    """The last plan kept (None when none was, or it cannot be read)."""
    for path in sorted((workspace / PLANS).glob("plan-*.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("tasks"), list):
            return {**data, "file": str(path)}
    return None
