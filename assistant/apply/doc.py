"""A page source as a reader sees it: the visible characters with their source offsets and flags, the links and
the pairs of markup (the record :mod:`assistant.apply.markup` and :mod:`assistant.apply.blocks` fill). Pure."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

CODE, LINK, HEADING, RAW_HTML, BREAK = 1, 2, 4, 8, 16


@dataclass
class Link:
    """A link in the source: its visible text ``[first, last)``, its target, where that target is written
    (``href_span``, source offsets) and the whole link's source range."""

    first: int
    last: int
    href: str
    href_span: tuple[int, int]
    span: tuple[int, int]
    reference: bool = False


@dataclass
class Pair:
    """Markup that opens and closes (source ranges): an edit must hold both or neither."""

    open: tuple[int, int]
    close: tuple[int, int]
    kind: str


@dataclass
class Doc:
    source: str
    kind: str                                         # markdown | html
    meta: dict[str, Any] = field(default_factory=dict)
    body_start: int = 0
    chars: list[str] = field(default_factory=list)
    starts: array[int] = field(default_factory=lambda: array("q"))
    ends: array[int] = field(default_factory=lambda: array("q"))
    flags: array[int] = field(default_factory=lambda: array("b"))
    links: list[Link] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    refs: dict[str, tuple[str, int, int]] = field(default_factory=dict)   # label -> (url, url start, url end)
    footnotes: dict[str, int] = field(default_factory=dict)  # label -> number (order of definition)
    ref_links: int = 0                                 # links written [text][label] / [label]
    inline_links: int = 0                              # links written [text](url)

    def add(self, ch: str, start: int, end: int, flags: int) -> None:
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)
        self.flags.append(flags)

    def brk(self, at: int) -> None:
        """A block boundary: a space no edit may cross."""
        if self.chars and self.flags[-1] & BREAK:
            return
        self.add("\n", at, at, BREAK)

    def visible_between(self, start: int, end: int) -> bool:
        """Whether a visible, non-space character starts within source offsets ``[start, end)``."""
        i = bisect_left(self.starts, start)
        while i < len(self.starts) and self.starts[i] < end:
            if not self.chars[i].isspace():
                return True
            i += 1
        return False

    def line_of(self, offset: int) -> int:
        return self.source.count("\n", 0, offset) + 1


def label_key(label: str) -> str:
    return " ".join(label.split()).casefold()
