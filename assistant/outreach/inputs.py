"""Where prospects come from: prospect lists (a text file of URLs or a CSV with a URL column) and the link
intersect of competitors' backlink exports. Pure, except :func:`read_prospect_file` and
:func:`read_competitor_file`, which read one file each.

Every line that cannot be used is reported as ``file:line: why`` (nothing is dropped silently); a file with
no usable line at all is an :class:`InputError` naming the file and its first bad line.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.backlinks.formats import (
    AHREFS,
    GENERIC,
    MAJESTIC,
    METRICS,
    MOZ,
    SEMRUSH,
    FormatError,
    columns_of,
    detect,
    parse,
    source_url,
)
from assistant.backlinks.readfile import (
    ReadError,
    load,
    parse_number,
    parse_table,
    read_decoded,
    sniff_delimiter,
)
from assistant.models import Backlink, Layout
from assistant.outreach.domains import registrable_domain

# header names of a prospect CSV's URL column (compared as the importer does: case and punctuation ignored)
URL_COLUMNS = ("url", "URL", "Page URL", "Prospect URL", "Prospect", "Website", "Site", "Domain", "Link",
               "Page", "Target URL", "Source URL", "Referring page URL", "Address")


def _metric_columns() -> dict[str, tuple[str, ...]]:
    """The authority metrics a prospect CSV may carry, under every name the backlink importer knows."""
    names: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for layout in (AHREFS, SEMRUSH, MAJESTIC, MOZ, GENERIC):
        for fld, aliases in layout.columns.items():
            if fld in METRICS and fld not in ("external_links", "internal_links", "target_trust_flow",
                                              "target_citation_flow"):
                names[fld] += tuple(a for a in aliases if a not in names[fld])
    names["page_traffic"] += ("Traffic", "Organic traffic")
    names["trust_flow"] += ("Trust Flow", "TF")
    names["citation_flow"] += ("Citation Flow", "CF")
    return dict(names)


METRIC_LAYOUT = Layout("prospects", "csv", "prospect list", "links", _metric_columns(), ())
URL_LAYOUT = Layout("prospects", "csv", "prospect list", "links", {"url": URL_COLUMNS}, ("url",))


class InputError(Exception):
    """A prospect list or competitor export that cannot be used at all; the message names file and line."""


@dataclass(frozen=True)
class Prospect:
    """One candidate page: from a list (``origin`` = ``file:line``) or from the competitor intersect."""

    url: str
    origin: str
    metrics: dict[str, float] = field(default_factory=dict)
    competitors: tuple[str, ...] = ()        # competitor domains this page's domain links to


@dataclass
class ProspectList:
    prospects: list[Prospect]
    warnings: list[str]


# ---------------------------------------------------------------------------------------------- prospect lists
def parse_prospects(text: str, name: str) -> ProspectList:
    """Prospects from a file's text: a CSV/TSV whose header names a URL column, else one URL per line.

    In a plain list, blank lines and ``#`` comments are skipped and anything after the URL on its line
    (a note) is ignored. Scheme-less entries (``example.com/page``) get ``http://``.
    """
    lines = text.splitlines()
    first = next((i for i, s in enumerate(lines) if s.strip() and not s.lstrip().startswith("#")), None)
    if first is None:
        raise InputError(f"{name}: no prospect URLs (the file is empty)")
    header = next(csv.reader([lines[first]], delimiter=sniff_delimiter(lines[first])), [])
    starts_with_url = source_url(lines[first].split()[0].rstrip(",;")) is not None
    if not starts_with_url and (len(header) > 1 or columns_of(URL_LAYOUT, header)):
        return _parse_csv(text, name)
    out = ProspectList([], [])
    for n, line in enumerate(lines, 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        url = source_url(entry.split()[0].rstrip(","))
        if url is None:
            out.warnings.append(f"{name}:{n}: {entry[:80]!r} is not an http(s) URL or domain; line skipped")
            continue
        out.prospects.append(Prospect(url, f"{name}:{n}"))
    return _nonempty(out, name)


def _parse_csv(text: str, name: str) -> ProspectList:
    try:
        table = parse_table(text)
    except ReadError as exc:
        raise InputError(f"{name}: {exc}") from None
    cols = columns_of(URL_LAYOUT, table.header)
    if "url" not in cols:
        shown = ", ".join(repr(h) for h in table.header[:15])
        raise InputError(f"{name}:{table.header_line}: no URL column in the header [{shown}]; name one of "
                         f"{', '.join(URL_COLUMNS[:6])}")
    metric_cols = columns_of(METRIC_LAYOUT, table.header)
    out = ProspectList([], [])
    for row in table.rows:
        cell = row.cells[cols["url"]].strip() if cols["url"] < len(row.cells) else ""
        url = source_url(cell)
        if url is None:
            why = f"{cell[:80]!r} is not an http(s) URL or domain" if cell else "the URL cell is empty"
            out.warnings.append(f"{name}:{row.line}: {why}; row skipped")
            continue
        metrics: dict[str, float] = {}
        for metric, i in metric_cols.items():
            raw = row.cells[i] if i < len(row.cells) else ""
            try:
                value = parse_number(raw)
            except ValueError:
                out.warnings.append(f"{name}:{row.line}: {table.header[i]} {raw!r} is not a number; left empty")
                continue
            if value is not None:
                metrics[metric] = value
        out.prospects.append(Prospect(url, f"{name}:{row.line}", metrics))
    return _nonempty(out, name)


def _nonempty(found: ProspectList, name: str) -> ProspectList:
    if not found.prospects:
        first = found.warnings[0] if found.warnings else f"{name}: no prospect URLs"
        raise InputError(f"no usable prospect in {name}; first problem: {first}")
    return found


def read_prospect_file(path: Path) -> ProspectList:
    """Read one prospect list (UTF-8 with or without BOM, UTF-16, or Windows-1252 with a warning)."""
    _data, text, _encoding, warnings = read_decoded(
        path, lambda why: InputError(f"{path}: cannot read the prospect list ({why})"))
    found = parse_prospects(text, str(path))
    found.warnings[:0] = [f"{path}: {w}" for w in warnings]
    return found


# ---------------------------------------------------------------------------------------------- link intersect
@dataclass(frozen=True)
class CompetitorExport:
    file: str
    backlinks: list[Backlink]
    warnings: list[str]


def read_competitor_file(path: Path) -> CompetitorExport:
    """One competitor's backlink export, in any layout ``assistant backlinks import`` reads."""
    try:
        loaded = load(path)
        parsed = parse(loaded.table, detect(loaded.table.header))
    except (ReadError, FormatError) as exc:
        raise InputError(f"{path}: {exc}") from None
    if not parsed.backlinks:
        why = f" (first problem: {parsed.warnings[0]})" if parsed.warnings else ""
        raise InputError(f"{path}: no linking page in this {parsed.layout.label} export{why}; the link intersect "
                         "needs exports that list the linking pages (Ahrefs, Semrush, Majestic, Moz or a CSV)")
    return CompetitorExport(str(path), parsed.backlinks, [f"{path}: {w}" for w in parsed.warnings])


def competitor_of(b: Backlink, export: CompetitorExport) -> str:
    """The competitor a backlink points at: its target's domain, or the export file when it names none."""
    target = b.target_url or ""
    return registrable_domain(target) if "://" in target else export.file


def link_intersect(exports: Iterable[CompetitorExport], ours: set[str], min_competitors: int = 2,
                   exclude: Iterable[str] = ()) -> list[Prospect]:
    """Referring domains that link to at least ``min_competitors`` competitors and not to us.

    ``ours``: registrable domains already linking to us (they are excluded later, with a reason, so they
    are kept here). ``exclude``: domains that are never prospects (our own, the competitors'). Per domain the
    prospect page is the linking page with the strongest page metric (UR, page authority, traffic ...), and
    its metrics are the best the exports report for the domain. Lost links do not count.
    """
    exports = list(exports)
    skip = set(exclude) | {competitor_of(b, e) for e in exports for b in e.backlinks}
    by_domain: dict[str, set[str]] = defaultdict(set)
    pages: dict[str, list[Backlink]] = defaultdict(list)
    for export in exports:
        for b in export.backlinks:
            domain = registrable_domain(b.source_url)
            if b.lost or not domain or domain in skip:
                continue
            by_domain[domain].add(competitor_of(b, export))
            pages[domain].append(b)
    out = []
    for domain, competitors in sorted(by_domain.items()):
        if len(competitors) < min_competitors:
            continue
        best = max(pages[domain], key=lambda b: (_page_strength(b.metrics), -len(b.source_url)))
        metrics: dict[str, float] = {}
        for b in pages[domain]:
            for k, v in b.metrics.items():
                metrics[k] = max(metrics.get(k, v), v)
        origin = f"links to {len(competitors)} competitors" + (" (and to us)" if domain in ours else "")
        out.append(Prospect(best.source_url, origin, metrics, tuple(sorted(competitors))))
    return out


def _page_strength(metrics: dict[str, float]) -> float:
    return max((metrics.get(k, 0.0) for k in ("url_rating", "page_authority", "page_ascore", "trust_flow")),
               default=0.0) + min(metrics.get("page_traffic", 0.0), 1e6) / 1e6
