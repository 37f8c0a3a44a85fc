"""A copy of go-blog with one injected flaw per audit rule, and backlink exports (paid and clean ones)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.sites import CORPORA, copy_site

TEMPLATE_POST = "blog/maps/index.html"
CASINO_TEXT = " ".join([
    "Roulette strategy for beginners: place your chips on red or black, watch the wheel spin and collect the "
    "jackpot when the ball lands in your pocket.", "Slot machines pay out according to their volatility, so pick "
    "a casino with generous welcome bonuses and free spins.", "Poker night at the casino rewards patient betting "
    "and reading your opponents across the felt table."] * 5)


@dataclass
class Flaws:
    orphan: str
    seller: str
    link_dump: str
    broken_target: str
    redirect_source: str
    nofollow_target: str
    same_anchor_target: str
    cannibal_anchor: str
    old_post: str
    casino: str
    casino_linker: str
    backlinked_underlinked: str
    exact_match_target: str


def _post(template: str, title: str, date: str, body: str) -> str:
    html = re.sub(r"<title>.*?</title>", f"<title>{title} | The Go Blog</title>", template, count=1, flags=re.S)
    html = re.sub(r'(<h1 class="post-title"[^>]*>).*?(</h1>)', rf"\g<1>{title}\g<2>", html, count=1, flags=re.S)
    html = re.sub(r'<meta property="og:title" content="[^"]*">', f'<meta property="og:title" content="{title}">',
                  html, count=1)
    html = re.sub(r'<time datetime="[^"]*"([^>]*)>[^<]*</time>', rf'<time datetime="{date}"\g<1>>{date}</time>', html,
                  count=1)
    html = re.sub(r'<link rel="canonical" href="[^"]*">', "", html, count=1)
    return re.sub(r'(<article class="post-body"[^>]*>).*?(</article>)', lambda m: m.group(1) + body + m.group(2),
                  html, count=1, flags=re.S)


def _body(site: Path, rel: str) -> str:
    html = (site / rel).read_text()
    match = re.search(r'<article class="post-body"[^>]*>(.*?)</article>', html, flags=re.S)
    assert match, rel
    return match.group(1)


def _inject(site: Path, rel: str, snippet: str) -> None:
    path = site / rel
    html = path.read_text()
    path.write_text(html.replace("</article>", snippet + "</article>", 1))


def _write(site: Path, rel: str, html: str) -> None:
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_text(html)


def build(dst: Path) -> tuple[Path, Flaws]:
    site = copy_site(CORPORA / "go-blog", dst)
    template = (site / TEMPLATE_POST).read_text()
    posts = sorted(p.parent.name for p in (site / "blog").glob("*/index.html"))     # the original posts only
    para = "<p>{}</p>"
    # orphan: in the sitemap, linked from nowhere
    _write(site, "blog/orphan-guide/index.html", _post(template, "A guide nobody links to", "2024-05-01",
                                                       _body(site, "blog/slices-intro/index.html")))
    sitemap = site / "sitemap.xml"
    sitemap.write_text(sitemap.read_text().replace(
        "</urlset>", "<url><loc>http://127.0.0.1:8000/blog/orphan-guide/</loc></url>\n</urlset>"))
    # our own page selling links, with an off-topic outbound casino link
    _write(site, "blog/sponsored-deals/index.html", _post(template, "Advertise with us", "2024-06-01", para.format(
        "Write for us — $150 per dofollow link, sponsored posts welcome. Contact our team for link packages. "
        'Our partner: <a href="https://best-casino-bonus.example/slots">online casino bonus</a>.')))
    # a page with 400 links
    links = " ".join(f'<a href="/blog/{posts[i % len(posts)]}/">post {i}</a>' for i in range(400))
    _write(site, "blog/link-dump/index.html", _post(template, "Every link we have", "2024-07-01", para.format(links)))
    # an internal casino page, linked from a Go post (irrelevant link)
    _write(site, "blog/casino-guide/index.html", _post(template, "Casino roulette and slots guide", "2024-08-01",
                                                       para.format(CASINO_TEXT)))
    # an old copy of a recent post's subject that no recent page links to (forgotten old content)
    _write(site, "blog/go-fix-history/index.html", _post(template, "The history of go fix", "2016-03-01",
                                                         _body(site, "blog/gofix/index.html")))
    _inject(site, "blog/errors-are-values/index.html", para.format(
        'See also <a href="/blog/sponsored-deals/">our partners</a>, <a href="/blog/link-dump/">the link list</a>, '
        'a <a href="/blog/go-fix-history/">history of go fix</a> and <a href="/blog/casino-guide/">winning at '
        'roulette</a>.'))
    # broken, redirected and nofollow internal links
    _inject(site, "blog/defer-panic-and-recover/index.html", para.format(
        'Read the <a href="/blog/no-such-post/">missing post</a>, the <a href="/blog/maps">maps article</a> and '
        '<a href="/blog/pipelines/" rel="nofollow">pipelines</a>.'))
    # one anchor everywhere: six posts link to one post with the same words
    for rel in ("blog/json/index.html", "blog/gob/index.html", "blog/godoc/index.html", "blog/strings/index.html",
                "blog/slices/index.html", "blog/laws-of-reflection/index.html"):
        _inject(site, rel, para.format('Learn about <a href="/blog/image/">image processing in Go</a>.'))
    # anchor cannibalisation: one phrase for two different pages
    _inject(site, "blog/context/index.html", para.format(
        'Start with the <a href="/blog/pipelines/">go concurrency patterns guide</a>.'))
    _inject(site, "blog/io2013-talk-concurrency/index.html", para.format(
        'Start with the <a href="/blog/context/">go concurrency patterns guide</a>.'))
    return site, Flaws(
        orphan="blog/orphan-guide/", seller="blog/sponsored-deals/", link_dump="blog/link-dump/",
        broken_target="blog/no-such-post/", redirect_source="blog/defer-panic-and-recover/",
        nofollow_target="blog/pipelines/", same_anchor_target="blog/image/",
        cannibal_anchor="go concurrency patterns guide", old_post="blog/go-fix-history/",
        casino="blog/casino-guide/", casino_linker="blog/errors-are-values/",
        backlinked_underlinked="blog/gouk15/", exact_match_target="blog/maps/")


AHREFS_HEADER = ["Referring page title", "Referring page URL", "Domain rating", "UR", "Target URL", "Anchor",
                 "Left context", "Right context", "Type", "Nofollow", "UGC", "Sponsored", "First seen", "Last seen",
                 "Lost"]
CLEAN = [  # (title, source, target path, anchor): relevant sites, natural anchors
    ("Practical tips for Go maps", "https://gophers.example/posts/maps-tips", "blog/maps/", "the Go blog"),
    ("Golang Weekly issue 400", "https://golangweekly.example/issues/400", "blog/maps/", "blog.golang.org"),
    ("Hash tables compared", "https://datastructures.example/hash-tables", "blog/maps/", "Go maps in action"),
    ("Learning Go in 2026", "https://learn.example/go-2026", "blog/maps/", "this article on maps"),
    ("Go conference UK recap", "https://conf.example/gophercon-uk", "blog/gouk15/", "GopherCon UK"),
    ("Go maps deep dive", "https://deep.example/go-maps", "blog/maps/", "Go maps in action"),
    ("Map iteration order in Go", "https://iter.example/map-order", "blog/maps/", "excellent overview"),
    ("Concurrency reading list", "https://reading.example/concurrency", "blog/pipelines/", "pipelines post"),
]
PAID = [  # what a link seller, a casino and a sponsored placement look like
    ("Best online casino slots 2026", "https://casino-wins.example/best-slots", "blog/maps/", "go maps"),
    ("Write for us – $150 per dofollow link", "https://seo-links.example/write-for-us", "blog/maps/", "maps"),
    ("Top 10 payday loans", "https://quick-loans.example/payday", "blog/gouk15/", "go conference"),
]


def ahrefs_export(path: Path, base: str) -> Path:
    """An Ahrefs-style backlinks export (UTF-16LE with BOM, tab-separated) with clean and paid rows."""
    rows = ["\t".join(AHREFS_HEADER)]
    for i, (title, src, target, anchor) in enumerate(CLEAN + PAID):
        sponsored = "false"
        rows.append("\t".join([title, src, str(20 + i), "10", base + target, anchor, "read", "here", "text",
                               "false", "false", sponsored, "2025-01-02", "2026-10-01", "false"]))
    rows.append("\t".join(["Great Go resources", "https://sponsor.example/resources", "40", "12", base + "blog/maps/",
                           "Go maps guide", "", "", "text", "false", "false", "true", "2025-02-02", "2026-10-01",
                           "false"]))
    path.write_bytes(("\n".join(rows) + "\n").encode("utf-16"))   # "utf-16" writes the LE BOM on little-endian
    return path


def semrush_farm_export(path: Path, base: str) -> Path:
    """A Semrush export with one link-farm page (hundreds of external links)."""
    header = ["Page ascore", "Source title", "Source url", "Target url", "Anchor", "External links", "Internal links",
              "Nofollow", "Sponsored", "Ugc", "Text", "Frame", "Form", "Image", "Sitewide", "First seen", "Last seen",
              "New link", "Lost link"]
    row = ["3", "Links directory page 7", "https://directory-farm.example/page7", base + "blog/maps/", "golang",
           "650", "3", "false", "false", "false", "true", "false", "false", "false", "false", "2025-03-01",
           "2026-10-01", "false", "false"]
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    return path
