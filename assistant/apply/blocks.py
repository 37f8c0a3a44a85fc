"""Markdown blocks: which lines are paragraphs, headings, code, raw HTML, tables or link definitions. Pure.

:func:`read_markdown` walks the lines once and hands each paragraph's lines to the inline scanner
(:func:`assistant.apply.markup.scan_inline`) with the block's flags: code blocks (fenced, or indented four spaces
outside a list) are code, headings (ATX or setext) are headings, HTML blocks are read as HTML, link reference
definitions are markup. Block quote and list markers are left out of the text.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.apply.doc import CODE, HEADING, RAW_HTML, Doc, label_key
from assistant.apply.markup import BLOCK_TAGS, scan_inline

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
REF_DEF = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*<?([^\s>]+)>?")
REF_DEF_BARE = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*$")
FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]]+\]:[ \t]?")
LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+(?:\[[ xX]\][ \t]+)?|$)")
QUOTE = re.compile(r"^ {0,3}>[ \t]?")
HTML_START = re.compile(r"^ {0,3}<(?:!--|/?([A-Za-z][A-Za-z0-9-]*)(?:[\s/>]|$))")
TEMPLATE_LINE = re.compile(r"^\s*(\{\{.*\}\}|\{%.*%\})\s*$")
# template tags around code: Jekyll/Liquid {% highlight %}…{% endhighlight %}, {% raw %}, Hugo {{< highlight >}}
CODE_TAG = re.compile(r"^\s*(?:\{%-?\s*(highlight|raw|codeblock)\b|\{\{[<%]\s*(highlight|code)\b)")
CODE_TAG_END = {"highlight": r"\{%-?\s*endhighlight\b|\{\{[<%]\s*/\s*highlight\b", "raw": r"\{%-?\s*endraw\b",
                "codeblock": r"\{%-?\s*endcodeblock\b", "code": r"\{\{[<%]\s*/\s*code\b"}
TABLE_RULE = re.compile(r"^ {0,3}\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def indent_of(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def lines_of(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each line from ``start``, line ending excluded."""
    out = []
    pos = start
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        out.append((pos, end - 1 if end > pos and text[end - 1] == "\r" else end))
        pos = end + 1
    return out


def collect_refs(doc: Doc) -> None:
    """Link reference definitions first: links may use a label defined further down."""
    lines = lines_of(doc.source, doc.body_start)
    for n, (a, b) in enumerate(lines):
        line = doc.source[a:b]
        if (bare := REF_DEF_BARE.match(line)) is not None and n + 1 < len(lines):
            a2, b2 = lines[n + 1]
            url = re.match(r"\s*<?([^\s>]+)", doc.source[a2:b2])
            if url:
                doc.refs.setdefault(label_key(bare.group(1)), (url.group(1), a2 + url.start(1), a2 + url.end(1)))
            continue
        if (note := FOOTNOTE_DEF.match(line)) is not None:
            label = label_key(line[note.start():note.end()].strip()[2:].rstrip(":").rstrip("]"))
            doc.footnotes.setdefault(label, len(doc.footnotes) + 1)
        m = REF_DEF.match(line)
        if m and line[m.end():].strip()[:1] in ("", '"', "'", "("):
            doc.refs.setdefault(label_key(m.group(1)), (m.group(2), a + m.start(2), a + m.end(2)))


class Blocks:
    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.para: list[tuple[int, int]] = []
        self.para_flags = 0
        self.in_list = False
        self.item_indent = 0
        self.table = False

    def flush(self, flags: int = 0) -> None:
        if self.para:
            if self.table:
                for a, b in self.para:
                    self.cells(a, b)
            else:
                scan_inline(self.doc, self.para, self.para_flags | flags)
        self.para, self.para_flags, self.table = [], 0, False

    def cells(self, a: int, b: int) -> None:
        text = self.doc.source
        if TABLE_RULE.match(text[a:b]) and "-" in text[a:b]:
            return
        start = a
        for k in range(a, b + 1):
            if k == b or (text[k] == "|" and text[k - 1] != "\\"):
                if text[start:k].strip():
                    scan_inline(self.doc, [(start, k)], 0)
                start = k + 1

    def code(self, a: int, b: int) -> None:
        for k in range(a, b):
            self.doc.add(self.doc.source[k], k, k + 1, CODE)
        self.doc.add(" ", b, b, CODE)

    def run(self) -> None:
        doc, text = self.doc, self.doc.source
        lines = lines_of(text, doc.body_start)
        fence: tuple[str, int] | None = None
        html_until: str | None = None
        html_seg: list[tuple[int, int]] = []
        prev_blank = True
        code_until: re.Pattern[str] | None = None
        skip_url = False
        for a0, b in lines:
            a = a0
            while (q := QUOTE.match(text[a:b])) is not None:        # block quote markers: never text
                a += q.end()
            if skip_url:
                skip_url = False
                continue
            if code_until is not None:
                if code_until.search(text, a, b):
                    code_until = None
                    doc.brk(b)
                else:
                    self.code(a, b)
                continue
            if (tag := CODE_TAG.match(text[a:b])) is not None:
                self.flush()
                code_until = re.compile(CODE_TAG_END[tag.group(1) or tag.group(2)])
                if code_until.search(text, a + tag.end(), b):
                    code_until = None
                continue
            if fence is not None:
                m = FENCE.match(text[a:b])
                if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1] and not m.group(3).strip():
                    fence = None
                    doc.brk(b)
                else:
                    self.code(a, b)
                continue
            if html_until is not None:
                html_seg.append((a, b))
                blank = not text[a:b].strip()
                if (html_until == "-->" and "-->" in text[a:b]) or (html_until == "" and blank):
                    scan_inline(doc, html_seg, RAW_HTML, markdown=False)
                    html_until, html_seg = None, []
                prev_blank = blank
                continue
            line = text[a:b]
            if not line.strip():
                self.flush()
                prev_blank = True
                continue
            ind = indent_of(line)
            if self.in_list and prev_blank and ind == 0 and not LIST_ITEM.match(line):
                self.in_list = False
            if not self.para and prev_blank and ind >= (8 if self.in_list else 4):
                self.code(a, b)
                continue
            prev_blank = False
            if (m := FENCE.match(line)) is not None and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                self.flush()
                fence = (m.group(2)[0], len(m.group(2)))
                continue
            if (m := ATX.match(line)) is not None:
                self.flush()
                content = re.sub(r"[ \t]+#+[ \t]*$|^#+[ \t]*$", "", line[m.end():])
                scan_inline(doc, [(a + m.end(), a + m.end() + len(content))], HEADING)
                continue
            if self.para and not self.table and SETEXT.match(line) and len(self.para) >= 1:
                self.flush(HEADING)
                continue
            if HR.match(line):
                self.flush()
                continue
            if self.para and TABLE_RULE.match(line) and "|" in line and len(self.para) == 1:
                self.table = True
                self.para.append((a, b))
                continue
            if self.table and "|" in line:
                self.para.append((a, b))
                continue
            if (m := REF_DEF.match(line)) is not None and label_key(m.group(1)) in doc.refs:
                self.flush()
                continue
            if (m := REF_DEF_BARE.match(line)) is not None and label_key(m.group(1)) in doc.refs:
                self.flush()
                skip_url = True                                # its URL is on the next line
                continue
            if (m := FOOTNOTE_DEF.match(line)) is not None:
                self.flush()
                self.para = [(a + m.end(), b)]
                continue
            if TEMPLATE_LINE.match(line):
                self.flush()
                continue
            if (m := HTML_START.match(line)) is not None and not self.para and (
                    line.lstrip().startswith("<!--") or (m.group(1) or "").lower() in BLOCK_TAGS):
                html_until = "-->" if line.lstrip().startswith("<!--") else ""
                html_seg = [(a, b)]
                if html_until == "-->" and "-->" in line:
                    html_until, html_seg = None, []
                continue
            if (m := LIST_ITEM.match(line)) is not None and (m.group(3) or not self.para) and not (
                    self.para and m.group(2)[0].isdigit() and int(m.group(2)[:-1]) != 1
                    and (not self.in_list or ind > self.item_indent)):   # "…since\n  2016. That…": still text
                self.flush()
                self.in_list, self.item_indent = True, ind
                self.para = [(a + m.end(), b)]
                continue
            self.para.append((a + len(line) - len(line.lstrip()), b))
        if html_seg:
            scan_inline(doc, html_seg, RAW_HTML, markdown=False)
        self.flush()


def read_markdown(source: str, meta: dict[str, Any], body_start: int) -> Doc:
    doc = Doc(source, "markdown", meta, body_start)
    collect_refs(doc)
    Blocks(doc).run()
    return doc
