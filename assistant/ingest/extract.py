"""HTML -> page record + links. Pure: bytes in, records out, no I/O.

Links come from lxml (``make_links_absolute(page_url)`` honouring ``<base>``); main text from
trafilatura (``fast``: its fallback extractors cost 40 % more time and our link placement does not
need them), the published date from htmldate (trafilatura's own metadata pass gives the same dates
on the corpora at 8x the cost). A link is **content** when it is outside the page's chrome (nav, header,
footer, aside, menus, sidebars: by tag, ARIA role or class/id) and either sits in the main text
trafilatura keeps or inside the element that holds that text (link-only lists such as "further
reading", which trafilatura drops for their link density, still belong to the article).
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass

import lxml.html
from htmldate import find_date
from lxml import etree
from trafilatura import bare_extraction

from assistant.records import Extracted, Link
from assistant.text import clip, normalize_space, sentence_at
from assistant.urls import normalize

CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "menu", "noscript", "template"})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "search"})
CHROME_HINT = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|breadcrumbs?|sidebar|widgets?|footer|header|masthead|colophon|"
    r"pager|pagination|comments?|tags?|tagcloud|related|share|sharing|social|skip-link|subscribe|newsletter|"
    r"author-bio|cookies?|banner|ads|advert|sponsored|promo)(?:[-_\s]|$)",
    re.IGNORECASE,
)
HINTLESS_TAGS = frozenset({"html", "body", "main", "article"})
TEXT_BLOCKS = frozenset({"p", "li", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd",
                         "dt", "figcaption", "caption"})
SENTENCE_BLOCKS = TEXT_BLOCKS | {"div", "section", "article", "main", "body", "ul", "ol", "table"}
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "ftp:", "sms:", "about:", "file:")
MIN_BLOCK_CHARS = 40
CHROME_MARK = "data-link-assistant-chrome"
CONTAINER_SHARE = 0.75
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")


class ExtractError(Exception):
    """A page whose bytes cannot be read as HTML; ``reason`` is a short stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# What the extraction records changes with this number; a workspace extracted by another version re-parses
# every page once (same bytes or not) so that an upgrade reaches pages that have not changed since.
# 2: the page title is <title> (site name stripped) before the first h1.
EXTRACTOR_VERSION = "3"   # 3: the page chrome's text is pruned from the main text


def decode_html(content: bytes, content_type: str = "") -> str:
    """Bytes -> text using the HTTP charset, a BOM or ``<meta charset>``; raise on binary/undecodable bytes."""
    if not content.strip():
        raise ExtractError("empty", "the page body is empty")
    declared = _charset(content_type) or _bom_charset(content) or _meta_charset(content[:4096])
    candidates = [c for c in (declared, "utf-8") if c]
    for charset in candidates:
        try:
            text = content.decode(charset)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        text = content.decode("utf-8", errors="replace")
    sample = text[:200_000]
    bad = len(_CONTROL.findall(sample))
    if bad > max(8, len(sample) // 100):
        raise ExtractError("bad-encoding", f"undecodable or binary content ({bad} bad characters with charset "
                                           f"{declared or 'utf-8'})")
    return text.lstrip("\ufeff")


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return _known(match.group(1)) if match else None


def _bom_charset(content: bytes) -> str | None:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return name
    return None


def _meta_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    return _known(match.group(1).decode("ascii", "ignore")) if match else None


def _known(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def extract(html: str, url: str, trailing_slash: str = "keep") -> Extracted:
    """Parse one page. ``url`` is the final URL the page was served at."""
    html = _XML_DECLARATION.sub("", html, count=1)     # XHTML: lxml refuses str input that declares bytes
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError("unparsable", f"not parsable as HTML: {exc}") from None
    tree.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
    robots = " ".join(tree.xpath("//meta[translate(@name,'ROBTSGEO','robtsgeo')='robots' or "
                                 "translate(@name,'ROBTSGEO','robtsgeo')='googlebot']/@content")).lower()
    canonical = _first(tree.xpath("//link[translate(@rel,'CANONIL','canonil')='canonical']/@href"))
    head_title = normalize_space(_first(tree.xpath("//title//text()")) or "")
    description = normalize_space(_first(tree.xpath(
        "//meta[translate(@name,'DESCRIPTON','descripton')='description']/@content")) or "")
    lang = (_first(tree.xpath("/html/@lang")) or "").strip().lower()
    modified = _first(tree.xpath(
        "//meta[@property='article:modified_time' or @property='og:updated_time' or @itemprop='dateModified']"
        "/@content | //time[@itemprop='dateModified']/@datetime"))
    links_raw = _collect_links(tree, url)

    chrome: dict[etree._Element, bool] = {}       # _is_chrome's memo: the pruning and the links ask the same
    doc = bare_extraction(tree, url=url, fast=True, include_links=True, include_tables=True,
                          include_comments=False, include_images=False, deduplicate=False,
                          prune_xpath=_mark_chrome(tree, chrome))     # trafilatura prunes its own copy
    blocks, refs = _kept_blocks(getattr(doc, "body", None))
    if not blocks:   # trafilatura discarded the whole page: take the text blocks of the main element
        blocks = _fallback_blocks(tree)
    main_text = "\n".join(blocks)
    # the page's own name: og:title, else <title> without the site's name (what crawlers report), else the first
    # h1 (documentation pages often open with an h1 that is only a section heading, "1. Overview")
    title = normalize_space(_first(tree.xpath("//meta[@property='og:title']/@content")) or "") or \
        _strip_site_name(head_title) or normalize_space(" ".join(tree.xpath("(//h1)[1]//text()")))
    published = find_date(tree, extensive_search=False, original_date=True) or None
    links = _place_links(tree, links_raw, blocks, refs, trailing_slash, chrome)
    return Extracted(
        title=title or head_title,
        description=description,
        canonical=normalize(canonical, trailing_slash) if canonical else None,
        lang=lang,
        published=published,
        modified=(modified or "")[:10] or None,
        main_text=main_text,
        word_count=len(main_text.split()),
        noindex="noindex" in robots or "none" in robots.split(","),
        nofollow="nofollow" in robots or "none" in robots.split(","),
        links=links,
    )


def _strip_site_name(title: str) -> str:
    for sep in (" | ", " – ", " — ", " - ", " :: "):
        if sep in title:
            return title.rsplit(sep, 1)[0].strip()
    return title


def _first(values: list[str]) -> str | None:
    return str(values[0]) if values else None


def _kept_blocks(body: etree._Element | None) -> tuple[list[str], Counter[tuple[str, str]]]:
    """Paragraph texts and (target, anchor) link pairs of trafilatura's main-content tree."""
    blocks: list[str] = []
    refs: Counter[tuple[str, str]] = Counter()
    if body is None:
        return blocks, refs
    for el in body.iter("p", "head", "item", "quote", "code", "cell", "list", "table", "row"):
        if el.tag in ("list", "table", "row") or any(child.tag in ("item", "row", "cell", "list")
                                                     for child in el):
            continue
        text = normalize_space("".join(el.itertext()))
        if text:
            blocks.append(text)
    for ref in body.iter("ref"):
        target = normalize(ref.get("target") or "")
        if target:
            refs[(target, normalize_space("".join(ref.itertext())))] += 1
    return blocks, refs


@dataclass
class _RawLink:
    el: lxml.html.HtmlElement
    target: str
    anchor: str
    kind: str
    rel: str


def _collect_links(tree: lxml.html.HtmlElement, page_url: str) -> list[_RawLink]:
    out: list[_RawLink] = []
    page = normalize(page_url)
    for el in tree.iter("a", "area"):
        href = (el.get("href") or "").strip()
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        target = normalize(href)
        if target is None or (target == page and "#" in href):
            continue   # not http(s), or an in-page fragment
        text = normalize_space(el.text_content()) if el.tag == "a" else ""
        kind = "text"
        if not text:
            alts = [normalize_space(i.get("alt") or "") for i in el.iter("img")] + [el.get("alt") or ""]
            text = normalize_space(" ".join(a for a in alts if a) or el.get("title") or el.get("aria-label") or "")
            kind = "image" if any(True for _ in el.iter("img", "svg", "picture")) or el.tag == "area" else "empty"
            kind = kind if text or kind == "image" else "empty"
        rel = " ".join(sorted({r.lower() for r in (el.get("rel") or "").split()}))
        out.append(_RawLink(el, target, text, kind, rel))
    return out


def _is_chrome(el: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    chain: list[etree._Element] = []
    node: etree._Element | None = el
    result = False
    while node is not None:
        if node in memo:
            result = memo[node]
            break
        chain.append(node)
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in CHROME_TAGS or (node.get("role") or "").strip().lower() in CHROME_ROLES:
            result = True
            break
        if tag not in HINTLESS_TAGS:
            names = f"{node.get('class') or ''} {node.get('id') or ''}"
            if names.strip() and CHROME_HINT.search(names):
                result = True
                break
        node = node.getparent()
    for n in chain:
        memo[n] = result
    return result


def _mark_chrome(tree: lxml.html.HtmlElement, memo: dict[etree._Element, bool]) -> list[str]:
    """Marks the outermost chrome elements (see :func:`_is_chrome`) that hold little of the page's text, and
    returns the XPath that selects them, for trafilatura to prune before it extracts.

    trafilatura keeps some chrome when it sits beside a short article ("Older: … Newer: …" after the post body,
    "Tagged: …"), and such a line would then pass for a sentence of the page. A chrome element holding a third
    or more of the page's text is not marked: a class name that looks like chrome ("has-sidebar") on the
    element around the article must not cost the article."""
    body = tree.find("body")
    if body is None:
        return []
    total = len(body.text_content())
    for el in body.iter():
        if not isinstance(el.tag, str) or not _is_chrome(el, memo):
            continue
        parent = el.getparent()
        if parent is not None and memo.get(parent, False):
            continue                                    # inside an outer chrome element, marked or too big
        if len(el.text_content()) * 3 < total:
            el.set(CHROME_MARK, "")
    return [f"//*[@{CHROME_MARK}]"]


def _container(tree: lxml.html.HtmlElement, blocks: list[str],
               memo: dict[etree._Element, bool]) -> etree._Element | None:
    """The deepest element holding most of the text trafilatura kept."""
    main = " ".join(blocks)
    weights: Counter[etree._Element] = Counter()
    total = 0
    if main:
        for el in tree.iter(*TEXT_BLOCKS):
            text = normalize_space(el.text_content())
            if len(text) < MIN_BLOCK_CHARS or text not in main or _is_chrome(el, memo):
                continue
            total += len(text)
            for anc in el.iterancestors():
                weights[anc] += len(text)
    if total:
        best: etree._Element | None = None
        best_depth = -1
        for el, weight in weights.items():
            if weight >= CONTAINER_SHARE * total:
                depth = sum(1 for _ in el.iterancestors())
                if depth > best_depth:
                    best, best_depth = el, depth
        return best
    fallback = tree.xpath("//main | //*[@role='main'] | //article")
    return fallback[0] if fallback else tree.find("body")


def _fallback_blocks(tree: lxml.html.HtmlElement) -> list[str]:
    memo: dict[etree._Element, bool] = {}
    roots = tree.xpath("//main | //*[@role='main'] | //article") or [tree.find("body")]
    blocks: list[str] = []
    for el in roots[0].iter(*TEXT_BLOCKS) if roots[0] is not None else ():
        nested = any(isinstance(a.tag, str) and a.tag in TEXT_BLOCKS for a in el.iterancestors())
        if nested or _is_chrome(el, memo):
            continue
        text = normalize_space(el.text_content())
        if text:
            blocks.append(text)
    return blocks


def _place_links(tree: lxml.html.HtmlElement, raw: list[_RawLink], blocks: list[str],
                 refs: Counter[tuple[str, str]], trailing_slash: str,
                 memo: dict[etree._Element, bool]) -> list[Link]:
    container = _container(tree, blocks, memo)
    inside: set[etree._Element] = set(container.iter("a", "area")) if container is not None else set()
    texts: dict[etree._Element, str] = {}
    links: list[Link] = []
    for pos, r in enumerate(raw):
        chrome = _is_chrome(r.el, memo)
        key = (r.target, r.anchor)
        kept = not chrome and refs[key] > 0
        if kept:
            refs[key] -= 1
        content = not chrome and (kept or r.el in inside)
        target = r.target if trailing_slash == "keep" else (normalize(r.target, trailing_slash) or r.target)
        links.append(Link(target, r.anchor, r.kind, r.rel, "content" if content else "boilerplate",
                          _sentence(r.el, r.anchor, texts, precise=content), pos))
    return links


def _sentence(el: etree._Element, anchor: str, texts: dict[etree._Element, str], precise: bool) -> str:
    """The sentence around a link; for boilerplate links, the (clipped) text of its block."""
    block = el
    for anc in el.iterancestors():
        block = anc
        if isinstance(anc.tag, str) and anc.tag in SENTENCE_BLOCKS:
            break
    text = texts.get(block)
    if text is None:
        text = texts[block] = normalize_space("".join(block.itertext()))
    if not precise or len(text) <= len(anchor) + 1:
        return clip(text, anchor)
    before: list[str] = []
    _text_before(block, el, before)
    return sentence_at(text, len(normalize_space("".join(before))), anchor)


def _text_before(node: etree._Element, stop: etree._Element, out: list[str]) -> bool:
    """Append the text of ``node`` that precedes ``stop``; True once ``stop`` is reached."""
    if node is stop:
        return True
    if node.text and isinstance(node.tag, str):
        out.append(node.text)
    for child in node:
        if _text_before(child, stop, out):
            return True
        if child.tail:
            out.append(child.tail)
    return False
