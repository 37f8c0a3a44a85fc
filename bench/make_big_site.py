#!/usr/bin/env python3
"""Build a static site of >= 10,000 pages from the two corpora, for the suggestion-latency benchmark.

    python bench/make_big_site.py --corpora ../shared/corpora --out /tmp/big-site [--pages 10000]

Every post of go-blog and rust-blog is cut into parts of a few consecutive body blocks (paragraphs, lists,
code); each part is a page ``/p/<corpus>/<slug>/<k>/`` titled "<post title> (part k)" with the post's date,
previous/next-part links, the post's own in-content links (pointing at the first part of the linked post)
and the usual header/footer boilerplate. Archive pages list 100 parts each; the home page lists the archive pages.
The text is the corpora's own, so ingesting it embeds about as much text as the two blogs together.
"""

from __future__ import annotations

import argparse
import html
import math
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lh

BODY = "post-body"


def posts(root: Path) -> list[tuple[str, str, str, list[etree._Element]]]:
    """(key, title, date, body blocks) of every post page of one corpus; key = the page's path."""
    out = []
    for path in sorted(root.rglob("index.html")):
        doc = lh.parse(str(path)).getroot()
        body = doc.find_class(BODY)
        if not body:
            continue
        key = "/" + str(path.parent.relative_to(root)).strip(".") + "/"
        title = (doc.findtext(".//title") or key).split(" - ")[0].strip()
        when = doc.xpath("string(//time/@datetime)")[:10]
        blocks = [b for b in body[0] if isinstance(b.tag, str)]
        out.append((key.replace("//", "/"), title, when, blocks))
    return out


def page(title: str, when: str, body: str, nav: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)} - Big Site</title>"
            f"</head><body><header><nav><a href='/'>Home</a> <a href='/archive/1/'>Archive</a></nav></header>"
            f"<main><article><h1>{html.escape(title)}</h1><time datetime='{when}'>{when}</time>{body}</article>"
            f"<p class='pager'>{nav}</p></main><footer><a href='/about/'>About</a></footer></body></html>")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pages", type=int, default=10_000)
    args = ap.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    all_posts = [(name, *p) for name in ("go-blog", "rust-blog") for p in posts(args.corpora / name)]
    blocks_total = sum(len(p[4]) for p in all_posts)
    per_part = max(1, math.floor(blocks_total / args.pages))
    while sum(math.ceil(len(p[4]) / (per_part + 1)) for p in all_posts) >= args.pages:
        per_part += 1
    first_part = {(name, key): f"/p/{name}{key}1/" for name, key, *_ in all_posts}
    parts: list[str] = []
    for name, key, title, when, blocks in all_posts:
        chunks = [blocks[i:i + per_part] for i in range(0, len(blocks), per_part)] or [[]]
        for k, chunk in enumerate(chunks, 1):
            for el in chunk:
                for a in el.iter("a"):
                    href = a.get("href") or ""
                    target = first_part.get((name, urlsplit(href).path)) if href.startswith("/") else None
                    if target:
                        a.set("href", target)
            nav = " ".join(x for x in (
                f"<a href='/p/{name}{key}{k - 1}/'>Previous part</a>" if k > 1 else "",
                f"<a href='/p/{name}{key}{k + 1}/'>Next part</a>" if k < len(chunks) else "") if x)
            body = "".join(etree.tostring(el, encoding="unicode", method="html") for el in chunk)
            url = f"/p/{name}{key}{k}/"
            folder = args.out / url.strip("/")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "index.html").write_text(page(f"{title} (part {k})", when, body, nav), encoding="utf-8")
            parts.append(url)
    for n in range(0, len(parts), 100):
        links = "".join(f"<li><a href='{u}'>{u}</a></li>" for u in parts[n:n + 100])
        more = f"<a href='/archive/{n // 100 + 2}/'>Older</a>" if n + 100 < len(parts) else ""
        folder = args.out / "archive" / str(n // 100 + 1)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(page(f"Archive {n // 100 + 1}", "", f"<ul>{links}</ul>", more))
    (args.out / "about").mkdir(parents=True, exist_ok=True)
    (args.out / "about" / "index.html").write_text(page("About", "", "<p>Parts of two blogs.</p>", ""))
    archives = "".join(f"<li><a href='/archive/{n + 1}/'>Archive {n + 1}</a></li>"
                       for n in range(math.ceil(len(parts) / 100)))
    (args.out / "index.html").write_text(page("Big Site", "", f"<ul>{archives}</ul>", ""))
    print(f"{len(parts)} parts of {len(all_posts)} posts ({per_part} blocks each) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
