"""An export file's bytes -> its tables as :class:`Export` records. Pure (the CLI reads the file).

A zip (Search Console's performance download) is read member by member: ``Pages.csv`` and ``Queries.csv`` give
the data, ``Dates.csv`` (else a ``Filters.csv`` naming two dates) the period; the other members (countries,
devices, search appearance) are listed as not used. A JSON file is the Search Analytics API's
``searchanalytics.query`` response. Anything else is a CSV/TSV in UTF-8, UTF-8 with BOM or UTF-16, whose ``#``
comment lines (GA4 writes the report's name and ``# Start date: 20260901`` / ``# End date: …`` above the
header) are read for the period and skipped, line numbers kept.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from assistant.backlinks.readfile import ReadError, decode, parse_number, parse_table
from assistant.traffic.layouts import FormatError, Layout, detect, mapped_layout, parse
from assistant.trafficdata import Export, Row

_COMMENT_DATE = re.compile(r"^#\s*(start|end) date:\s*(\d{8}|\d{4}-\d{2}-\d{2})\s*$", re.IGNORECASE)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# the API's other dimensions: device (DESKTOP, MOBILE, TABLET), country (ISO 3166-1 alpha-3, "usa"), appearance
_DIMENSION = re.compile(r"^(?:[A-Z_]{3,}|[a-z]{3})$")
_NOT_USED = ("countries", "devices", "search appearance", "chart")


class ExportError(Exception):
    """A file that cannot be imported at all; the message names the file (and member) and why."""


def read_export(name: str, data: bytes, mapping: str | None = None) -> list[Export]:
    """Every table of the file; ExportError naming ``name`` when it holds none that can be used."""
    try:
        if data[:4] == b"PK\x03\x04" or name.lower().endswith(".zip"):
            return _zip(name, data, mapping)
        if name.lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
            return [api_json(name, data)]
        return [csv_export(name, data, mapping)]
    except (ReadError, FormatError) as exc:
        raise ExportError(f"{name}: {exc}") from None


def csv_export(name: str, data: bytes, mapping: str | None = None) -> Export:
    text, encoding, warnings = decode(data)
    lines = text.splitlines()
    period: dict[str, str] = {}
    header_seen = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#"):
            if header_seen:                 # GA4 writes a second table (the chart's) after a comment block
                lines = lines[:i]
                break
            if m := _COMMENT_DATE.match(stripped):
                day = m.group(2)
                period[m.group(1).lower()] = day if "-" in day else f"{day[:4]}-{day[4:6]}-{day[6:]}"
            lines[i] = ""
        elif stripped:
            header_seen = True
    table = parse_table("\n".join(lines), encoding)
    table.warnings[:0] = [f"{name} {w}" for w in warnings]
    layout: Layout = mapped_layout(mapping) if mapping else detect(table.header, name)
    out = parse(table, layout, name)
    if "start" in period and "end" in period:
        out.period = (period["start"], period["end"])
    return out


def _zip(name: str, data: bytes, mapping: str | None) -> list[Export]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExportError(f"{name}: not a readable zip file ({exc})") from None
    if any(m.filename in ("xl/workbook.xml", "word/document.xml") for m in members):
        raise ExportError(f"{name}: an Excel workbook, not a CSV: download the report as CSV (Search Console: "
                          "Export → Download CSV) or save the sheet as CSV")
    parts: list[Export] = []
    unused: list[str] = []
    unread: list[str] = []
    for member in members:
        base = member.filename.rsplit("/", 1)[-1]
        if not base.lower().endswith((".csv", ".tsv", ".txt")):
            unused.append(base)
            continue
        if base.lower().removesuffix(".csv") in _NOT_USED:
            unused.append(base)
            continue
        try:
            parts.append(csv_export(f"{name}:{base}", archive.read(member), mapping))
        except (ReadError, FormatError) as exc:       # one member the zip should not stop: named, not imported
            unread.append(f"{name}:{base}: {exc}")
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            unread.append(f"{name}:{base}: cannot be unpacked ({exc})")
    data_parts = [p for p in parts if p.dataset]
    if not data_parts:
        raise ExportError(f"{name}: the zip holds no Pages.csv or Queries.csv "
                          f"(members: {', '.join(m.filename for m in members) or 'none'})"
                          + (f"; {unread[0]}" if unread else ""))
    data_parts[0].warnings.extend(f"{u}; not imported" for u in unread)
    dates = next((p.period for p in parts if p.layout == "gsc-dates" and p.period), None)
    period = dates or next((p.period for p in parts if p.layout == "gsc-filters" and p.period), None)
    for p in data_parts:
        p.period = p.period or period
        if unused:
            p.warnings.append(f"{name}: not used: {', '.join(unused)}")
            unused = []
    return data_parts


# ---------------------------------------------------------------------------------------------- API JSON
def api_json(name: str, data: bytes) -> Export:
    """The Search Analytics API's response: ``rows[].keys`` (the request's dimensions, in its order: page and
    query, maybe date, country, device) with ``clicks``, ``impressions``, ``ctr``, ``position``. Which key is
    the page is seen from the values (URLs); a ``date`` key gives the period."""
    text = decode(data)[0]
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    rows = doc.get("rows") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        found = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
        raise ExportError(f"{name}: not a Search Analytics API response: no \"rows\" list (found {found})")
    out = Export(name, "gsc-api", "Search Analytics API response", "page-queries", read=len(rows))
    keyed: list[list[Any]] = [r["keys"] for r in rows if isinstance(r, dict) and isinstance(r.get("keys"), list)]
    width = max((len(k) for k in keyed), default=0)
    page_at = _column(keyed, width, lambda v: v.startswith(("http://", "https://", "/")))
    date_at = _column(keyed, width, lambda v: bool(_ISO_DAY.match(v)))
    query_at = next((i for i in range(width) if i not in (page_at, date_at)
                     and not all(len(k) > i and _DIMENSION.match(str(k[i])) for k in keyed)), None)
    if page_at is None:
        raise ExportError(f"{name}: the rows' keys hold no page URL: request the API with dimensions "
                          "[\"page\", \"query\"]")
    if query_at is None:
        out.dataset = "pages"
    dates = []
    for i, r in enumerate(rows):
        where = f"{name} rows[{i}]"
        keys = r.get("keys") if isinstance(r, dict) else None
        if not isinstance(keys, list) or len(keys) != width:
            out.warnings.append(f"{where}: keys are not {width} values; row skipped")
            out.skipped += 1
            continue
        try:
            nums = {f: _num(r.get(f)) for f in ("clicks", "impressions", "position")}
        except ValueError as exc:
            out.warnings.append(f"{where}: {exc}; row skipped")
            out.skipped += 1
            continue
        if date_at is not None:
            dates.append(str(keys[date_at]))
        out.rows.append(Row(i + 1, str(keys[page_at]), str(keys[query_at]) if query_at is not None else "",
                            nums["clicks"], nums["impressions"], nums["position"]))
    if dates:
        out.period = (min(dates), max(dates))
    if not out.rows and rows:
        raise ExportError(f"{name}: no row could be read ({out.warnings[0]})")
    return out


def _column(keyed: list[list[Any]], width: int, test: Any) -> int | None:
    for i in range(width):
        values = [str(k[i]) for k in keyed if len(k) > i]
        if values and sum(1 for v in values if test(v)) >= 0.9 * len(values):
            return i
    return None


def _num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number")
    return float(value) if not isinstance(value, str) else parse_number(value)
