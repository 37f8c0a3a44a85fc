"""Which export a table is (by its header names, any order or case) and its rows as :class:`Row` records. Pure.

Search Console's performance export (the UI's zip: ``Queries.csv``, ``Pages.csv``, ``Dates.csv``,
``Filters.csv`` …, each ``Top queries``/``Top pages``/``Date`` + ``Clicks``, ``Impressions``, ``CTR``,
``Position``), its bulk export table ``searchdata_url_impression`` as CSV (``url``, ``query``, ``impressions``,
``clicks``, ``sum_position``: position is ``sum_position / impressions + 1``, the table's positions being
zero-based), GA4's "Pages and screens" or "Landing page" reports, Matomo's page URLs (API names ``label``,
``nb_hits``, ``nb_visits``) and Plausible's ``pages.csv`` (``name``, ``visitors``, ``pageviews``), or any
table named with ``--map``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from assistant.backlinks.readfile import Table, parse_date, parse_number
from assistant.columns import key, match_columns, missing_message, parse_map
from assistant.trafficdata import Export, Row

MAP_FIELDS = ("url", "query", "clicks", "impressions", "position", "views", "sessions", "ctr", "date")
METRIC_FIELDS = ("clicks", "impressions", "position", "views", "sessions")
_METRICS = {"clicks": ("Clicks",), "impressions": ("Impressions",), "ctr": ("CTR",), "position": ("Position",)}
_SKIP_URLS = {"(not set)", "(other)", "total", "totals", "grand total"}


class FormatError(Exception):
    """The table fits no layout: one line naming the columns found and missing."""


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    dataset: str                          # pages | queries | page-queries | analytics | dates | filters
    columns: dict[str, tuple[str, ...]]   # field -> header names, the first as the tool writes it
    required: tuple[str, ...]
    any_of: tuple[str, ...] = ()          # at least one of these fields
    signature: tuple[str, ...] = ()       # header names (as keys) only this tool writes


GSC_PAGES = Layout("gsc-pages", "Search Console pages", "pages", {"url": ("Top pages", "Pages"), **_METRICS},
                   ("url", "clicks", "impressions"), signature=("toppages",))
GSC_QUERIES = Layout("gsc-queries", "Search Console queries", "queries", {"query": ("Top queries", "Queries"),
                                                                           **_METRICS},
                     ("query", "clicks", "impressions"), signature=("topqueries",))
GSC_DATES = Layout("gsc-dates", "Search Console dates", "dates", {"date": ("Date",), **_METRICS},
                   ("date", "clicks", "impressions"))
GSC_FILTERS = Layout("gsc-filters", "Search Console filters", "filters", {"filter": ("Filter",), "value": ("Value",)},
                     ("filter", "value"), signature=("filter",))
BULK = Layout("gsc-bulk", "Search Console bulk export (searchdata_url_impression)", "page-queries", {
    "url": ("url",), "query": ("query",), "impressions": ("impressions",), "clicks": ("clicks",),
    "sum_position": ("sum_position",), "date": ("data_date",)},
    ("url", "impressions", "clicks", "sum_position"), signature=("sumposition",))
GA4 = Layout("ga4-pages", "GA4 pages", "analytics", {
    "url": ("Page path and screen class", "Page path", "Page location", "Page path + query string",
            "Landing page", "Landing page + query string", "Page URL"),
    "views": ("Views", "Screen page views", "screenPageViews"), "sessions": ("Sessions",),
    "users": ("Active users", "Total users", "Users")},
    ("url",), ("views", "sessions"),
    ("pagepathandscreenclass", "pagepath", "pagelocation", "pagepathquerystring", "landingpage",
     "landingpagequerystring"))
MATOMO = Layout("matomo-pages", "Matomo page URLs", "analytics", {
    "url": ("url", "label", "Page URL", "Label"), "views": ("nb_hits", "Pageviews"),
    "sessions": ("nb_visits", "Unique Pageviews")},
    ("url",), ("views", "sessions"), ("nbhits", "nbvisits", "sumtimespent"))
PLAUSIBLE = Layout("plausible-pages", "Plausible pages", "analytics", {
    "url": ("name", "page"), "views": ("pageviews",), "users": ("visitors",), "sessions": ("visits",)},
    ("url",), ("views", "users"), ("visitors",))
GENERIC_PAGE_QUERIES = Layout("csv-page-queries", "page and query CSV", "page-queries", {
    "url": ("page", "url", "landing page", "address"), "query": ("query", "queries", "keyword", "search term"),
    **_METRICS}, ("url", "query", "impressions"))
GENERIC = Layout("csv", "generic CSV", "pages", {
    "url": ("url", "page", "address", "path", "landing page"), **_METRICS, "views": ("views", "pageviews",
                                                                                   "page views"),
    "sessions": ("sessions", "visits")}, ("url",), ("clicks", "impressions", "views", "sessions"))
VENDORS = (GSC_PAGES, GSC_QUERIES, GSC_FILTERS, BULK, GA4, MATOMO, PLAUSIBLE)
PLAIN = (GENERIC_PAGE_QUERIES, GSC_DATES, GENERIC)      # no signature: recognised by their fields


def _complete(layout: Layout, header: list[str]) -> bool:
    cols = match_columns(layout.columns, header)
    return set(layout.required) <= set(cols) and (not layout.any_of or any(f in cols for f in layout.any_of))


def _signed(layout: Layout, header: list[str]) -> bool:
    keys = {key(h) for h in header}
    return any(s in keys for s in layout.signature)


def detect(header: list[str], name: str = "") -> Layout:
    """The layout of a table by its header names (``name``, the file's name, only decides between equals)."""
    signed = [lay for lay in VENDORS if _signed(lay, header)]
    found = [lay for lay in signed if _complete(lay, header)] or (
        [] if signed else [lay for lay in PLAIN if _complete(lay, header)])
    if found:
        return found[0]
    closest = signed[0] if signed else max(
        (GENERIC_PAGE_QUERIES, GENERIC), key=lambda lay: len(match_columns(lay.columns, header)))
    _fail(closest, header, bool(signed))


def _fail(layout: Layout, header: list[str], signed: bool) -> NoReturn:
    cols = match_columns(layout.columns, header)
    missing = [layout.columns[f][0] for f in layout.required if f not in cols]
    if layout.any_of and not any(f in cols for f in layout.any_of):
        missing.append("one of " + "/".join(layout.columns[f][0] for f in layout.any_of))
    raise FormatError(missing_message(layout.label, missing, header, mapped=layout.name == "mapped", signed=signed,
                                      what="traffic",
                                      map_hint="url=COL,clicks=COL,impressions=COL,position=COL,query=COL,views=COL"))


def mapped_layout(spec: str) -> Layout:
    """The layout ``--map url=COL,clicks=COL,…`` describes (COL: a header name or a 1-based number)."""
    named = parse_map(spec, MAP_FIELDS, FormatError, "url=Landing page,views=Views")
    columns: dict[str, tuple[str, ...]] = {f: (c,) for f, c in named.items()}
    if "url" not in columns and "query" not in columns:
        raise FormatError("--map must name the url (or query) column, e.g. --map url=Page,clicks=Clicks")
    if not any(f in columns for f in METRIC_FIELDS):
        raise FormatError(f"--map must name a metric column: one of {', '.join(METRIC_FIELDS)}")
    dataset = ("page-queries" if "url" in columns and "query" in columns else "queries" if "query" in columns
               else "analytics" if ("views" in columns or "sessions" in columns) and "clicks" not in columns
               else "pages")
    return Layout("mapped", "mapped CSV", dataset, columns, tuple(columns))


# ---------------------------------------------------------------------------------------------- rows
def parse(table: Table, layout: Layout, name: str) -> Export:
    """Every row of the table in the layout; a row that cannot be read is a warning naming its line."""
    cols = match_columns(layout.columns, table.header)
    if not _complete(layout, table.header):
        _fail(layout, table.header, layout in VENDORS)
    out = Export(name, layout.name, layout.label, layout.dataset if layout.dataset in ("pages", "queries",
                                                                                     "page-queries", "analytics")
                 else "", read=len(table.rows), warnings=list(table.warnings))
    dates: list[str] = []
    width = len(table.header)
    for row in table.rows:
        cells = row.cells
        if len(cells) < max(cols.values()) + 1 or any(c.strip() for c in cells[width:]):
            out.warnings.append(f"{name} line {row.line}: {len(cells)} columns where the header has {width}; "
                                "row skipped")
            out.skipped += 1
            continue
        values = {f: cells[i].strip() for f, i in cols.items()}
        try:
            got = _row(row.line, values, layout)
        except ValueError as exc:
            out.warnings.append(f"{name} line {row.line}: {exc}; row skipped")
            out.skipped += 1
            continue
        if "date" in values and (day := _date(values["date"])):
            dates.append(day)
        if layout.dataset == "filters":
            if values["filter"].lower() == "date":
                out.period = _period_text(values["value"])
            continue
        if got is not None:
            out.rows.append(got)
    if dates:
        out.period = (min(dates), max(dates))
    return out


def _date(text: str) -> str | None:
    try:
        return parse_date(text[:4] + "-" + text[4:6] + "-" + text[6:] if text.isdigit() and len(text) == 8 else text)
    except ValueError:
        return None


def _period_text(text: str) -> tuple[str, str] | None:
    """Filters.csv's Date value when it names two dates ("2026-09-01 - 2026-11-30"); "Last 3 months" names none."""
    parts = [d for p in text.replace(" to ", " - ").split(" - ") if (d := _date(p.strip()))]
    return (parts[0], parts[-1]) if len(parts) == 2 else None


def _row(line: int, values: dict[str, str], layout: Layout) -> Row | None:
    if layout.dataset in ("dates", "filters"):
        return None
    nums: dict[str, float | None] = {}
    for fld in ("clicks", "impressions", "position", "views", "sessions", "sum_position", "users"):
        if fld in values:
            try:
                nums[fld] = parse_number(values[fld])
            except ValueError:
                raise ValueError(f"{layout.columns[fld][0]} {values[fld]!r} is not a number") from None
    url, query = values.get("url", ""), values.get("query", "")
    if "url" in layout.columns and not url:
        raise ValueError("no page")
    if url.lower() in _SKIP_URLS or (layout.dataset == "queries" and not query):
        return None
    if layout is BULK:
        imp = nums.get("impressions") or 0.0
        sp = nums.get("sum_position")
        nums["position"] = sp / imp + 1 if sp is not None and imp else None
    views = nums.get("views")
    sessions = nums.get("sessions")
    if all(nums.get(f) is None for f in ("clicks", "impressions", "users")) and views is None and sessions is None:
        raise ValueError("no number in its metric columns")
    return Row(line, url, query, nums.get("clicks"), nums.get("impressions"), nums.get("position"), views, sessions)
