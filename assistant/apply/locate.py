"""Find a task's sentence and anchor in a page source, and the source range to wrap as a link. Pure.

The sentence of a plan comes from the rendered page's text; the source has markup, wrapped lines, entities,
straight quotes where the site shows curly ones. Both sides are compared in a canonical form (quotes, dashes,
ellipses and spaces unified, whitespace collapsed), then, if that fails, as their letters and digits alone
(case-folded). Within the sentence, the anchor's first occurrence that can take a link wins; a sentence the
page repeats is linked once, at its first occurrence that can take it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from assistant.apply.blocks import read_markdown
from assistant.apply.doc import BREAK, CODE, HEADING, LINK, RAW_HTML, Doc
from assistant.apply.frontmatter import split
from assistant.apply.markup import read_html

SAME = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u2026": "...", "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": ""}
ONE_TO_ONE = str.maketrans({k: v for k, v in SAME.items() if len(v) == 1})
DROPPED = re.compile("[" + "".join(k for k, v in SAME.items() if len(v) != 1) + "]")
RUNS = re.compile(r"(\S+)|\s+")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdx")


def read_doc(text: str, name: str) -> Doc:
    """A source file's :class:`Doc`: Markdown by its extension, HTML otherwise."""
    meta, body = split(text)
    if name.lower().endswith(MARKDOWN_SUFFIXES):
        return read_markdown(text, meta, body)
    return read_html(text, meta, body)


def canonical(chars: list[str] | str) -> tuple[str, list[int]]:
    """The text in canonical form and, per canonical char, the index of the char it came from."""
    text = "".join(chars)
    if DROPPED.search(text):
        return _canonical_slow(text)
    out: list[str] = []
    idx: list[int] = []
    for m in RUNS.finditer(text.translate(ONE_TO_ONE)):
        if m.group(1) is not None:
            out.append(m.group(1))
            idx.extend(range(m.start(), m.end()))
        elif out:
            out.append(" ")
            idx.append(m.start())
    return "".join(out), idx


def _canonical_slow(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    idx: list[int] = []
    for k, ch in enumerate(text):
        for r in SAME.get(ch, ch):
            if r.isspace():
                if not out or out[-1] == " ":
                    continue
                r = " "
            out.append(r)
            idx.append(k)
    return "".join(out), idx


def letters(text: str) -> tuple[str, list[int]]:
    """Letters and digits only, case-folded, with the index of each in ``text``."""
    out, idx = [], []
    for k, ch in enumerate(text):
        if ch.isalnum():
            for r in ch.casefold():
                out.append(r)
                idx.append(k)
    return "".join(out), idx


def find_all(hay: str, needle: str, lo: int = 0, hi: int | None = None) -> list[int]:
    hi = len(hay) if hi is None else hi
    out, k = [], hay.find(needle, lo, hi)
    while needle and k >= 0:
        out.append(k)
        k = hay.find(needle, k + 1, hi)
    return out


@dataclass
class Found:
    status: str                       # ok | already | skip
    reason: str = ""
    span: tuple[int, int] = (0, 0)    # source range to wrap
    html: bool = False                # write the link as HTML
    line: int = 0


class Text:
    """A doc's visible text in canonical and letters-only forms (built once per file)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.canon, self.cidx = canonical(doc.chars)

    @cached_property
    def alnum(self) -> tuple[str, list[int]]:
        return letters(self.canon)

    def ranges(self, needle: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
        """Canonical ranges where ``needle`` occurs in ``[lo, hi)``: exactly, then case-folded, then letters-only."""
        hi = len(self.canon) if hi is None else hi
        want, _ = canonical(needle.strip())
        hits = [(k, k + len(want)) for k in find_all(self.canon, want, lo, hi)]
        if not hits:
            low = self.canon.casefold() if len(self.canon.casefold()) == len(self.canon) else None
            if low is not None:
                hits = [(k, k + len(want.casefold())) for k in find_all(low, want.casefold(), lo, hi)]
        if not hits:
            text, idx = self.alnum
            key, _ = letters(want)
            if len(key) >= 2:
                a_lo = _first_at_or_after(idx, lo)
                a_hi = _first_at_or_after(idx, hi)
                hits = [(idx[k], idx[k + len(key) - 1] + 1) for k in find_all(text, key, a_lo, a_hi)]
        return hits

    def visible(self, c0: int, c1: int) -> tuple[int, int]:
        return self.cidx[c0], self.cidx[c1 - 1] + 1


def _first_at_or_after(idx: list[int], k: int) -> int:
    from bisect import bisect_left

    return bisect_left(idx, k)


def bounded(doc: Doc, v0: int, v1: int) -> bool:
    """The visible range starts and ends at word boundaries (when its edges are letters or digits)."""
    chars = doc.chars
    return not ((chars[v0].isalnum() and v0 > 0 and chars[v0 - 1].isalnum())
                or (chars[v1 - 1].isalnum() and v1 < len(chars) and chars[v1].isalnum()))


def balance(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """The source range grown over markup that opens just before or closes just after it, so every pair of markup
    is wholly inside or outside; None when a pair crosses it with text on the other side."""
    changed = True
    while changed:
        changed = False
        for p in doc.pairs:
            (o0, o1), (c0, c1) = p.open, p.close
            if (start <= o0 and c1 <= end) or (o1 <= start and end <= c0) or c1 <= start or o0 >= end:
                continue                                  # inside, around or apart: balanced
            if o1 <= start and start <= c0 and c1 <= end and not doc.visible_between(o1, start):
                start, changed = o0, True
            elif start <= o0 and o1 <= end and c0 >= end and not doc.visible_between(end, c0):
                end, changed = c1, True
            else:
                return None
    return start, end


def judge(doc: Doc, v0: int, v1: int, is_target: Callable[[str], bool]) -> Found:
    """Can the visible range ``[v0, v1)`` become the link?"""
    while v0 < v1 and doc.chars[v0].isspace():
        v0 += 1
    while v1 > v0 and doc.chars[v1 - 1].isspace():
        v1 -= 1
    if v0 >= v1:
        return Found("skip", "anchor not found in the sentence")
    for link in doc.links:
        if link.first < v1 and v0 < link.last:
            if is_target(link.href) and link.first <= v0 and v1 <= link.last:
                return Found("already", line=doc.line_of(doc.starts[v0]))
            return Found("skip", f"the anchor is already linked (to {link.href})")
    flags = 0
    for f in doc.flags[v0:v1]:
        flags |= f
    if flags & HEADING:
        return Found("skip", "the sentence is in a heading")
    if flags & (BREAK | LINK):
        return Found("skip", "the anchor crosses a block or a link")
    start, end = doc.starts[v0], doc.ends[v1 - 1]
    for p in doc.pairs:          # the whole text of a code span or emphasis: the link goes around its markup
        if p.open[1] <= start and end <= p.close[0] and not doc.visible_between(p.open[1], start) \
                and not doc.visible_between(end, p.close[0]) and p.kind == "code":
            start, end = p.open[0], p.close[1]
    span = balance(doc, start, end)
    if span is None:
        return Found("skip", "the anchor crosses formatting (emphasis, code or a tag)")
    if flags & CODE:
        spans = [p for p in doc.pairs if p.kind == "code" and span[0] <= p.open[0] and p.close[1] <= span[1]]
        if any(f & CODE and not any(p.open[1] <= doc.starts[k] < p.close[0] for p in spans)
               for k, f in zip(range(v0, v1), doc.flags[v0:v1], strict=True)):
            return Found("skip", "the anchor is inside code")
    if doc.kind == "markdown" and not flags & RAW_HTML and any(c in "[]" for c in doc.chars[v0:v1]):
        return Found("skip", "the anchor contains a bracket")
    return Found("ok", span=span, html=doc.kind == "html" or bool(flags & RAW_HTML), line=doc.line_of(span[0]))


def locate(text: Text, sentence: str, anchor: str, is_target: Callable[[str], bool]) -> Found:
    """Where to put the link to the target on ``anchor`` in ``sentence``, or why not."""
    doc = text.doc
    places = text.ranges(sentence)
    if not places:
        return Found("skip", "sentence not found")
    verdicts = []
    for c0, c1 in places:
        for a0, a1 in text.ranges(anchor, c0, c1):
            v0, v1 = text.visible(a0, a1)
            if bounded(doc, v0, v1):
                verdict = judge(doc, v0, v1, is_target)
                verdict.line = verdict.line or doc.line_of(doc.starts[v0])
                verdicts.append(verdict)
    if not verdicts:
        return Found("skip", "anchor not found in the sentence")
    for status in ("already", "ok"):
        for v in verdicts:
            if v.status == status:
                return v
    return verdicts[0]
