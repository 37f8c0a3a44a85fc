"""The backlink tables in the workspace database: the import that fills them and the queries engines use.

Tables (created on first use by :func:`ensure_schema`):

- ``backlinks``: one row per link, unique on (source_url, target_url, anchor); ``target_url`` is ``''``
  when the export does not name it (Search Console "Latest links"). Targets are normalised and, when
  they are pages of the workspace (scheme, ``www.`` and trailing slash aside), stored as that page's URL.
- ``backlink_gsc_pages`` / ``backlink_gsc_sites``: Search Console's aggregates (top linked pages, top
  linking sites), one row per target page / linking site.
- ``backlink_imports``: one row per import (file, sha256, format, counts, time).

A re-import updates rows in place (metrics merged, first_seen/last_seen widened), so nothing is counted twice.
"""

from __future__ import annotations

import json
import sqlite3
import time
import weakref
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from assistant.models import Backlink, Parsed, TopPage, TopSite
from assistant.store.db import Database
from assistant.urls import host_key, normalize

SCHEMA_VERSION = "1"
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS backlink_imports (
      id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,
      rows INTEGER NOT NULL, skipped INTEGER NOT NULL, new INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0, at REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS backlinks (
      id INTEGER PRIMARY KEY, source_url TEXT NOT NULL, target_url TEXT NOT NULL DEFAULT '',
      anchor TEXT NOT NULL DEFAULT '', source_domain TEXT NOT NULL, source_title TEXT NOT NULL DEFAULT '',
      nofollow INTEGER NOT NULL DEFAULT 0, sponsored INTEGER NOT NULL DEFAULT 0, ugc INTEGER NOT NULL DEFAULT 0,
      first_seen TEXT, last_seen TEXT, lost INTEGER NOT NULL DEFAULT 0, left_context TEXT NOT NULL DEFAULT '',
      right_context TEXT NOT NULL DEFAULT '', link_type TEXT NOT NULL DEFAULT '',
      sitewide INTEGER NOT NULL DEFAULT 0, metrics TEXT NOT NULL DEFAULT '{}', source_format TEXT NOT NULL,
      line INTEGER NOT NULL DEFAULT 0, target_raw TEXT, import_id INTEGER, first_import_id INTEGER,
      updated_at REAL, UNIQUE (source_url, target_url, anchor))""",
    "CREATE INDEX IF NOT EXISTS backlinks_target ON backlinks(target_url)",
    """CREATE TABLE IF NOT EXISTS backlink_gsc_pages (
      target_url TEXT PRIMARY KEY, incoming_links INTEGER NOT NULL, linking_sites INTEGER,
      line INTEGER NOT NULL DEFAULT 0, import_id INTEGER, updated_at REAL)""",
    """CREATE TABLE IF NOT EXISTS backlink_gsc_sites (
      site TEXT PRIMARY KEY, linking_pages INTEGER NOT NULL, target_pages INTEGER,
      line INTEGER NOT NULL DEFAULT 0, import_id INTEGER, updated_at REAL)""",
)
_TABLES = {"backlink_imports", "backlinks", "backlinks_target", "backlink_gsc_pages", "backlink_gsc_sites"}
_READY: weakref.WeakSet[Database] = weakref.WeakSet()
_FIELDS = ("source_url", "target_url", "anchor", "source_domain", "source_title", "nofollow", "sponsored", "ugc",
           "first_seen", "last_seen", "lost", "left_context", "right_context", "link_type", "sitewide", "metrics",
           "source_format", "line")
# which layout columns report a flag: a layout without them says nothing, so an import keeps the stored value
_FLAG_COLUMNS = {"nofollow": {"nofollow", "rel"}, "sponsored": {"sponsored", "rel"}, "ugc": {"ugc", "rel"},
                 "lost": {"lost", "lost_date"}, "sitewide": {"sitewide"}}


def ensure_schema(db: Database) -> None:
    """Create the backlink tables if this database lacks them (cheap; checked once per Database)."""
    if db in _READY:
        return
    have = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
    if _TABLES - have:
        for statement in SCHEMA:        # one by one: executescript would COMMIT a caller's transaction
            db.conn.execute(statement)
        db.conn.execute("INSERT OR IGNORE INTO meta VALUES ('backlinks_schema_version', ?)", (SCHEMA_VERSION,))
    _READY.add(db)


@dataclass
class ImportResult:
    import_id: int
    format: str
    label: str
    rows: int
    skipped: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0                  # rows repeating an earlier row of the same file (merged into it)
    targets: int = 0                     # distinct target URLs in the file
    targets_not_found: list[str] = field(default_factory=list)
    previous_import: dict[str, Any] | None = None   # the same bytes imported before
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Targets:
    """Maps an export's target (URL or site-relative path) onto the workspace's page URLs."""

    def __init__(self, db: Database) -> None:
        rows = list(db.conn.execute(
            "SELECT url, gone FROM pages ORDER BY gone, content_hash IS NULL, id"))
        first = db.conn.execute("SELECT url FROM pages WHERE gone=0 ORDER BY id LIMIT 1").fetchone()
        self.base: str | None = str(first[0]) if first else None
        self.live = {str(r[0]) for r in rows if not r[1]}
        self.index: dict[tuple[str, str, str], str] = {}
        for r in rows:
            self.index.setdefault(self._key(str(r[0])), str(r[0]))
        self._done: dict[str, str] = {}

    @staticmethod
    def _key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        return host_key(url).removeprefix("www."), parts.path.rstrip("/") or "/", parts.query

    def resolve(self, target: str) -> str:
        if target not in self._done:
            url = target
            if url.startswith("/") and self.base is not None:
                url = normalize(urljoin(self.base, url)) or url
            self._done[target] = url if url.startswith("/") else self.index.get(self._key(url), url)
        return self._done[target]


def merge(old: Backlink, new: Backlink, reported: set[str]) -> Backlink:
    """``new`` over ``old``: metrics merged, dates widened, texts and flags kept when the new export lacks them."""
    flags = {f: getattr(new if cols & reported else old, f) for f, cols in _FLAG_COLUMNS.items()}
    return replace(
        new, source_title=new.source_title or old.source_title, left_context=new.left_context or old.left_context,
        right_context=new.right_context or old.right_context, link_type=new.link_type or old.link_type,
        first_seen=min(filter(None, (old.first_seen, new.first_seen)), default=None),
        last_seen=max(filter(None, (old.last_seen, new.last_seen)), default=None),
        metrics={**old.metrics, **new.metrics}, **flags)


def import_parsed(db: Database, parsed: Parsed, *, file: str, sha256: str) -> ImportResult:
    """Write a fully parsed export in one transaction; returns what changed."""
    ensure_schema(db)
    targets = Targets(db)
    reported = set(parsed.layout.columns)
    result = ImportResult(0, parsed.layout.name, parsed.layout.label, parsed.rows, parsed.skipped)
    links: dict[tuple[str, str, str], tuple[Backlink, str | None]] = {}
    for b in parsed.backlinks:
        target = targets.resolve(b.target_url) if b.target_url else None
        resolved = b if target == b.target_url else replace(b, target_url=target)
        k = (resolved.source_url, resolved.target_url or "", resolved.anchor)
        if k in links:
            result.duplicates += 1
            resolved = merge(links[k][0], resolved, reported)
        links[k] = (resolved, b.target_url)
    pages: dict[str, TopPage] = {}
    for p in parsed.top_pages:
        url = targets.resolve(p.target_url)
        result.duplicates += url in pages
        pages[url] = replace(p, target_url=url)
    sites: dict[str, TopSite] = {}
    for s in parsed.top_sites:
        result.duplicates += s.site in sites
        sites[s.site] = s
    found = {b.target_url for b, _ in links.values() if b.target_url} | set(pages)
    result.targets = len(found)
    result.targets_not_found = sorted(found - targets.live)
    if targets.base is None and found:
        result.warnings.append("the workspace has no pages yet: targets are stored as the export wrote them "
                               "(run `assistant ingest` first to match them to pages)")
    now = time.time()
    with db.transaction() as conn:
        prev = conn.execute("SELECT id, file, at FROM backlink_imports WHERE sha256=? ORDER BY id DESC LIMIT 1",
                            (sha256,)).fetchone()
        if prev:
            result.previous_import = {"id": prev["id"], "file": prev["file"], "at": _iso_time(prev["at"])}
        cur = conn.execute("INSERT INTO backlink_imports (file, sha256, format, rows, skipped, at) "
                           "VALUES (?,?,?,?,?,?)", (file, sha256, parsed.layout.name, parsed.rows, parsed.skipped,
                                                    now))
        result.import_id = int(cur.lastrowid or 0)
        for (src, tgt, anchor), (b, raw) in links.items():
            old = conn.execute("SELECT * FROM backlinks WHERE source_url=? AND target_url=? AND anchor=?",
                               (src, tgt, anchor)).fetchone()
            values = _values(b)
            if old is None:
                conn.execute(f"INSERT INTO backlinks ({', '.join(_FIELDS)}, target_raw, import_id, first_import_id, "
                             f"updated_at) VALUES ({', '.join('?' * (len(_FIELDS) + 4))})",
                             (*values, raw, result.import_id, result.import_id, now))
                result.new += 1
                continue
            if tuple(old[f] for f in _FIELDS) == values:     # the same row again (a re-import): fast path
                result.unchanged += 1
                conn.execute("UPDATE backlinks SET import_id=? WHERE id=?", (result.import_id, old["id"]))
                continue
            before = _backlink(old)
            after = merge(before, b, reported)
            if replace(after, line=before.line, source_format=before.source_format) == before:
                result.unchanged += 1
            else:
                result.updated += 1
            conn.execute(f"UPDATE backlinks SET {', '.join(f + '=?' for f in _FIELDS)}, target_raw=?, import_id=?, "
                         "updated_at=? WHERE id=?", (*_values(after), raw, result.import_id, now, old["id"]))
        for url, p in pages.items():
            _upsert(conn, result, "backlink_gsc_pages", "target_url", url,
                    {"incoming_links": p.incoming_links, "linking_sites": p.linking_sites}, p.line, now)
        for site, s in sites.items():
            _upsert(conn, result, "backlink_gsc_sites", "site", site,
                    {"linking_pages": s.linking_pages, "target_pages": s.target_pages}, s.line, now)
        conn.execute("UPDATE backlink_imports SET new=?, updated=?, unchanged=? WHERE id=?",
                     (result.new, result.updated, result.unchanged, result.import_id))
    return result


def _upsert(conn: sqlite3.Connection, result: ImportResult, table: str, pk: str, value: str,
            numbers: dict[str, int | None], line: int, now: float) -> None:
    cols = list(numbers)
    old = conn.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE {pk}=?", (value,)).fetchone()
    if old is None:
        result.new += 1
    elif tuple(old) == tuple(numbers.values()):
        result.unchanged += 1
    else:
        result.updated += 1
    conn.execute(f"INSERT OR REPLACE INTO {table} ({pk}, {', '.join(cols)}, line, import_id, updated_at) "
                 f"VALUES ({', '.join('?' * (len(cols) + 4))})", (value, *numbers.values(), line,
                                                                  result.import_id, now))


def _values(b: Backlink) -> tuple[Any, ...]:
    return (b.source_url, b.target_url or "", b.anchor, b.source_domain, b.source_title, int(b.nofollow),
            int(b.sponsored), int(b.ugc), b.first_seen, b.last_seen, int(b.lost), b.left_context, b.right_context,
            b.link_type, int(b.sitewide), json.dumps(b.metrics, sort_keys=True), b.source_format, b.line)


def _backlink(r: sqlite3.Row) -> Backlink:
    return Backlink(
        source_url=r["source_url"], target_url=r["target_url"] or None, anchor=r["anchor"],
        source_title=r["source_title"], nofollow=bool(r["nofollow"]), sponsored=bool(r["sponsored"]),
        ugc=bool(r["ugc"]), first_seen=r["first_seen"], last_seen=r["last_seen"], lost=bool(r["lost"]),
        left_context=r["left_context"], right_context=r["right_context"], link_type=r["link_type"],
        sitewide=bool(r["sitewide"]), metrics={k: float(v) for k, v in json.loads(r["metrics"]).items()},
        source_format=r["source_format"], line=r["line"])


def _iso_time(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


# ---------------------------------------------------------------------------------------------- queries
_ORDER = "ORDER BY target_url, source_domain, source_url, anchor"


def all_backlinks(db: Database) -> list[Backlink]:
    """Every stored backlink (lost ones too: see ``Backlink.lost``)."""
    ensure_schema(db)
    return [_backlink(r) for r in db.conn.execute(f"SELECT * FROM backlinks {_ORDER}")]


def backlinks_to(db: Database, url: str) -> list[Backlink]:
    """Backlinks pointing at one page (URL, trailing slash either way; a path resolves against the site)."""
    ensure_schema(db)
    if url.startswith("/"):
        url = Targets(db).resolve(url)
    url = normalize(url) or url
    variants = sorted({url, url.rstrip("/") or url, url.rstrip("/") + "/"})
    marks = ", ".join("?" * len(variants))
    return [_backlink(r) for r in db.conn.execute(
        f"SELECT * FROM backlinks WHERE target_url IN ({marks}) {_ORDER}", variants)]


def referring_domains(db: Database) -> dict[str, int]:
    """target URL -> distinct linking domains (live links), or Search Console's "Linking sites" when larger."""
    ensure_schema(db)
    counts = {str(r[0]): int(r[1]) for r in db.conn.execute(
        "SELECT target_url, count(DISTINCT source_domain) FROM backlinks WHERE target_url<>'' AND lost=0 "
        "GROUP BY target_url")}
    for url, sites in db.conn.execute(
            "SELECT target_url, linking_sites FROM backlink_gsc_pages WHERE linking_sites IS NOT NULL"):
        counts[str(url)] = max(counts.get(str(url), 0), int(sites))
    return counts


def backlinked_targets(db: Database) -> set[str]:
    """Target URLs with at least one live backlink (or incoming links in Search Console's top linked pages)."""
    ensure_schema(db)
    return {str(r[0]) for r in db.conn.execute(
        "SELECT target_url FROM backlinks WHERE target_url<>'' AND lost=0 "
        "UNION SELECT target_url FROM backlink_gsc_pages WHERE incoming_links>0")}


def top_linked_pages(db: Database) -> list[TopPage]:
    """Search Console's "Top linked pages": target page, incoming links, linking sites."""
    ensure_schema(db)
    return [TopPage(r[0], r[1], r[2], r[3]) for r in db.conn.execute(
        "SELECT target_url, incoming_links, linking_sites, line FROM backlink_gsc_pages "
        "ORDER BY incoming_links DESC, target_url")]


def top_linking_sites(db: Database) -> list[TopSite]:
    """Search Console's "Top linking sites": site, linking pages, target pages."""
    ensure_schema(db)
    return [TopSite(r[0], r[1], r[2], r[3]) for r in db.conn.execute(
        "SELECT site, linking_pages, target_pages, line FROM backlink_gsc_sites ORDER BY linking_pages DESC, site")]


def import_history(db: Database) -> list[dict[str, Any]]:
    ensure_schema(db)
    return [{**{k: r[k] for k in r.keys()}, "at": _iso_time(r["at"])}  # noqa: SIM118 - sqlite3.Row
            for r in db.conn.execute("SELECT * FROM backlink_imports ORDER BY id")]
