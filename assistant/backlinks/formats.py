"""Which tool wrote an export (by its header names) and its rows as :class:`Backlink` records. Pure: no I/O.

Header names are compared case-insensitively with everything but letters and digits removed, so
"Source URL", "SourceURL" and "source_url" are one column. Each vendor layout has *signature* headers
that only that tool writes; a file showing one is that tool's export (or an error naming what it lacks),
never silently read as something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn, TypeVar

from assistant.backlinks.readfile import Row, Table, parse_bool, parse_date, parse_number, slash_order
from assistant.columns import loose, match_columns, missing_message, parse_map, shown
from assistant.models import Backlink, Layout, Parsed, TopPage, TopSite
from assistant.urls import normalize

T = TypeVar("T")
METRICS = ("domain_rating", "url_rating", "page_ascore", "trust_flow", "citation_flow", "domain_authority",
           "page_authority", "spam_score", "external_links", "internal_links", "referring_domains",
           "page_traffic", "target_trust_flow", "target_citation_flow")
BOOLS = ("nofollow", "sponsored", "ugc", "lost", "sitewide", "is_text", "is_image", "is_redirect", "is_frame",
         "is_form")
DATES = ("first_seen", "last_seen", "lost_date")
MAP_FIELDS = ("source_url", "target_url", "anchor", "nofollow", "first_seen", "last_seen", "title", "source_title",
              "sponsored", "ugc", "lost", *METRICS)
_SPACE = re.compile(r"\s+")
_HOSTLIKE = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
_BAD_HOST = re.compile(r"[^a-z0-9.\-_\[\]:]")


class FormatError(Exception):
    """The file's columns fit no layout (or not the one asked for): one line naming found and missing columns."""


AHREFS = Layout("ahrefs", "ahrefs", "Ahrefs backlinks", "links", {
    "source_url": ("Referring page URL",), "target_url": ("Target URL", "Link URL"),
    "anchor": ("Anchor", "Link Anchor"), "source_title": ("Referring page title",),
    "domain_rating": ("Domain rating", "DR"), "url_rating": ("UR", "URL rating"),
    "external_links": ("External links",), "referring_domains": ("Referring domains",),
    "page_traffic": ("Page traffic",), "left_context": ("Left context", "TextPre"),
    "right_context": ("Right context", "TextPost"), "link_type": ("Type",), "nofollow": ("Nofollow",),
    "ugc": ("UGC",), "sponsored": ("Sponsored",), "first_seen": ("First seen",),
    "last_seen": ("Last seen", "Last check"), "lost": ("Lost",)},
    ("source_url", "target_url"), ("referring page url",))
SEMRUSH = Layout("semrush", "semrush", "Semrush backlinks", "links", {
    "source_url": ("Source url",), "target_url": ("Target url",), "anchor": ("Anchor",),
    "source_title": ("Source title",), "page_ascore": ("Page ascore", "Page AS"),
    "external_links": ("External links",), "internal_links": ("Internal links",), "nofollow": ("Nofollow",),
    "sponsored": ("Sponsored",), "ugc": ("Ugc",), "is_text": ("Text",), "is_frame": ("Frame",),
    "is_form": ("Form",), "is_image": ("Image",), "sitewide": ("Sitewide",), "first_seen": ("First seen",),
    "last_seen": ("Last seen",), "lost": ("Lost link",)},
    ("source_url", "target_url"), ("page ascore", "page as"))
GSC_LINKS = Layout("gsc-links", "gsc", "Search Console latest links", "links", {
    "source_url": ("Linking page",), "last_seen": ("Last crawled",)}, ("source_url",), ("linking page",))
GSC_PAGES = Layout("gsc-top-pages", "gsc", "Search Console top linked pages", "top-pages", {
    "target_url": ("Target page",), "incoming_links": ("Incoming links",), "linking_sites": ("Linking sites",)},
    ("target_url", "incoming_links"), ("target page", "incoming links"))
GSC_SITES = Layout("gsc-top-sites", "gsc", "Search Console top linking sites", "top-sites", {
    "site": ("Site",), "linking_pages": ("Linking pages",), "target_pages": ("Target pages",)},
    ("site", "linking_pages"), ("linking pages", "target pages"))
MAJESTIC = Layout("majestic", "majestic", "Majestic backlinks", "links", {
    "source_url": ("Source URL",), "target_url": ("Target URL",), "anchor": ("Anchor Text",),
    "source_title": ("Source Title",), "trust_flow": ("Source Trust Flow",),
    "citation_flow": ("Source Citation Flow",), "target_trust_flow": ("Target Trust Flow",),
    "target_citation_flow": ("Target Citation Flow",), "nofollow": ("Flag NoFollow",),
    "is_image": ("Flag Image Link", "Flag Image"), "is_redirect": ("Flag Redirect",), "is_frame": ("Flag Frame",),
    "lost": ("Flag Deleted",), "first_seen": ("FirstIndexedDate", "Source First Found Date"),
    "last_seen": ("LastSeenDate", "Source Crawl Date"), "lost_date": ("DateLost",)},
    ("source_url", "target_url"),
    ("source trust flow", "sourcetrustflow", "source citation flow", "sourcecitationflow", "flag nofollow",
     "flagnofollow", "flag no follow", "sourceurl", "targeturl", "anchortext"))
MOZ = Layout("moz", "moz", "Moz inbound links", "links", {
    "source_url": ("Source URL", "URL", "Source Page"), "target_url": ("Target URL", "Target Page"),
    "anchor": ("Anchor Text", "Anchor"), "source_title": ("Title", "Source Title"),
    "domain_authority": ("Domain Authority", "Source Domain Authority", "DA"),
    "page_authority": ("Page Authority", "Source Page Authority", "PA"),
    "spam_score": ("Spam Score", "Source Spam Score"), "rel": ("Link Type", "Rel"),
    "first_seen": ("Date First Seen", "First Seen"), "last_seen": ("Date Last Seen", "Last Seen"),
    "lost_date": ("Date Lost",)},
    ("source_url", "target_url"),
    ("domain authority", "page authority", "spam score", "source domain authority", "source spam score", "url"))
GENERIC = Layout("csv", "csv", "generic CSV", "links", {
    "source_url": ("source_url", "Source", "Source page", "From", "Referring URL", "Referring page",
                   "Backlink", "Backlink URL"),
    "target_url": ("target_url", "Target", "To", "Destination"), "anchor": ("anchor", "Anchor text"),
    "source_title": ("title", "source_title"), "nofollow": ("nofollow",), "sponsored": ("sponsored",),
    "ugc": ("ugc",), "first_seen": ("first_seen",), "last_seen": ("last_seen",), "lost": ("lost",),
    **{m: (m,) for m in METRICS}},
    ("source_url", "target_url"))
VENDORS = (AHREFS, SEMRUSH, GSC_LINKS, GSC_PAGES, GSC_SITES, MAJESTIC, MOZ)
LAYOUTS = (*VENDORS, GENERIC)
SOURCES = ("auto", *dict.fromkeys(lay.family for lay in LAYOUTS))    # the --source values, in LAYOUTS' order


# ---------------------------------------------------------------------------------------------- detection
def columns_of(layout: Layout, header: list[str]) -> dict[str, int]:
    """field -> column index for the layout's fields present in the header (first matching name wins)."""
    return match_columns(layout.columns, header)


def _signed(layout: Layout, header: list[str]) -> bool:
    names = {loose(h) for h in header}
    return any(s in names for s in layout.signature)


def detect(header: list[str], source: str = "auto") -> Layout:
    """The layout the header belongs to; FormatError naming found and missing columns when none fits."""
    if source not in SOURCES:
        raise FormatError(f"unknown --source {source!r}: use {', '.join(SOURCES)}")
    pool = LAYOUTS if source == "auto" else tuple(lay for lay in LAYOUTS if lay.family == source)
    complete = [lay for lay in pool if set(lay.required) <= set(columns_of(lay, header))]
    if source == "auto":
        vendors = [lay for lay in complete if lay is not GENERIC and _signed(lay, header)]
        signed = [lay for lay in VENDORS if _signed(lay, header)]
        complete = vendors or ([GENERIC] if GENERIC in complete and not signed else [])
    if complete:
        return max(complete, key=lambda lay: len(columns_of(lay, header)))
    ranked = sorted(pool, key=lambda lay: lay is not GENERIC)      # with nothing in common: generic CSV
    _fail(max(ranked, key=lambda lay: _closeness(lay, header)), header, source)


def _closeness(layout: Layout, header: list[str]) -> tuple[bool, float, int]:
    cols = columns_of(layout, header)
    return (_signed(layout, header), sum(f in cols for f in layout.required) / len(layout.required), len(cols))


def _fail(layout: Layout, header: list[str], source: str) -> NoReturn:
    cols = columns_of(layout, header)
    missing = [layout.columns[f][0] for f in layout.required if f not in cols]
    if not missing and layout.signature:
        missing = [f"one of {', '.join(repr(s) for s in layout.signature)}"]
    if source != "auto" and layout.label != "mapped CSV":
        article = "an" if layout.label[0] in "AEIOU" else "a"
        raise FormatError(f"not {article} {layout.label} export: missing column(s) {', '.join(missing)}; "
                          f"found [{shown(header)}]")
    raise FormatError(missing_message(layout.label, missing, header, mapped=layout.label == "mapped CSV",
                                      signed=_signed(layout, header), what="backlink",
                                      map_hint="source_url=COL,target_url=COL,anchor=COL"))


def mapped_layout(spec: str) -> Layout:
    """The generic layout from ``--map source_url=COL,target_url=COL,anchor=COL`` (COL: name or number)."""
    named = parse_map(spec, MAP_FIELDS, FormatError, "source_url=Referring URL")
    columns: dict[str, tuple[str, ...]] = {("source_title" if f == "title" else f): (c,) for f, c in named.items()}
    if "source_url" not in columns:
        raise FormatError("--map must name the source_url column, e.g. --map source_url=From,target_url=To")
    return Layout("csv", "csv", "mapped CSV", "links", columns, tuple(columns))   # every named column must exist


# ---------------------------------------------------------------------------------------------- rows
def parse(table: Table, layout: Layout) -> Parsed:
    """Every row of the table in the layout: records, plus a warning (with its line) per skipped row or value."""
    cols = columns_of(layout, table.header)
    missing = [layout.columns[f][0] for f in layout.required if f not in cols]
    if missing:
        _fail(layout, table.header, layout.family)
    out = Parsed(layout, rows=len(table.rows), warnings=list(table.warnings))
    width = len(table.header)
    named = max(i for i, h in enumerate(table.header) if h) + 1 if any(table.header) else 1
    dated = [i for f, i in cols.items() if f in DATES]
    order = slash_order([r.cells[i] for r in table.rows for i in dated if i < len(r.cells)])
    for row in table.rows:
        extra = row.cells[width:]
        if len(row.cells) < max(named, max(cols.values()) + 1) or any(c.strip() for c in extra):
            span = f"lines {row.line}-{row.end}" if row.end > row.line else f"line {row.line}"
            out.warnings.append(f"{span}: {len(row.cells)} columns where the header has {width}; row skipped")
            out.skipped += 1
            continue
        cells = _Cells(row, cols, table.header, out.warnings, order)
        try:
            if layout.kind == "links":
                out.backlinks.append(_backlink(cells, layout))
            elif layout.kind == "top-pages":
                out.top_pages.append(_top_page(cells))
            else:
                out.top_sites.append(_top_site(cells))
        except _BadRow as exc:
            out.warnings.append(f"line {row.line}: {exc}; row skipped")
            out.skipped += 1
    return out


class _BadRow(Exception):
    pass


class _Cells:
    """One row's values by field, converting and warning (with the line) about unreadable values."""

    def __init__(self, row: Row, cols: dict[str, int], header: list[str], warnings: list[str],
                 order: str | None) -> None:
        self.row, self.cols, self.header, self.warnings, self.order = row, cols, header, warnings, order

    def text(self, fld: str) -> str:
        i = self.cols.get(fld)
        return self.row.cells[i].strip() if i is not None and i < len(self.row.cells) else ""

    def has(self, fld: str) -> bool:
        return fld in self.cols

    def _convert(self, fld: str, conv: Callable[[str], T], default: T, what: str) -> T:
        raw = self.text(fld)
        try:
            return conv(raw)
        except ValueError:
            self.warnings.append(f"line {self.row.line}: {self.header[self.cols[fld]]} {raw!r} is not {what}; "
                                 "left empty")
            return default

    def flag(self, fld: str) -> bool:
        return self._convert(fld, _lost if fld == "lost" else parse_bool, False, "true/false")

    def date(self, fld: str) -> str | None:
        return self._convert(fld, lambda v: parse_date(v, self.order), None, "a date")

    def number(self, fld: str) -> float | None:
        return self._convert(fld, parse_number, None, "a number")


def _lost(text: str) -> bool:
    """Ahrefs' "Lost" holds true/false or the date the link was lost."""
    try:
        return parse_bool(text)
    except ValueError:
        parse_date(text)
        return True


def source_url(text: str) -> str | None:
    """An absolute http(s) URL from an export cell; scheme-less ``example.com/page`` gets http://."""
    text = text.strip().strip("\"'<>")
    if "://" not in text and _HOSTLIKE.match(text):
        text = "http://" + text
    url = normalize(text) if text and not any(c.isspace() for c in text) else None
    if url is None:
        return None
    host = url.split("://", 1)[1].split("/", 1)[0]
    return None if host.isascii() and _BAD_HOST.search(host) else url


def target_url(text: str) -> str | None:
    """Like :func:`source_url`, but a site-relative path (``/blog/x/``) is kept for the store to resolve."""
    text = text.strip()
    if text.startswith("/") and not text.startswith("//"):
        return text if not any(c.isspace() for c in text) else None
    return source_url(text)


def _backlink(c: _Cells, layout: Layout) -> Backlink:
    raw = c.text("source_url")
    source = source_url(raw)
    if source is None:
        raise _BadRow(f"invalid source URL {raw!r}" if raw else "no source URL")
    target: str | None = None
    if c.has("target_url"):
        raw_target = c.text("target_url")
        target = target_url(raw_target)
        if target is None and raw_target:
            raise _BadRow(f"invalid target URL {raw_target!r}")
        if target is None and "target_url" in layout.required:
            raise _BadRow("no target URL")
    metrics = {m: v for m in METRICS if c.has(m) and (v := c.number(m)) is not None}
    flags = {f: c.flag(f) for f in BOOLS if c.has(f)}
    rel = c.text("rel").lower().replace(" ", "").replace("-", "")
    kind = c.text("link_type").lower() or next((f[3:] for f in ("is_image", "is_redirect", "is_frame", "is_form",
                                                                "is_text") if flags.get(f)), "")
    lost = flags.get("lost", False) or (c.has("lost_date") and c.date("lost_date") is not None)
    return Backlink(
        source_url=source, target_url=target, anchor=_SPACE.sub(" ", c.text("anchor")),
        source_title=_SPACE.sub(" ", c.text("source_title")),
        nofollow=flags.get("nofollow", False) or "nofollow" in rel, sponsored=flags.get("sponsored", False)
        or "sponsored" in rel, ugc=flags.get("ugc", False) or "ugc" in rel,
        first_seen=c.date("first_seen") if c.has("first_seen") else None,
        last_seen=c.date("last_seen") if c.has("last_seen") else None, lost=lost,
        left_context=c.text("left_context"), right_context=c.text("right_context"), link_type=kind,
        sitewide=flags.get("sitewide", False), metrics=metrics, source_format=layout.name, line=c.row.line)


def _count(c: _Cells, fld: str, required: bool) -> int | None:
    value = c.number(fld) if c.has(fld) else None
    if value is None and required:
        raise _BadRow(f"no number in {c.header[c.cols[fld]]}")
    return None if value is None else int(value)


def _top_page(c: _Cells) -> TopPage:
    raw = c.text("target_url")
    target = target_url(raw)
    if target is None:
        raise _BadRow(f"invalid target page {raw!r}" if raw else "no target page")
    return TopPage(target, _count(c, "incoming_links", True) or 0, _count(c, "linking_sites", False), c.row.line)


def _top_site(c: _Cells) -> TopSite:
    raw = c.text("site")
    url = source_url(raw if "://" in raw else "http://" + raw)
    if not raw or url is None:
        raise _BadRow(f"invalid site {raw!r}" if raw else "no site")
    site = url.split("://", 1)[1].split("/", 1)[0].removeprefix("www.")
    return TopSite(site, _count(c, "linking_pages", True) or 0, _count(c, "target_pages", False), c.row.line)
