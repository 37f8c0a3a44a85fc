"""Read-only queries for the inspection commands (pages, links) and URL lookup."""

from __future__ import annotations

import difflib
import sqlite3
from typing import Any
from urllib.parse import urljoin, urlsplit

from assistant.store.db import Database
from assistant.urls import normalize


class UnknownURL(LookupError):
    """A URL the workspace does not hold; the message offers near matches."""


def resolve_url(db: Database, text: str) -> str:
    """A workspace URL from what a user typed: absolute URL, path (``/blog/x/``) or slug, slash-tolerant."""
    urls = [r[0] for r in db.conn.execute("SELECT url FROM pages WHERE gone=0")]
    if not urls:
        raise UnknownURL("the workspace is empty: run `assistant ingest SOURCE` first")
    base = urls[0]
    candidate = normalize(text if "://" in text else urljoin(base, text)) or text
    variants = list(dict.fromkeys([candidate, candidate.rstrip("/"), candidate.rstrip("/") + "/"]))
    present = set(urls)
    for v in variants:
        if v in present:
            return v
    marks = ",".join("?" * len(variants))
    row = db.conn.execute(f"SELECT url FROM pages WHERE final_url IN ({marks}) AND gone=0", variants).fetchone()
    if row:
        return str(row[0])
    paths = {urlsplit(u).path: u for u in urls}
    near = difflib.get_close_matches(urlsplit(candidate).path, list(paths), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(paths[p] for p in near)}?" if near else ""
    raise UnknownURL(f"{text} is not a page of this workspace{hint}")


def page_rows(db: Database, include_all: bool = False) -> list[dict[str, Any]]:
    """One row per live HTML page (``include_all``: every URL met, with its error) and its link counts:
    ``inlinks``, ``content_inlinks`` and ``linking_pages`` count internal links from other pages, ``outlinks``
    every link on the page, external ones included."""
    where = "" if include_all else "WHERE p.gone=0 AND p.content_hash IS NOT NULL"
    rows = db.conn.execute(f"""
        WITH live AS (SELECT id, url FROM pages WHERE gone=0),
        inl AS (SELECT l.target_url AS url, count(*) AS n, sum(l.placement='content') AS c,
                       count(DISTINCT l.source_id) AS sources
                FROM links l JOIN live s ON s.id=l.source_id WHERE l.internal=1 AND l.target_url<>s.url
                GROUP BY l.target_url),
        outl AS (SELECT source_id, count(*) AS n, sum(internal) AS internal, sum(placement='content') AS c
                 FROM links GROUP BY source_id)
        SELECT p.url, p.title, p.status, e.reason AS error, p.gone, p.content_type, p.word_count AS words,
               p.published, p.depth AS crawl_depth, p.noindex, p.canonical,
               p.in_sitemap, coalesce(inl.n,0) AS inlinks, coalesce(inl.c,0) AS content_inlinks,
               coalesce(inl.sources,0) AS linking_pages, coalesce(outl.n,0) AS outlinks,
               coalesce(outl.internal,0) AS internal_outlinks, coalesce(outl.c,0) AS content_outlinks
        FROM pages p LEFT JOIN inl ON inl.url=p.url LEFT JOIN outl ON outl.source_id=p.id
        LEFT JOIN page_errors e ON e.url=p.url
        {where} ORDER BY p.url""")
    return [_row(r) for r in rows]


def links_query(db: Database, *, to: str | None = None, frm: str | None = None,
                placement: str | None = None) -> list[dict[str, Any]]:
    clauses, params = ["s.gone=0"], []
    if to:
        clauses.append("l.target_url=?")
        params.append(to)
    if frm:
        clauses.append("s.url=?")
        params.append(frm)
    if placement:
        clauses.append("l.placement=?")
        params.append(placement)
    rows = db.conn.execute(f"""
        SELECT s.url AS source, l.target_url AS target, l.anchor, l.anchor_kind, l.placement, l.rel,
               l.internal, l.sentence, l.position
        FROM links l JOIN pages s ON s.id=l.source_id WHERE {' AND '.join(clauses)}
        ORDER BY s.url, l.position""", params)
    return [_row(r) for r in rows]


def _row(r: sqlite3.Row) -> dict[str, Any]:
    return {k: r[k] for k in r.keys()}  # noqa: SIM118 - sqlite3.Row is not a mapping


# ------------------------------------------------------------------------ the engines' and surfaces' reads

def live_html_urls(db: Database) -> list[str]:
    """The URLs of the pages the site serves as HTML (what the Slack bot's URL guard takes the hosts from)."""
    return [str(r[0]) for r in db.conn.execute("SELECT url FROM pages WHERE gone=0 AND content_hash IS NOT NULL")]


def newest_published(db: Database) -> str | None:
    """The latest ``published`` date of a live page, as stored (None when no page has one)."""
    value = db.conn.execute("SELECT max(published) FROM pages WHERE gone=0").fetchone()[0]
    return str(value) if value is not None else None


def page_descriptions(db: Database) -> dict[str, str]:
    """Every page's meta description ("" when it has none), by URL."""
    return {str(r[0]): str(r[1] or "") for r in db.conn.execute("SELECT url, description FROM pages")}


def page_errors(db: Database) -> dict[str, str]:
    """The reason code of every URL that failed, by URL."""
    return {r[0]: r[1] for r in db.conn.execute("SELECT url, reason FROM page_errors")}


def placement_counts(db: Database) -> dict[str, int]:
    """The live pages' links by placement (content, boilerplate)."""
    return {row[0]: row[1] for row in db.conn.execute(
        "SELECT l.placement, count(*) FROM links l JOIN pages p ON p.id=l.source_id WHERE p.gone=0 "
        "GROUP BY l.placement")}


def internal_content_links(db: Database) -> int:
    return int(db.conn.execute(
        "SELECT count(*) FROM links l JOIN pages p ON p.id=l.source_id WHERE p.gone=0 "
        "AND l.placement='content' AND l.internal=1").fetchone()[0])


def top_content_anchors(db: Database, limit: int = 5) -> list[dict[str, Any]]:
    """The most used text anchors of internal in-content links (case and spaces folded), most links first."""
    return [{"anchor": row[0], "links": row[1]} for row in db.conn.execute(
        "SELECT min(l.anchor), count(*) AS n FROM links l JOIN pages p ON p.id=l.source_id "
        "WHERE p.gone=0 AND l.placement='content' AND l.internal=1 AND l.anchor_kind='text' "
        "AND trim(coalesce(l.anchor,''))<>'' GROUP BY lower(trim(l.anchor)) ORDER BY n DESC, min(l.anchor) LIMIT ?",
        (limit,))]


def audit_pages(db: Database, text_chars: int) -> sqlite3.Cursor:
    """Every page's row for the audit, its main text cut to ``text_chars`` characters."""
    return db.conn.execute("""SELECT url, title, status, final_url, content_hash IS NOT NULL AS html, word_count,
                              published, substr(main_text, 1, ?) AS text, in_sitemap FROM pages""", (text_chars,))


def live_links(db: Database) -> sqlite3.Cursor:
    """The live pages' links with their source URL, in page order and each page's link order."""
    return db.conn.execute("""SELECT s.url AS source, l.target_url, l.internal, l.anchor, l.rel,
                              l.placement, l.sentence FROM links l JOIN pages s ON s.id=l.source_id
                              WHERE s.gone=0 ORDER BY l.source_id, l.position""")


def content_link_anchors(db: Database) -> dict[str, list[tuple[str, str]]]:
    """Each live page's in-content text links, internal and external, as (anchor, sentence) pairs, whitespace
    collapsed (a phrase already linked is no place for a new link)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for url, anchor, sentence in db.conn.execute(
            "SELECT s.url, l.anchor, l.sentence FROM links l JOIN pages s ON s.id=l.source_id WHERE s.gone=0 "
            "AND l.placement='content' AND l.anchor_kind='text' AND trim(coalesce(l.anchor,''))<>'' "
            "ORDER BY l.source_id, l.position"):
        out.setdefault(url, []).append((" ".join(anchor.split()), " ".join((sentence or "").split())))
    return out


def page_texts(db: Database) -> sqlite3.Cursor:
    """The live HTML pages' text and dates, and whether their stored vectors are of their current text
    (``embedded``): what the suggestion engine reads."""
    return db.conn.execute("""SELECT url, title, main_text, word_count, published, modified,
                                     embedded_hash IS NOT NULL AND embedded_hash = content_hash AS embedded
                              FROM pages WHERE gone=0 AND content_hash IS NOT NULL""")


_BACKLINK_STATE = {"backlinks": "count(*), max(id), total(updated_at), sum(lost)",
                   "backlink_gsc_pages": "count(*), total(updated_at), total(linking_sites)",
                   "backlink_imports": "max(id)"}
# a table no import has made yet reads as an empty one (the load itself creates them)
_NO_TABLE = "(SELECT NULL AS id, NULL AS updated_at, NULL AS lost, NULL AS linking_sites) WHERE 0"


def workspace_state(db: Database) -> list[Any]:
    """A few aggregates that change whenever pages, their vectors, the extraction or the backlinks change (cheap:
    what the suggest cache's key is made of)."""
    q = db.conn.execute
    have = {r[0] for r in q("SELECT name FROM sqlite_master WHERE type='table'")}
    return [
        tuple(q("""SELECT count(*), max(id), max(updated_at), total(updated_at), sum(gone),
                   sum(embedded_hash IS NOT NULL AND embedded_hash = content_hash) FROM pages""").fetchone()),
        [tuple(r) for r in q("SELECT key, value FROM meta WHERE key IN ('embed_model', 'extractor_version', "
                             "'schema_version') ORDER BY key")],
        *(tuple(q(f"SELECT {what} FROM {table if table in have else _NO_TABLE}").fetchone())
          for table, what in _BACKLINK_STATE.items()),
    ]
