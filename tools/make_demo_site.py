#!/usr/bin/env python3
"""Build ``assistant/demo_site/``: a consistent 60-post subset of the rendered Go blog corpus.

The subset is a densely interlinked cluster: starting from the post with the most post-to-post links
(inside ``<article class="post-body">``), it greedily adds the post with the most links to or from
the posts already chosen. Every kept page is rewritten with lxml so the subset has no broken
internal link: in-body links to omitted posts point at ``https://go.dev/blog/<slug>/``; the featured
nav, the recent-posts sidebar, prev/next, the home page and the archive list subset posts only.

Deterministic and re-runnable (the destination is replaced). Standard library and lxml only::

    python tools/make_demo_site.py [--src ../shared/corpora/go-blog] [--dst assistant/demo_site] [--posts 60]

After building it checks that every internal href/src of every page resolves to a file of the
subset and exits with status 1 if one does not.
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml.html import HtmlElement

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SRC = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "go-blog"
DEFAULT_DST = REPO / "assistant" / "demo_site"
PLACEHOLDER = "http://127.0.0.1:8000"
GO_DEV = "https://go.dev"
DOCTYPE = "<!DOCTYPE html>"
POST_BODY = '//*[contains(concat(" ", normalize-space(@class), " "), " post-body ")]'
URL_ATTRS = ("href", "src")

ATTRIBUTION_NOTE = """
## This copy: a {n}-post subset (demo site of link-assistant)

This folder (`assistant/demo_site/`, the sample site of `assistant demo`) holds {n} of the {total}
posts above: a densely interlinked cluster chosen by `tools/make_demo_site.py`, plus the home, archive
and about pages. The site's navigation, "Recent posts" sidebar, previous/next links, home page, archive
(now one page) and sitemap were regenerated to list only these posts; links inside articles that
pointed to omitted posts now point to the original articles on go.dev (`https://go.dev/blog/<slug>/`).
The article texts are otherwise unchanged. © The Go Authors, CC BY 4.0.
"""


@dataclass
class Post:
    slug: str
    title: str
    order: int            # position in the original archive (0 = newest)
    item: HtmlElement     # the archive's <li class="post-item"> for this post
    lastmod: str | None


def cls(name: str) -> str:
    return f'.//*[contains(concat(" ", normalize-space(@class), " "), " {name} ")]'


def parse(path: Path) -> HtmlElement:
    return lxml.html.document_fromstring(path.read_bytes())


def serialize(doc: HtmlElement) -> bytes:
    out: bytes = lxml.html.tostring(doc, doctype=DOCTYPE, encoding="utf-8", method="html")
    return out + b"\n"


def post_slug(href: str, page_url: str) -> str | None:
    """The slug if ``href`` (seen on ``page_url``) is a link to a post of this site."""
    parts = urlsplit(urljoin(page_url, href))
    if f"{parts.scheme}://{parts.netloc}" != PLACEHOLDER:
        return None
    m = re.fullmatch(r"/blog/([^/]+)/?", parts.path)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------------------- reading
def read_posts(src: Path) -> dict[str, Post]:
    """All posts, in archive order, with their archive entries and sitemap lastmod."""
    lastmod = dict(re.findall(r"<loc>[^<]*/blog/([^/<]+)/</loc><lastmod>([^<]+)</lastmod>",
                              (src / "sitemap.xml").read_text(encoding="utf-8")))
    pages = [src / "archive" / "index.html"]
    pages += sorted((src / "archive" / "page").glob("*/index.html"), key=lambda p: int(p.parent.name))
    posts: dict[str, Post] = {}
    for page in pages:
        for item in parse(page).xpath(cls("post-item")):
            a = item.xpath(".//a[@href]")[0]
            slug = post_slug(a.get("href"), PLACEHOLDER + "/archive/")
            if not slug or slug in posts:
                sys.exit(f"odd archive entry {a.get('href')} in {page}")
            posts[slug] = Post(slug, a.text_content(), len(posts), item, lastmod.get(slug))
    on_disk = {p.parent.name for p in (src / "blog").glob("*/index.html")}
    if on_disk != set(posts):
        sys.exit(f"archive and blog/ disagree: {sorted(on_disk ^ set(posts))[:5]}")
    return posts


def body_links(src: Path, posts: dict[str, Post]) -> set[tuple[str, str]]:
    """Distinct post→post links inside the article bodies (self-links left out)."""
    edges: set[tuple[str, str]] = set()
    for slug in posts:
        url = f"{PLACEHOLDER}/blog/{slug}/"
        for body in parse(src / "blog" / slug / "index.html").xpath(POST_BODY):
            for a in body.iter("a"):
                target = post_slug(a.get("href") or "", url)
                if target and target != slug and target in posts:
                    edges.add((slug, target))
    return edges


def choose(posts: dict[str, Post], edges: set[tuple[str, str]], n: int) -> list[str]:
    """Greedy dense cluster: start at the highest degree, add the post most linked with the chosen set."""
    degree: Counter[str] = Counter()
    neighbours: dict[str, list[str]] = {s: [] for s in posts}
    for a, b in sorted(edges):
        degree[a] += 1
        degree[b] += 1
        neighbours[a].append(b)
        neighbours[b].append(a)
    start = min(posts, key=lambda s: (-degree[s], s))
    chosen = [start]
    ties: Counter[str] = Counter(neighbours[start])   # links between each candidate and the chosen set
    while len(chosen) < min(n, len(posts)):
        taken = set(chosen)
        best = min((s for s in posts if s not in taken), key=lambda s: (-ties[s], -degree[s], s))
        chosen.append(best)
        ties.update(neighbours[best])
    return chosen


# ---------------------------------------------------------------------------------------- rewriting
def link_item(post: Post) -> HtmlElement:
    li = lxml.html.Element("li")
    a = lxml.html.Element("a", href=f"/blog/{post.slug}/")
    a.text = post.title
    li.append(a)
    return li


def replace_children(parent: HtmlElement, children: list[HtmlElement]) -> None:
    for child in list(parent):
        parent.remove(child)
    for child in children:
        parent.append(child)


class Site:
    def __init__(self, posts: dict[str, Post], subset: list[str], edges: set[tuple[str, str]]) -> None:
        self.posts = posts
        self.kept = set(subset)
        self.by_date = sorted((posts[s] for s in subset), key=lambda p: p.order)   # newest first
        inside = [(a, b) for a, b in edges if a in self.kept and b in self.kept]
        inlinks = Counter(b for _, b in inside)
        degree = Counter(x for e in inside for x in e)
        self.featured = sorted(self.by_date, key=lambda p: (-inlinks[p.slug], -degree[p.slug], p.slug))[:3]
        self.recent = self.by_date[:10]
        self.rewritten: Counter[str] = Counter()

    def chrome(self, doc: HtmlElement) -> None:
        """Featured nav and recent-posts sidebar, on every page."""
        for ul in doc.xpath(cls("featured")):
            replace_children(ul, [link_item(p) for p in self.featured])
        for section in doc.xpath(cls("recent-posts")):
            for ul in section.iter("ul"):
                replace_children(ul, [link_item(p) for p in self.recent])

    def post_list(self, doc: HtmlElement, posts: list[Post]) -> None:
        for ul in doc.xpath(cls("post-list")):
            replace_children(ul, [copy.deepcopy(p.item) for p in posts])

    def body(self, doc: HtmlElement, slug: str) -> None:
        """In-article links to omitted posts (or to files this site lacks) become go.dev URLs."""
        page_url = f"{PLACEHOLDER}/blog/{slug}/"
        go_page = f"{GO_DEV}/blog/{slug}"          # go.dev serves posts without the trailing slash
        for body in doc.xpath(POST_BODY):
            for el in body.iter():
                if not isinstance(el.tag, str):
                    continue
                for attr in URL_ATTRS:
                    value = el.get(attr)
                    if value is None:
                        continue
                    new = self.outside(value, page_url, go_page)
                    if new != value:
                        el.set(attr, new)
                        self.rewritten[f"{el.tag}@{attr}"] += 1
                srcset = el.get("srcset")
                if srcset:
                    parts = []
                    for cand in srcset.split(","):
                        words = cand.split()
                        if words:
                            words[0] = self.outside(words[0], page_url, go_page)
                        parts.append(" ".join(words))
                    new = ", ".join(parts)
                    if new != srcset:
                        el.set("srcset", new)
                        self.rewritten[f"{el.tag}@srcset"] += 1

    def outside(self, value: str, page_url: str, go_page: str) -> str:
        parts = urlsplit(urljoin(page_url, value))
        if f"{parts.scheme}://{parts.netloc}" != PLACEHOLDER or value.startswith("#"):
            return value
        target = post_slug(value, page_url)
        if target is not None:
            if target in self.kept:
                return value
            return urlunsplit(("https", "go.dev", f"/blog/{target}/", parts.query, parts.fragment))
        if parts.path in ("/", "/archive/", "/about/", "/sitemap.xml", "/robots.txt") \
                or parts.path.startswith("/assets/"):
            return value
        return urljoin(go_page, value)             # a file of go.dev the corpus does not hold

    def post_nav(self, doc: HtmlElement, slug: str) -> None:
        i = next(n for n, p in enumerate(self.by_date) if p.slug == slug)
        older = self.by_date[i + 1] if i + 1 < len(self.by_date) else None
        newer = self.by_date[i - 1] if i > 0 else None
        for nav in doc.xpath(cls("post-nav")):
            links = []
            if older:
                a = lxml.html.Element("a", {"class": "prev", "rel": "prev", "href": f"/blog/{older.slug}/"})
                a.text = f"← {older.title}"
                links.append(a)
            if newer:
                a = lxml.html.Element("a", {"class": "next", "rel": "next", "href": f"/blog/{newer.slug}/"})
                a.text = f"{newer.title} →"
                links.append(a)
            for a in links:
                a.tail = "\n"
            replace_children(nav, links)
            nav.text = "\n"


def set_meta(doc: HtmlElement, title: str, description: str) -> None:
    for t in doc.xpath("//head/title"):
        t.text = f"{title} | The Go Blog"
    for m in doc.xpath('//head/meta[@name="description"]'):
        m.set("content", description)
    for m in doc.xpath('//head/meta[@property="og:title"]'):
        m.set("content", title)


def sitemap(site: Site) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
             f"<url><loc>{PLACEHOLDER}/</loc></url>"]
    for p in site.by_date:
        mod = f"<lastmod>{p.lastmod}</lastmod>" if p.lastmod else ""
        lines.append(f"<url><loc>{PLACEHOLDER}/blog/{p.slug}/</loc>{mod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def build(src: Path, dst: Path, n: int) -> list[str]:
    posts = read_posts(src)
    edges = body_links(src, posts)
    subset = choose(posts, edges, n)
    site = Site(posts, subset, edges)

    if dst.exists():
        if any(dst.iterdir()) and not (dst / "index.html").is_file():
            sys.exit(f"refusing to replace {dst}: it does not look like a generated site")
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    shutil.copytree(src / "assets", dst / "assets")
    shutil.copy2(src / "LICENSE-BSD", dst / "LICENSE-BSD")
    shutil.copy2(src / "robots.txt", dst / "robots.txt")
    attribution = (src / "ATTRIBUTION.md").read_text(encoding="utf-8")
    (dst / "ATTRIBUTION.md").write_text(attribution.rstrip("\n") + "\n" + ATTRIBUTION_NOTE.format(
        n=len(subset), total=len(posts)), encoding="utf-8")
    (dst / "sitemap.xml").write_text(sitemap(site), encoding="utf-8")

    def write(rel: str, doc: HtmlElement) -> None:
        out = dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(serialize(doc))

    home = parse(src / "index.html")
    site.chrome(home)
    site.post_list(home, site.by_date[:10])
    write("index.html", home)

    archive = parse(src / "archive" / "index.html")
    site.chrome(archive)
    site.post_list(archive, site.by_date)
    for nav in archive.xpath(cls("pagination")):      # one page now: no pagination
        prev = nav.getprevious()
        if prev is not None:
            prev.tail = nav.tail
        nav.getparent().remove(nav)
    set_meta(archive, "Archive", f"All {len(site.by_date)} posts")
    write("archive/index.html", archive)

    about = parse(src / "about" / "index.html")
    site.chrome(about)
    write("about/index.html", about)

    for slug in subset:
        doc = parse(src / "blog" / slug / "index.html")
        site.chrome(doc)
        site.body(doc, slug)
        site.post_nav(doc, slug)
        write(f"blog/{slug}/index.html", doc)

    inside = sum(1 for a, b in edges if a in site.kept and b in site.kept)
    print(f"{len(subset)} of {len(posts)} posts, {inside} of {len(edges)} distinct post→post body links inside; "
          f"featured: {', '.join(p.slug for p in site.featured)}")
    print("rewritten in article bodies: " + (", ".join(f"{k} ×{v}" for k, v in sorted(site.rewritten.items()))
                                             or "nothing"))
    return subset


# ---------------------------------------------------------------------------------------- checking
def target_file(site: Path, path: str) -> Path | None:
    rel = path.lstrip("/")
    candidates = [site / rel / "index.html"] if path.endswith("/") else [site / rel, site / rel / "index.html"]
    return next((c for c in candidates if c.is_file()), None)


def broken_links(site: Path) -> list[str]:
    """Every internal href/src/srcset of every page (and every sitemap/robots URL) that has no file."""
    problems = []
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        page_url = f"{PLACEHOLDER}/{rel.removesuffix('index.html')}"
        for el in parse(f).iter():
            if not isinstance(el.tag, str):
                continue
            values = [el.get(a) for a in URL_ATTRS if el.get(a) is not None]
            values += [c.split()[0] for c in (el.get("srcset") or "").split(",") if c.split()]
            for value in values:
                parts = urlsplit(urljoin(page_url, value))
                if f"{parts.scheme}://{parts.netloc}" == PLACEHOLDER and target_file(site, parts.path) is None:
                    problems.append(f"{rel}: {el.tag} {value}")
    for name in ("sitemap.xml", "robots.txt"):
        for url in re.findall(r"https?://[^\s<]+", (site / name).read_text(encoding="utf-8")):
            if not url.startswith(PLACEHOLDER + "/"):
                if url.startswith(PLACEHOLDER) or "127.0.0.1" in url:
                    problems.append(f"{name}: {url}")
                continue
            if target_file(site, urlsplit(url).path) is None:
                problems.append(f"{name}: {url}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC, help="the rendered go-blog corpus")
    ap.add_argument("--dst", type=Path, default=DEFAULT_DST, help="output folder (replaced)")
    ap.add_argument("--posts", type=int, default=60, help="posts to keep")
    args = ap.parse_args(argv)
    build(args.src, args.dst, args.posts)
    problems = broken_links(args.dst)
    size = sum(f.stat().st_size for f in args.dst.rglob("*") if f.is_file())
    pages = len(list(args.dst.rglob("*.html")))
    print(f"{args.dst}: {pages} HTML pages, {size / 1e6:.2f} MB, {len(problems)} broken internal links")
    for p in problems[:20]:
        print("  broken:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
