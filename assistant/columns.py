"""Header names of the tables people export (backlink tools, Search Console, analytics): matching a layout's
column names against a file's header, naming what a file has, and reading ``--map FIELD=COLUMN,…``. Pure.

Names are compared case-insensitively with everything but letters and digits removed, so "Source URL",
"SourceURL" and "source_url" are one column. :mod:`assistant.backlinks.formats` and :mod:`assistant.traffic`
both detect their layouts through these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACE = re.compile(r"\s+")
SHOWN = 25


def key(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def loose(name: str) -> str:
    return _SPACE.sub(" ", name.strip().lower())


def match_columns(columns: Mapping[str, tuple[str, ...]], header: list[str]) -> dict[str, int]:
    """field -> column index for the fields present in the header (the first matching name of a field wins; a
    name that is a number is the 1-based column, as ``--map`` allows)."""
    keys = [key(h) for h in header]
    found: dict[str, int] = {}
    for fld, names in columns.items():
        for name in names:
            k = key(name)
            if k and k in keys:
                found[fld] = keys.index(k)
                break
            if name.isdigit() and 0 < int(name) <= len(header):
                found[fld] = int(name) - 1
                break
    return found


def shown(header: Sequence[str]) -> str:
    """The header's names as an error message lists them."""
    names = ", ".join(repr(h) for h in header[:SHOWN] if h)
    return names + (f" (+{len(header) - SHOWN} more)" if len(header) > SHOWN else "")


def parse_map(spec: str, fields: Sequence[str], error: type[Exception], example: str) -> dict[str, str]:
    """``FIELD=COLUMN,FIELD=COLUMN`` (COLUMN: a header name or a 1-based number) -> {field: column}; ``error``
    (one line naming the part) when a part is not FIELD=COLUMN or names no known field."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, eq, col = part.partition("=")
        name, col = name.strip().lower(), col.strip().strip("\"'")
        if not eq or not col:
            raise error(f"--map {part!r}: write FIELD=COLUMN, e.g. {example}")
        if name not in fields:
            raise error(f"--map {name!r}: fields are {', '.join(fields)}")
        out[name] = col
    return out


def missing_message(label: str, missing: list[str], header: Sequence[str], *, mapped: bool, signed: bool, what: str,
                    map_hint: str) -> str:
    """The one line for a table that lacks a layout's columns: what ``--map`` named and the file lacks, what a
    recognised tool's export lacks (``signed``), or else the closest layout (``what``: "backlink", "traffic")."""
    found, lacking = shown(header), ", ".join(missing)
    article = "an" if label[0] in "AEIOU" else "a"
    if mapped:
        return f"--map names column(s) the file does not have: {lacking}; found [{found}]"
    if signed:
        return f"looks like {article} {label} export but lacks the required column(s) {lacking}; found [{found}]"
    return (f"no known {what} export layout matches its columns [{found}]; closest is {label}, which needs the "
            f"missing column(s) {lacking}; name the columns with --map {map_hint}")
