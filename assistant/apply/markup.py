"""Inline text and HTML: what a reader sees of a page source, char by char, and where each char sits. Pure.

:class:`Inline` scans a paragraph (or an HTML document with :func:`read_html`) into a
:class:`~assistant.apply.doc.Doc`: the visible characters (markup, comments, link targets, images and template
tags left out; escapes and HTML entities decoded) with their source offsets and flags (code, link, heading, raw
HTML), the links (text range, target, where the target is written) and the pairs of markup that must stay
balanced around an edit (emphasis, code spans, HTML tags). The Markdown rules are those Python-Markdown,
kramdown, goldmark and pulldown-cmark agree on; block rules live in :mod:`assistant.apply.blocks`.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.apply.doc import CODE, HEADING, LINK, Doc, Link, Pair, label_key

PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>")
HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>@]+\.[A-Za-z]+)>")
BARE_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
PLAIN_MD = re.compile(r"[^&<{\\`!\[*_hH]+")
PLAIN_HTML = re.compile(r"[^&<{\r\n\t]+")
TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
SKIPPED = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math", "object"})
CODE_TAGS = frozenset({"code", "pre", "kbd", "samp", "tt", "var"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "base", "col", "embed",
                  "param", "track"})
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "details", "dialog", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
    "iframe", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "video", "audio", "canvas", "center", "summary", "br", "caption", "colgroup", "legend", "menu",
    "noscript", "script", "style", "template", "math", "svg", "object", "head", "title"})


class Inline:
    """Scans inline text (a paragraph's lines joined, ``pos`` mapping each index to its source offset) into the
    doc. ``markdown=False`` reads it as HTML (tags, entities and template tags only)."""

    def __init__(self, doc: Doc, text: str, pos: list[int], flags: int, markdown: bool) -> None:
        self.doc, self.s, self.pos, self.base, self.md = doc, text, pos, flags, markdown
        self.depth = {"a": 0, "code": 0, "h": 0}
        self.tokens: list[Any] = []
        self.plain = PLAIN_MD if markdown else PLAIN_HTML
        self.anchors: list[bool] = []                 # open <a> tags: whether each has an href

    def flags(self, extra: int = 0) -> int:
        f = self.base | extra
        if self.depth["a"]:
            f |= LINK
        if self.depth["code"]:
            f |= CODE
        if self.depth["h"]:
            f |= HEADING
        return f

    def char(self, ch: str, i: int, j: int, extra: int = 0) -> None:
        self.tokens.append(["c", ch, self.pos[i], self.pos[j - 1] + 1, self.flags(extra)])

    def run(self) -> None:
        self.scan(0, len(self.s), 0)
        self.flush()

    # ---- scanning
    def scan(self, i: int, hi: int, extra: int) -> None:
        s, pos, tokens = self.s, self.pos, self.tokens
        while i < hi:
            if (run := self.plain.match(s, i, hi)) is not None:      # ordinary text: one token per char
                f = self.flags(extra)
                for k in range(i, run.end()):
                    tokens.append(("c", s[k], pos[k], pos[k] + 1, f))
                i = run.end()
                continue
            c = s[i]
            if c == "&" and (m := ENTITY.match(s, i, hi)):
                text = html.unescape(m.group(0))
                for ch in text if text != m.group(0) else m.group(0):
                    self.char(ch, i, m.end(), extra)
                i = m.end()
            elif c == "<":
                i = self.angle(i, hi, extra)
            elif c == "{" and (m := TEMPLATE.match(s, i, hi)):
                i = m.end()                                         # template tags: not text, never edited
            elif not self.md:
                self.char(" " if c in "\r\n\t" else c, i, i + 1, extra)
                i += 1
            elif c == "\\" and i + 1 < hi and s[i + 1] in PUNCT:
                self.char(s[i + 1], i, i + 2, extra)
                i += 2
            elif c == "`":
                i = self.code_span(i, hi, extra)
            elif c in "![" and (end := self.bracketed(i, hi, extra)):
                i = end
            elif c in "*_":
                i = self.delims(i, hi, extra)
            elif c in "hH" and (m := BARE_URL.match(s, i, hi)):
                k = i
                while k < m.end():                                  # a bare URL: text, never linked
                    ent = ENTITY.match(s, k, hi) if s[k] == "&" else None
                    end = ent.end() if ent else k + 1
                    for ch in html.unescape(s[k:end]):
                        self.char(ch, k, end, extra | LINK)
                    k = end
                i = k
            else:
                self.char(c, i, i + 1, extra)
                i += 1

    def angle(self, i: int, hi: int, extra: int) -> int:
        s = self.s
        if s.startswith("<!--", i):
            end = s.find("-->", i + 4, hi)
            return hi if end < 0 else end + 3
        if self.md and (m := AUTOLINK.match(s, i, hi)):
            self.tokens.append(["lo", m.group(1), (self.pos[i + 1], self.pos[m.end() - 2] + 1), self.pos[i], False])
            for k in range(i + 1, m.end() - 1):
                self.char(s[k], k, k + 1, extra | LINK)
            self.tokens.append(["lc", self.pos[m.end() - 1] + 1])
            return m.end()
        m = TAG.match(s, i, hi)
        if not m:
            self.char("<", i, i + 1, extra)
            return i + 1
        closing, name, attrs, selfclose = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        start, end = self.pos[i], self.pos[m.end() - 1] + 1
        if name in SKIPPED and not closing and not selfclose:
            close = re.compile(rf"</{name}\s*>", re.I).search(s, m.end(), hi)
            return hi if close is None else close.end()
        key = "a" if name == "a" else "code" if name in CODE_TAGS else "h" if name in HEADINGS else ""
        if closing:
            linked = self.anchors.pop() if name == "a" and self.anchors else True
            if key and self.depth[key] and linked:
                self.depth[key] -= 1
            if name == "a" and linked:
                self.tokens.append(["lc", end])
            self.tokens.append(["tc", name, start, end])
        elif not selfclose and name not in VOID:
            h = HREF.search(attrs) if name == "a" else None
            if name == "a":                               # <a name="x"> without href is no link
                self.anchors.append(h is not None)
            if h is not None:
                g = 1 if h.group(1) is not None else 2 if h.group(2) is not None else 3
                a0 = self.pos[m.start(3) + h.start(g)]
                self.tokens.append(["lo", html.unescape(h.group(g)), (a0, a0 + len(h.group(g))), start, False])
            if key and (name != "a" or h is not None):
                self.depth[key] += 1
            self.tokens.append(["to", name, start, end])
        if name in BLOCK_TAGS or name == "br":
            self.tokens.append(["b", start])
        return m.end()

    def code_span(self, i: int, hi: int, extra: int) -> int:
        s = self.s
        n = 1
        while i + n < hi and s[i + n] == "`":
            n += 1
        j = i + n
        while True:
            j = s.find("`" * n, j, hi)
            if j < 0:
                for k in range(i, i + n):
                    self.char("`", k, k + 1, extra)
                return i + n
            if (j + n < hi and s[j + n] == "`") or s[j - 1] == "`":
                j += n
                while j < hi and s[j] == "`":
                    j += 1
                continue
            break
        lo, up = i + n, j
        if up - lo >= 2 and s[lo] == " " and s[up - 1] == " " and s[lo:up].strip():
            lo, up = lo + 1, up - 1
        self.tokens.append(["po", "code", self.pos[i], self.pos[i + n - 1] + 1])
        for k in range(lo, up):
            self.char(" " if s[k] in "\r\n" else s[k], k, k + 1, extra | CODE)
        self.tokens.append(["pc", "code", self.pos[j], self.pos[j + n - 1] + 1])
        return j + n

    def bracketed(self, i: int, hi: int, extra: int) -> int:
        """A link or image at ``i`` (its end), or 0."""
        if self.s[i] == "!":
            return self.link(i + 1, hi, extra, image=True) if i + 1 < hi and self.s[i + 1] == "[" else 0
        return self.link(i, hi, extra)

    def bracket_end(self, i: int, hi: int) -> int:
        """Index of the ``]`` matching the ``[`` at ``i`` (escapes and code spans skipped), or -1."""
        s, depth, k = self.s, 0, i
        while k < hi:
            c = s[k]
            if c == "\\":
                k += 2
                continue
            if c == "`":
                n = len(s[k:hi]) - len(s[k:hi].lstrip("`"))
                close = s.find("`" * n, k + n, hi)
                k = close + n if close >= 0 else k + n
                continue
            if c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
                if depth == 0:
                    return k
            k += 1
        return -1

    def destination(self, k: int, hi: int) -> tuple[int, int, int] | None:
        """(href start, href end, index after ')') of an inline link's ``(dest "title")`` starting at ``k``."""
        s = self.s
        j = k + 1
        while j < hi and s[j] in " \t\n":
            j += 1
        if j < hi and s[j] == "<":
            close = s.find(">", j, hi)
            if close < 0:
                return None
            d0, d1, j = j + 1, close, close + 1
        else:
            d0, depth = j, 0
            while j < hi and not s[j].isspace():
                if s[j] == "\\":
                    j += 2
                    continue
                if s[j] == "(":
                    depth += 1
                elif s[j] == ")":
                    if depth == 0:
                        break
                    depth -= 1
                j += 1
            d1 = j
            if s.startswith("{{", d0):                        # a Hugo ref shortcode as the destination
                close = s.find("}}", d0, hi)
                if close >= 0:
                    d1 = j = close + 2
        while j < hi and s[j] != ")":
            if s[j] in "\"'(":
                q = ")" if s[j] == "(" else s[j]
                end = s.find(q, j + 1, hi)
                if end < 0:
                    return None
                j = end
            j += 1
        return (d0, d1, j + 1) if j < hi else None

    def link(self, i: int, hi: int, extra: int, image: bool = False) -> int:
        """Reads ``[text](dest)``, ``[text][label]``, ``[label]`` or a footnote mark at ``i``; 0 if none."""
        s = self.s
        close = self.bracket_end(i, hi)
        if close < 0:
            return 0
        if s.startswith("[^", i) and not image:              # a footnote mark shows its number
            number = self.doc.footnotes.get(label_key(s[i + 2:close]))
            for ch in str(number or ""):
                self.char(ch, i, close + 1, extra | LINK)
            return close + 1
        label_text = s[i + 1:close]
        href_span: tuple[int, int]
        if close + 1 < hi and s[close + 1] == "(" and (dest := self.destination(close + 1, hi)):
            d0, d1, end = dest
            href, href_span, ref = s[d0:d1], (self.pos[d0], self.pos[d1 - 1] + 1 if d1 > d0 else self.pos[d0]), False
        else:
            end, label = close + 1, label_text
            if close + 1 < hi and s[close + 1] == "[":
                lclose = s.find("]", close + 2, hi)
                if lclose < 0:
                    return 0
                label, end = s[close + 2:lclose] or label_text, lclose + 1
            found = self.doc.refs.get(label_key(label))
            if found is None:
                return 0
            href, href_span, ref = found[0], (found[1], found[2]), True
        if image:
            return end                                        # images: alt text is not page text
        if ref:
            self.doc.ref_links += 1
        else:
            self.doc.inline_links += 1
        self.tokens.append(["lo", href, href_span, self.pos[i], ref])
        self.tokens.append(["po", "link", self.pos[i], self.pos[i] + 1])
        self.scan(i + 1, close, extra | LINK)
        self.tokens.append(["pc", "link", self.pos[close], self.pos[end - 1] + 1])
        self.tokens.append(["lc", self.pos[end - 1] + 1])
        return end

    def delims(self, i: int, hi: int, extra: int) -> int:
        s = self.s
        c, j = s[i], i
        while j < hi and s[j] == c:
            j += 1
        before = s[i - 1] if i > 0 else " "
        after = s[j] if j < len(s) else " "
        left = not after.isspace() and (after not in PUNCT or before.isspace() or before in PUNCT)
        right = not before.isspace() and (before not in PUNCT or after.isspace() or after in PUNCT)
        if c == "_":
            can_open, can_close = left and (not right or before in PUNCT), right and (not left or after in PUNCT)
        else:
            can_open, can_close = left, right
        self.tokens.append(["d", c, self.pos[i], self.pos[j - 1] + 1, can_open, can_close, self.flags(extra)])
        return j

    # ---- output
    def emphasis(self) -> None:
        """Pairs delimiter runs (CommonMark's stack, simplified); paired characters become markup."""
        stack: list[list[Any]] = []
        for tok in self.tokens:
            if tok[0] != "d":
                continue
            while tok[5] and tok[3] > tok[2]:
                k = len(stack) - 1
                while k >= 0 and stack[k][1] != tok[1]:
                    k -= 1
                if k < 0:
                    break
                opener = stack[k]
                use = 2 if opener[3] - opener[2] >= 2 and tok[3] - tok[2] >= 2 else 1
                self.doc.pairs.append(Pair((opener[3] - use, opener[3]), (tok[2], tok[2] + use), "em"))
                opener[3] -= use
                tok[2] += use
                del stack[k + 1:]
                if opener[3] == opener[2]:
                    stack.pop()
            if tok[4] and tok[3] > tok[2]:
                stack.append(tok)

    def flush(self) -> None:
        self.emphasis()
        doc = self.doc
        open_links: list[list[Any]] = []
        open_pairs: list[tuple[str, int, int]] = []
        chars, starts, ends, flags = doc.chars.append, doc.starts.append, doc.ends.append, doc.flags.append
        for tok in self.tokens:
            kind = tok[0]
            if kind == "c":
                chars(tok[1])
                starts(tok[2])
                ends(tok[3])
                flags(tok[4])
            elif kind == "d":
                for k in range(tok[2], tok[3]):
                    doc.add(doc.source[k], k, k + 1, tok[6])
            elif kind == "lo":
                open_links.append([len(doc.chars), *tok[1:]])
            elif kind == "lc" and open_links:
                first, href, href_span, start, ref = open_links.pop()
                doc.links.append(Link(first, len(doc.chars), href, href_span, (start, tok[1]), ref))
            elif kind in ("po", "to"):
                open_pairs.append((tok[1], tok[2], tok[3]))
            elif kind in ("pc", "tc"):
                for k in range(len(open_pairs) - 1, -1, -1):
                    if open_pairs[k][0] == tok[1]:
                        name, a, b = open_pairs[k]
                        doc.pairs.append(Pair((a, b), (tok[2], tok[3]), name))
                        del open_pairs[k:]
                        break
            elif kind == "b":
                doc.brk(tok[1])


def scan_inline(doc: Doc, segments: list[tuple[int, int]], flags: int, markdown: bool = True) -> None:
    """Scans source ranges (a paragraph's lines, joined by a newline) as one inline run, then ends the block."""
    parts: list[str] = []
    pos: list[int] = []
    for n, (a, b) in enumerate(segments):
        if n:
            parts.append("\n")
            pos.append(segments[n - 1][1])
        parts.append(doc.source[a:b])
        pos.extend(range(a, b))
    text = "".join(parts)
    pos.append(segments[-1][1] if segments else 0)
    Inline(doc, text, pos, flags, markdown).run()
    doc.brk(segments[-1][1] if segments else 0)


def read_html(source: str, meta: dict[str, Any], body_start: int) -> Doc:
    """An HTML page or fragment (after its front matter): the text of its body."""
    doc = Doc(source, "html", meta, body_start)
    m = re.search(r"<body\b[^>]*>", source[body_start:], re.I)
    start = body_start + (m.end() if m else 0)
    end_m = re.search(r"</body\s*>", source[start:], re.I)
    end = start + end_m.start() if end_m else len(source)
    scan_inline(doc, [(start, end)], 0, markdown=False)
    return doc
