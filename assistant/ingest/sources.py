"""What to ingest: a start URL (crawl), a sitemap (index, .xml.gz, plain text), a file of URLs, or a folder.

Parsing is pure; the sitemap reader takes the :class:`~assistant.ingest.fetch.Fetcher` it reads through.
trafilatura's own sitemap walker is not used: it fetches with its own HTTP client and drops URLs
on IP hosts (0 of 751 kept for a sitemap served on 127.0.0.1), so we parse with lxml.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree

from assistant.ingest.fetch import Fetcher, FetchError
from assistant.urls import host_key, normalize

MAX_SITEMAPS = 1000
SITEMAP_BYTES = 50_000_000        # the sitemaps protocol's own limit, uncompressed


class SourceError(Exception):
    """The SOURCE argument cannot be used; the message names the file/URL (and line)."""


@dataclass
class Seed:
    url: str
    depth: int
    in_sitemap: bool = False


@dataclass
class Source:
    kind: str                         # crawl | sitemap | list | folder
    label: str                        # what the user passed, for the run record
    seeds: list[Seed]
    hosts: set[str]
    follow_links: bool                # crawl: discover pages through links
    files: dict[str, Path] = field(default_factory=dict)      # folder: URL -> file
    warnings: list[str] = field(default_factory=list)
    sitemap_urls: list[str] = field(default_factory=list)     # URLs listed in sitemaps (for orphans)


def looks_like_sitemap(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith((".xml", ".xml.gz", ".gz")) or "sitemap" in path.rsplit("/", 1)[-1]


def from_argument(arg: str, fetcher: Fetcher, *, base_url: str | None, trailing_slash: str,
                  max_urls: int, use_robots_sitemaps: bool) -> Source:
    """Turn the SOURCE argument into seeds."""
    path = Path(arg)
    if "://" not in arg and path.is_dir():
        return from_folder(path, base_url or "http://localhost/", trailing_slash)
    if "://" not in arg and path.is_file():
        return from_url_list(path, trailing_slash)
    url = normalize(arg, trailing_slash)
    if url is None:
        raise SourceError(f"{arg!r} is not an http(s) URL, an existing file of URLs, or a folder of HTML files")
    if looks_like_sitemap(url):
        urls, warnings = read_sitemaps([url], fetcher, trailing_slash, max_urls)
        if not urls:
            raise SourceError(f"sitemap {url} lists no page URLs" + (f" ({warnings[0]})" if warnings else ""))
        seeds = [Seed(u, 1, True) for u in urls]
        return Source("sitemap", url, seeds, {host_key(url)}, False, warnings=warnings, sitemap_urls=urls)
    source = Source("crawl", url, [Seed(url, 0)], {host_key(url)}, True)
    if use_robots_sitemaps:
        robots = fetcher.robots(url)
        listed = [normalize(s, trailing_slash) for s in (robots.site_maps() or [])] if robots else []
        sitemaps = [s for s in listed if s and host_key(s) == host_key(url)]
        if sitemaps:
            urls, source.warnings = read_sitemaps(sitemaps, fetcher, trailing_slash, max_urls)
            source.sitemap_urls = urls
            source.seeds += [Seed(u, 1, True) for u in urls if host_key(u) == host_key(url)]
    return source


def from_url_list(path: Path, trailing_slash: str) -> Source:
    seeds: list[Seed] = []
    warnings: list[str] = []
    hosts: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="strict").splitlines()
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not a UTF-8 text file of URLs ({exc.reason} at byte {exc.start})") from None
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        url = normalize(text.split()[0], trailing_slash)
        if url is None:
            warnings.append(f"{path} line {n}: {text[:80]!r} is not an http(s) URL; skipped")
            continue
        seeds.append(Seed(url, 0))
        hosts.add(host_key(url))
    if not seeds:
        raise SourceError(f"{path}: no http(s) URLs found" + (f" ({len(warnings)} lines skipped)" if warnings else ""))
    return Source("list", str(path), seeds, hosts, False, warnings=warnings)


def from_folder(folder: Path, base_url: str, trailing_slash: str) -> Source:
    base = normalize(base_url if base_url.endswith("/") else base_url + "/", "keep")
    if base is None:
        raise SourceError(f"--base-url {base_url!r} is not an http(s) URL")
    files: dict[str, Path] = {}
    for f in sorted(folder.rglob("*")):
        if f.suffix.lower() not in (".html", ".htm") or not f.is_file():
            continue
        rel = f.relative_to(folder).as_posix()
        if f.name.lower() in ("index.html", "index.htm"):
            rel = rel[: -len(f.name)]
        url = normalize(urljoin(base, rel), trailing_slash)
        if url:
            files.setdefault(url, f)
    if not files:
        raise SourceError(f"folder {folder} holds no .html files")
    seeds = [Seed(u, 0) for u in files]
    return Source("folder", str(folder.resolve()), seeds, {host_key(base)}, False, files=files)


def read_sitemaps(roots: list[str], fetcher: Fetcher, trailing_slash: str,
                  max_urls: int) -> tuple[list[str], list[str]]:
    """Page URLs from sitemaps and sitemap indexes (breadth first, deduplicated, capped)."""
    queue = list(roots)
    seen_maps: set[str] = set()
    urls: dict[str, None] = {}
    warnings: list[str] = []
    while queue and len(seen_maps) < MAX_SITEMAPS and len(urls) < max_urls:
        url = queue.pop(0)
        if url in seen_maps:
            continue
        seen_maps.add(url)
        try:
            resp = fetcher.get(url, accept=None, max_bytes=SITEMAP_BYTES)
            body = _gunzip(resp.content) if resp.content[:2] == b"\x1f\x8b" else resp.content
        except (FetchError, OSError, EOFError, zlib.error) as exc:
            warnings.append(f"sitemap {url}: {getattr(exc, 'detail', exc)}")
            continue
        pages, children = parse_sitemap(body, url)
        queue.extend(c for c in (normalize(c, "keep") for c in children) if c)
        for page in pages:
            norm = normalize(page, trailing_slash)
            if norm:
                urls.setdefault(norm)
    return list(urls)[:max_urls], warnings


def _gunzip(data: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
        out = fh.read(SITEMAP_BYTES + 1)
    if len(out) > SITEMAP_BYTES:
        raise OSError(f"uncompressed sitemap exceeds {SITEMAP_BYTES:,} bytes")
    return out


def parse_sitemap(body: bytes, url: str) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of an XML urlset / sitemapindex, or a plain-text list."""
    head = body.lstrip()[:200].lower()
    if not head.startswith(b"<"):
        lines = body.decode("utf-8", errors="replace").splitlines()
        return [urljoin(url, x.strip()) for x in lines if x.strip().startswith(("http://", "https://"))], []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    locs = []
    for entry in root.iter("{*}url", "{*}sitemap"):       # not image:loc / video:loc
        loc = entry.find("{*}loc")
        if loc is not None and (loc.text or "").strip():
            locs.append(urljoin(url, (loc.text or "").strip()))
    if etree.QName(root).localname == "sitemapindex":
        return [], locs
    return locs, []
