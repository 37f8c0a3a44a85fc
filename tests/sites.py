"""Serving static sites on 127.0.0.1 for the tests (and the gold counts an independent parser gives)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import lxml.html

from assistant.urls import normalize

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPORA = SHARED / "corpora"
PLACEHOLDER = "http://127.0.0.1:8000"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free loopback port; yields the base URL (with trailing slash)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(directory)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def later(path: Path) -> None:
    """Date an edited file after the last fetch: the test server answers If-Modified-Since by the second, and
    an ingest can fetch, change and fetch again within one."""
    key = str(path.resolve())
    stamp = max(time.time() + 5, _STAMPS.get(key, 0.0) + 2)    # an edit within a second of the last is later too
    _STAMPS[key] = stamp
    os.utime(path, (stamp, stamp))


_STAMPS: dict[str, float] = {}


def copy_site(src: Path, dst: Path, base: str | None = None) -> Path:
    """Copy a corpus; rewrite its sitemap/robots placeholder base to ``base``."""
    shutil.copytree(src, dst)
    if base:
        rebase(dst, base)
    return dst


def rebase(site: Path, base: str) -> None:
    for f in [*site.glob("sitemap*.xml"), site / "robots.txt"]:
        if f.is_file():
            f.write_text(f.read_text(encoding="utf-8").replace(PLACEHOLDER, base.rstrip("/")), encoding="utf-8")


def url_of(site: Path, file: Path, base: str) -> str:
    rel = file.relative_to(site).as_posix()
    if file.name == "index.html":
        rel = rel[: -len("index.html")]
    return urljoin(base, rel)


def gold_content_links(site: Path, base: str) -> dict[str, Counter[str]]:
    """Per page URL: targets of the links inside <article class="post-body"> (independent lxml count).

    In-page fragment links (to the page itself) are left out: they are not links between pages.
    """
    gold: dict[str, Counter[str]] = {}
    for f in sorted(site.rglob("*.html")):
        url = url_of(site, f, base)
        tree = lxml.html.document_fromstring(f.read_bytes())
        tree.make_links_absolute(url)
        targets: Counter[str] = Counter()
        for body in tree.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " post-body ")]'):
            for a in body.iter("a"):
                href = (a.get("href") or "").split("#")[0]
                if href.startswith(("http://", "https://")) and href != url:
                    targets[normalize(href) or href] += 1     # one spelling per URL (%-escapes, IDN hosts)
        gold[url] = targets
    return gold


def make_mini_site(src: Path, dst: Path, n: int) -> list[str]:
    """A small site: the first ``n`` posts of a corpus (by path) and a sitemap listing them.

    Returns the posts' paths (``blog/x/``). Links to posts left out stay (they 404 if crawled);
    ingest it through ``sitemap.xml`` to read exactly these pages.
    """
    posts = sorted(p.parent for p in (src / "blog").glob("*/index.html"))[:n]
    paths = []
    for post in posts:
        rel = post.relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        shutil.copy(post / "index.html", dst / rel / "index.html")
        paths.append(rel.as_posix() + "/")
    (dst / "robots.txt").write_text(f"User-agent: *\nDisallow: /drafts/\n\nSitemap: {PLACEHOLDER}/sitemap.xml\n")
    locs = "".join(f"<url><loc>{PLACEHOLDER}/{p}</loc></url>\n" for p in paths)
    (dst / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                                     f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}</urlset>\n')
    return paths
