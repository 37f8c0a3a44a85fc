"""How a file writes its links: the URL form for a new one and the link syntax around the anchor. Pure.

A file's form follows its existing links to pages of the site, most common first: Zola's ``@/file.md``, Hugo's
``{{< ref "file.md" >}}``, a relative file path, an absolute URL on the site's own origin, a relative URL, or
root-relative (the default, and the form of a file that has no internal link yet). Markdown files that write
their links as references (``[text][label]``) get a reference and its definition.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections import Counter
from urllib.parse import urlsplit

from assistant.apply.doc import Doc
from assistant.apply.sources import REF_SHORTCODE, SourceFile, SourceMap, key_of

SITE_FORM_MIN = 3


def form_of(href: str) -> str:
    href = href.strip()
    if href.startswith("@/"):
        return "zola"
    if REF_SHORTCODE.search(href):
        return "hugo-ref"
    parts = urlsplit(href)
    if parts.scheme:
        return "absolute:" + f"{parts.scheme}://{parts.netloc}"
    if href.split("#")[0].endswith((".md", ".markdown")):
        return "file"
    return "root" if href.startswith("/") else "relative"


def link_form(doc: Doc, smap: SourceMap, f: SourceFile, page: str) -> str:
    """The URL form most of the file's links to the site's pages use; for a file without such links, the form most
    of the site's sources use; ``page`` is the URL path the file is served at."""
    forms: Counter[str] = Counter()
    for link in doc.links:
        if link.href and smap.page_of_href(link.href, page, f) is not None:
            forms[form_of(link.href)] += 1
    return forms.most_common(1)[0][0] if forms else site_form(smap)


def site_form(smap: SourceMap) -> str:
    """The form of most links to known pages across the sources ("root" unless :data:`SITE_FORM_MIN` links use it;
    relative links, which need their page to resolve, are not counted)."""
    if smap.default_form is None:
        forms: Counter[str] = Counter()
        for href in smap.hrefs:
            kind = form_of(href)
            if kind != "relative" and (key := smap.page_of_href(href, "/", None)) is not None and key in smap.by_key:
                forms[kind] += 1
        best = forms.most_common(1)
        smap.default_form = best[0][0] if best and best[0][1] >= SITE_FORM_MIN else "root"
    return smap.default_form


def href_for(form: str, target_url: str, smap: SourceMap, source: SourceFile, page: str) -> str:
    """The target written in ``form`` from ``source``, served at the URL path ``page`` (root-relative when the
    form needs a file we lack)."""
    parts = urlsplit(target_url)
    path = parts.path or "/"
    target = smap.find(target_url).file if form in ("zola", "hugo-ref", "file") else None
    if form == "zola" and target and target.content_rel:
        return "@/" + target.content_rel
    if form == "hugo-ref" and target and target.content_rel:
        return '{{< ref "' + target.content_rel + '" >}}'
    if form == "file" and target:
        return posixpath.relpath(target.rel, posixpath.dirname(source.rel) or ".")
    if form.startswith("absolute:"):
        return form.split(":", 1)[1] + path
    if form == "relative":
        here = page if page.endswith("/") else posixpath.dirname(page) + "/"
        rel = posixpath.relpath(path, here)
        return rel + ("/" if path.endswith("/") and not rel.endswith("/") else "")
    return path + (f"?{parts.query}" if parts.query else "")


def same_page(href_key: str | None, target_url: str) -> bool:
    return href_key is not None and href_key == key_of(urlsplit(target_url).path or "/")


def ref_label(doc: Doc, href: str, anchor: str, defined: dict[str, str]) -> tuple[str, bool]:
    """(label, whether it must be defined): the file's own label for ``href`` (or one this run defined), else a
    new one from the anchor that no definition of the file or of this run uses."""
    for label, (url, _, _) in doc.refs.items():
        if url == href:
            return label, False
    for label, url in defined.items():
        if url == href:
            return label, False
    base = re.sub(r"[^\w]+", "-", anchor.casefold()).strip("-") or "link"
    label, n = base, 2
    while label in doc.refs or label in defined:
        label, n = f"{base}-{n}", n + 1
    return label, True


def wrap(doc: Doc, span: tuple[int, int], href: str, html: bool, anchor: str,
         defined: dict[str, str]) -> tuple[str, tuple[str, str] | None]:
    """(replacement of the span, (label, href) of a reference definition to add, or None); ``defined``: the
    labels this run already added to the file."""
    text = doc.source[span[0]:span[1]]
    if html:
        return f'<a href="{href.replace(chr(34), "&quot;")}">{text}</a>', None
    if doc.ref_links > doc.inline_links:
        label, new = ref_label(doc, href, anchor, defined)
        return f"[{text}][{label}]", (label, href) if new else None
    if any(c in href for c in " ()<>") and not href.startswith("{{"):
        href = f"<{href}>"
    return f"[{text}]({href})", None


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else os.linesep if "\n" not in text else "\n"
