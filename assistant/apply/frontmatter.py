"""Front matter of a page source: where it ends and the few keys that decide the page's URL. Pure.

YAML (``---``) and TOML (``+++``) blocks at the top of the file, as Jekyll, Hugo, Zola, Eleventy, MkDocs and
Docusaurus write them. TOML goes through :mod:`tomllib`; YAML through a small reader of the top-level keys
(scalars, quoted strings, inline ``[a, b]`` and block ``- a`` lists), which is all URL mapping needs and keeps
the tool free of a YAML dependency. A block that does not parse gives no keys (the file still maps by its path).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

YAML_BLOCK = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
TOML_BLOCK = re.compile(r"\A(?:\ufeff)?\+\+\+[ \t]*\r?\n(.*?)(?:\r?\n)?^\+\+\+[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*?))?\s*$")
_ITEM = re.compile(r"^\s+-\s+(.*?)\s*$|^-\s+(.*?)\s*$")


def split(text: str) -> tuple[dict[str, Any], int]:
    """(front matter keys, offset where the body starts); ({}, 0) when the file has none."""
    m = TOML_BLOCK.match(text)
    if m:
        try:
            return tomllib.loads(m.group(1)), m.end()
        except tomllib.TOMLDecodeError:
            return {}, m.end()
    m = YAML_BLOCK.match(text)
    if m:
        return read_yaml(m.group(1)), m.end()
    return {}, 0


def _scalar(value: str) -> Any:
    value = re.sub(r"\s+#.*$", "", value).strip() if not value.startswith(("'", '"')) else value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
    return value


def read_yaml(block: str) -> dict[str, Any]:
    """Top-level ``key: value`` pairs and ``key:`` followed by ``- item`` lines; nested maps are skipped."""
    out: dict[str, Any] = {}
    key: str | None = None
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line)
        if item and key is not None and isinstance(out.get(key), list):
            out[key].append(_scalar(item.group(1) or item.group(2) or ""))
            continue
        m = _KEY.match(line)
        if m:
            key = m.group(1)
            out[key] = _scalar(m.group(2)) if m.group(2) else []
        elif not line.startswith((" ", "\t")):
            key = None
    return out


def text_of(value: Any) -> str:
    """A key's value as one string ('' for none or a list)."""
    return "" if value is None or isinstance(value, list | dict) else str(value)


def list_of(value: Any) -> list[str]:
    """A key's value as a list of strings (a single string is split on spaces, as Jekyll's categories are)."""
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    return str(value).split() if isinstance(value, str) and value else []
