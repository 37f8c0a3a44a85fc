"""Imported traffic in the workspace database (tables ``traffic_imports`` and ``traffic``, see
:mod:`assistant.store.db`): the import that fills them and :func:`load_traffic`, what the engines read.

Rows keep the URL or path as the export wrote it; they are matched to pages when read
(:func:`assistant.trafficdata.matcher`: normalisation, redirects and canonicals as for links), so an ingest after
the import matches them too.
Re-importing the same file changes nothing; an export of a dataset (pages, queries, page × query, analytics) whose
period overlaps an earlier import's (or, periods unknown, of the same dataset) replaces it, so the rows the engines
sum never count a day twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.sitegraph import redirect_resolver
from assistant.store.db import Database
from assistant.trafficdata import Export, Row, Traffic, matcher, merged

EXAMPLES = 5


@dataclass
class PartResult:
    part: str
    layout: str
    label: str
    dataset: str
    period: tuple[str, str] | None
    rows: int
    imported: int
    skipped: int
    status: str                      # new | replaced | unchanged
    import_id: int = 0
    pages: int = 0                   # distinct pages matched
    unknown: int = 0                 # distinct URLs that are no page of the workspace
    unknown_examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_exports(db: Database, exports: list[Export], *, file: str, sha256: str) -> list[PartResult]:
    """Write every table of one file in one transaction; returns what each table did."""
    match = page_matcher(db)
    out = []
    now = time.time()
    with db.transaction() as conn:
        for ex in exports:
            start, end = ex.period or (None, None)
            result = PartResult(ex.name, ex.layout, ex.label, ex.dataset, ex.period, ex.read, len(ex.rows),
                                ex.skipped, "new")
            _matches(result, ex.rows, match)
            same = conn.execute("SELECT id FROM traffic_imports WHERE sha256=? AND part=? ORDER BY id DESC LIMIT 1",
                                (sha256, _member(ex.name))).fetchone()
            if same is not None:
                result.status, result.import_id = "unchanged", int(same[0])
                out.append(result)
                continue
            older = [int(r[0]) for r in conn.execute(
                "SELECT id FROM traffic_imports WHERE dataset=? AND (period_start IS NULL AND ? IS NULL OR "
                "period_start <= ? AND ? <= period_end)", (ex.dataset, start, end, start))]
            if older:
                result.status = "replaced"
                conn.executemany("DELETE FROM traffic WHERE import_id=?", [(i,) for i in older])
                conn.executemany("DELETE FROM traffic_imports WHERE id=?", [(i,) for i in older])
            cur = conn.execute("INSERT INTO traffic_imports (file, part, sha256, layout, dataset, period_start, "
                               "period_end, rows, skipped, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                               (file, _member(ex.name), sha256, ex.layout, ex.dataset, start, end, ex.read,
                                ex.skipped, now))
            result.import_id = int(cur.lastrowid or 0)
            conn.executemany("INSERT INTO traffic (import_id, url, query, clicks, impressions, position, views, "
                             "sessions, line) VALUES (?,?,?,?,?,?,?,?,?)",
                             [(result.import_id, r.url, r.query, r.clicks, r.impressions, r.position, r.views,
                               r.sessions, r.line) for r in ex.rows])
            out.append(result)
    return out


def _member(name: str) -> str:
    """The part of a file an import row stands for ("Pages.csv" of "export.zip:Pages.csv"; "" for a plain file)."""
    return name.rsplit(":", 1)[1] if ":" in name and not name.rsplit(":", 1)[1].startswith("//") else ""


def _matches(result: PartResult, rows: list[Row], match: Callable[[str], str | None]) -> None:
    urls = {r.url for r in rows if r.url}
    found = {u: match(u) for u in urls}
    result.pages = len({p for p in found.values() if p})
    unknown = sorted(u for u, p in found.items() if p is None)
    result.unknown, result.unknown_examples = len(unknown), unknown[:EXAMPLES]


def page_matcher(db: Database) -> Callable[[str], str | None]:
    """The workspace's matcher of export URLs to pages (see :func:`assistant.trafficdata.matcher`)."""
    from assistant.store import graphdata
    from assistant.store.backlinks import Targets

    nodes = graphdata.nodes(db)
    pages = {n.url for n in nodes if n.indexable}
    return matcher(Targets(db).resolve, redirect_resolver(nodes, canonicals=True), pages)


def imports(db: Database) -> list[dict[str, Any]]:
    """Every import the workspace keeps (one per file part; replaced ones are gone), oldest first."""
    return [{k: r[k] for k in r.keys()}  # noqa: SIM118 - sqlite3.Row
            for r in db.conn.execute("SELECT * FROM traffic_imports ORDER BY id")]


def load_rows(db: Database) -> tuple[dict[str, list[Row]], list[dict[str, Any]]]:
    """(dataset -> the rows of its imports, the imports)."""
    kept = imports(db)
    rows: dict[str, list[Row]] = {}
    for imp in kept:
        rows.setdefault(imp["dataset"], []).extend(
            Row(r["line"], r["url"], r["query"], r["clicks"], r["impressions"], r["position"], r["views"],
                r["sessions"])
            for r in db.conn.execute("SELECT * FROM traffic WHERE import_id=? ORDER BY rowid", (imp["id"],)))
    return rows, kept


def has_traffic(db: Database) -> bool:
    return db.conn.execute("SELECT 1 FROM traffic LIMIT 1").fetchone() is not None


def load_traffic(db: Database) -> Traffic:
    """What the engines read: per page search clicks/impressions/position (Search Console's pages table, else
    its page × query rows summed) and analytics views/sessions; per page its queries. Empty without imports."""
    if not has_traffic(db):
        return Traffic()
    rows, kept = load_rows(db)
    match = page_matcher(db)

    def matched(dataset: str) -> list[tuple[str, Row]]:
        return [(url, r) for r in rows.get(dataset, []) if (url := match(r.url)) is not None]

    pairs = matched("page-queries")
    search, queries = merged(pairs)
    if "pages" in rows:
        search = merged(matched("pages"))[0]
    visits = merged(matched("analytics"))[0]
    pages = dict(search)
    for url, v in visits.items():
        s = pages.get(url)
        pages[url] = v if s is None else replace(s, views=v.views, sessions=v.sessions)
    periods: dict[str, tuple[str, str] | None] = {}
    for i in kept:
        known = periods.get(i["dataset"])
        if i["period_start"]:
            periods[i["dataset"]] = (min(i["period_start"], known[0]), max(i["period_end"], known[1])) if known \
                else (i["period_start"], i["period_end"])
        else:
            periods.setdefault(i["dataset"], None)
    return Traffic(pages, queries, periods)
