"""A real HTTP server on 127.0.0.1 that misbehaves on purpose, for the `assistant ingest` hostile tests.

One small normal site (a home page linking to every bad path, three good article pages linking to
each other, robots.txt) plus paths that time out, drip bytes forever, fail, serve PDFs and images,
exceed the size limit (with and without Content-Length), gzip-bomb, send binary garbage as UTF-8,
loop redirects, redirect off the host, are disallowed by robots.txt, trap a crawler in an endless
calendar or directory tree, forbid following their links, or hang up without a response.

Every request is counted in :attr:`HostileSite.hits` (by path and query, and by Host header) so
the tests can assert what the crawler did *not* fetch.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

SLOW_SECONDS = 4.0            # /slow answers after this long (the tests crawl with --timeout 1)
DRIP_INTERVAL = 0.2           # /drip and /drip-headers send one byte this often ...
DRIP_CAP = 30.0               # ... "forever": capped so that a broken client cannot hang the test run
BIG_BYTES = 300_000           # /big-*: larger than the tests' --max-bytes 200000
BOMB_INFLATED = 1000 * (1 << 20)   # /bomb inflates to ~1 GB
BOMB_CHUNK = 1 << 20

GOOD = ("/articles/internal-linking", "/articles/anchor-text", "/articles/site-structure")
ETAG_PATHS = frozenset({"/", GOOD[0], GOOD[1]})   # GOOD[2] has no validators: re-runs compare body hashes

# path -> the page_errors.reason `assistant ingest` must record for it
BAD: dict[str, str] = {
    "/slow": "timeout",
    "/drip": "timeout",
    "/drip-headers": "timeout",
    "/missing": "http-404",
    "/gone": "http-410",
    "/broken": "http-500",
    "/files/report.pdf": "non-html",
    "/files/logo.png": "non-html",
    "/big-with-length": "too-large",
    "/big-chunked": "too-large",
    "/bomb": "too-large",
    "/garbage": "bad-encoding",
    "/loop/a": "redirect-loop",
    "/offsite": "offsite-redirect",
    "/private/secret": "robots",
    "/hangup": "connection",
    "/reset": "connection",
}
REDIRECT_CHAIN = ("/old", "/moved", GOOD[2])           # 301 then 302, ends on a good page
CALENDAR = "/calendar/"                                 # ?month=N links to N-1 and N+1, forever
DEEP = "/deep/"                                         # /deep/a/ -> /deep/a/a/ -> ... forever
NOFOLLOW_PAGE = "/noindex"                              # meta robots noindex,nofollow
HIDDEN = "/only-linked-from-nofollow"                   # linked only from NOFOLLOW_PAGE
# not linked from the site: compressed copies of GOOD[0] (raw deflate is what many servers really send)
ENCODED = {"/encoded/gzip": "gzip", "/encoded/deflate": "deflate", "/encoded/deflate-raw": "deflate"}

ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"

PARAGRAPHS = {
    GOOD[0]: ("Internal linking", [
        "Internal links connect the pages of one site. They help readers move from a general overview "
        "to the detailed article they actually need, and they tell search engines which pages matter most.",
        "A page that no other page links to is an orphan. Orphans are hard to find for visitors and for "
        "crawlers alike, so every important article should receive links from related content.",
        "Good internal links sit inside the body text, next to the sentence that explains why the target "
        "is worth reading, rather than only in menus, footers and sidebars that repeat on every page.",
    ]),
    GOOD[1]: ("Anchor text", [
        "The anchor text is the visible, clickable part of a link. Descriptive anchors tell the reader "
        "what waits behind the link before they click, which builds trust and reduces bounces.",
        "Generic anchors such as click here or read more waste that chance. They carry no meaning out of "
        "context, and screen reader users who list the links of a page hear nothing useful.",
        "Vary anchors naturally: the same exact phrase on hundreds of links looks mechanical, while a few "
        "honest variations that match the surrounding sentence read well and stay relevant.",
    ]),
    GOOD[2]: ("Site structure", [
        "A clear site structure groups articles by topic so that each hub page links down to its details "
        "and each detail links back up to its hub and across to its closest siblings.",
        "Shallow structures keep every page within a few clicks of the home page. Deep chains of pages "
        "that are only reachable through pagination are rarely visited and rarely refreshed by crawlers.",
        "When the structure changes, redirect the old addresses to the new ones so that existing links, "
        "bookmarks and search results keep working instead of ending on an error page.",
    ]),
}


def gzip_bomb() -> bytes:
    """A valid gzip stream of ~1 MB that inflates to ``BOMB_INFLATED`` zero bytes.

    One megabyte of zeros is deflated once and closed with a full flush, so the block is
    self-contained and byte-aligned; repeating it 1000 times is the deflate stream of 1000 MB of
    zeros (never held in memory). The trailer carries the real CRC-32 and size.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(BOMB_CHUNK)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(BOMB_INFLATED // BOMB_CHUNK):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    final_empty_block = b"\x03\x00"
    trailer = struct.pack("<II", crc, BOMB_INFLATED & 0xFFFFFFFF)
    return header + block * (BOMB_INFLATED // BOMB_CHUNK) + final_empty_block + trailer


@dataclass
class HostileSite:
    """The running server: ``base`` is ``http://127.0.0.1:PORT`` (no trailing slash)."""

    base: str
    port: int
    bomb: bytes
    stop: threading.Event = field(default_factory=threading.Event)
    hits: Counter[str] = field(default_factory=Counter)          # "/path?query" -> requests
    hosts: Counter[str] = field(default_factory=Counter)         # Host header -> requests
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)   # ("/path", status sent)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def home(self) -> str:
        return self.base + "/"

    def hit(self, target: str, host: str) -> None:
        with self.lock:
            self.hits[target] += 1
            self.hosts[host] += 1

    def sent(self, path: str, status: int) -> None:
        with self.lock:
            self.statuses[(path, status)] += 1

    def snapshot(self) -> tuple[Counter[str], Counter[str], Counter[tuple[str, int]]]:
        with self.lock:
            return Counter(self.hits), Counter(self.hosts), Counter(self.statuses)

    def hits_under(self, prefix: str, hits: Counter[str] | None = None) -> int:
        counts = self.snapshot()[0] if hits is None else hits
        return sum(n for target, n in counts.items() if target.startswith(prefix))


def page(title: str, body: str, head: str = "") -> bytes:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>"
            f"<body><nav><a href=\"/\">Home</a></nav><main><article><h1>{title}</h1>{body}</article></main>"
            "<footer><p>Hostile test site</p></footer></body></html>").encode()


def good_page(path: str) -> bytes:
    title, paragraphs = PARAGRAPHS[path]
    others = [p for p in GOOD if p != path]
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    body += (f"<p>Read more about <a href=\"{others[0]}\">{PARAGRAPHS[others[0]][0].lower()}</a> and about "
             f"<a href=\"{others[1]}\">{PARAGRAPHS[others[1]][0].lower()}</a> in the companion articles.</p>")
    return page(title, body)


def home_page() -> bytes:
    targets = [*GOOD, *BAD, REDIRECT_CHAIN[0], f"{CALENDAR}?month=0", DEEP, NOFOLLOW_PAGE]
    items = "".join(f"<li><a href=\"{t}\">{t}</a></li>" for t in targets)
    body = ("<p>This small site collects practical notes about links between pages: how to place them, how to "
            "word them and how to keep the structure of a site easy to crawl for people and for machines.</p>"
            f"<ul>{items}</ul>")
    return page("Hostile home", body)


def calendar_page(month: int) -> bytes:
    body = (f"<p>Events of month {month}. Nothing happens this month, but the calendar happily links to the "
            "previous and the next month forever, like many real event calendars do.</p>"
            f"<p><a href=\"{CALENDAR}?month={month - 1}\">previous month</a> "
            f"<a href=\"{CALENDAR}?month={month + 1}\">next month</a></p>")
    return page(f"Calendar {month}", body)


def deep_page(path: str) -> bytes:
    body = (f"<p>Directory listing of {path}. Every level of this tree links one level deeper, so a naive "
            "crawler walks down forever.</p>"
            f"<p><a href=\"{path}a/\">one level deeper</a></p>")
    return page(f"Deep {path}", body)


def nofollow_page() -> bytes:
    body = ("<p>This page asks robots not to index it and not to follow its links. A polite crawler keeps it "
            "out of the index and never requests the page it links to below.</p>"
            f"<p>The <a href=\"{HIDDEN}\">hidden page</a> is linked from here only.</p>")
    return page("Do not follow", body, head="<meta name=\"robots\" content=\"noindex,nofollow\">")


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(OSError):     # the crawler hung up on a slow, drip or oversized answer
            super().handle()

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        path = urlsplit(self.path).path
        etag = f'"{zlib.crc32(body):08x}"' if status == 200 and path in ETAG_PATHS else None
        if etag and self.headers.get("If-None-Match") == etag:
            self.server.site.sent(path, 304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.server.site.sent(path, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", headers={"Location": location})

    # ------------------------------------------------------------------ routes
    def do_GET(self) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        path = parts.path
        site.hit(self.path, self.headers.get("Host", ""))
        route = ROUTES.get(path)
        if route is not None:
            route(self)
        elif path in PARAGRAPHS:
            self._send(200, good_page(path))
        elif path == CALENDAR:
            month = parse_qs(parts.query).get("month", [""])[0]
            if month.lstrip("-").isdigit():
                self._send(200, calendar_page(int(month)))
            else:
                self._send(404, page("Not found", "<p>No such month.</p>"))
        elif path.startswith(DEEP):
            self._send(200, deep_page(path if path.endswith("/") else path + "/"))
        else:
            self._send(404, page("Not found", "<p>Nothing here.</p>"))

    def home(self) -> None:
        self._send(200, home_page())

    def robots(self) -> None:
        self._send(200, ROBOTS_TXT, "text/plain")

    def slow(self) -> None:
        self.server.site.stop.wait(SLOW_SECONDS)
        self._send(200, page("Slow", "<p>Finally.</p>"))

    def drip(self) -> None:
        """Headers at once, then one body byte every DRIP_INTERVAL seconds (no Content-Length)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        self._drip(b"<p>drip</p>")

    def drip_headers(self) -> None:
        """The status line, then the headers one byte every DRIP_INTERVAL seconds: they never end."""
        self.close_connection = True
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Drip: ")
        self.wfile.flush()
        self._drip(b"a")

    def _drip(self, unit: bytes) -> None:
        self.close_connection = True
        site = self.server.site
        end = time.monotonic() + DRIP_CAP
        i = 0
        while time.monotonic() < end and not site.stop.wait(DRIP_INTERVAL):
            self.wfile.write(unit[i % len(unit): i % len(unit) + 1])
            self.wfile.flush()
            i += 1

    def missing(self) -> None:
        self._send(404, page("Not found", "<p>This page does not exist.</p>"))

    def gone(self) -> None:
        self._send(410, page("Gone", "<p>This page was removed on purpose.</p>"))

    def broken(self) -> None:
        self._send(500, page("Server error", "<p>Something broke.</p>"))

    def pdf(self) -> None:
        self._send(200, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n", "application/pdf")

    def png(self) -> None:
        self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")

    def big_with_length(self) -> None:
        self._send(200, _big_html())

    def big_chunked(self) -> None:
        """Too large, announced by nothing: chunked transfer encoding, no Content-Length."""
        body = _big_html()
        self.server.site.sent("/big-chunked", 200)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 8192):
            part = body[i:i + 8192]
            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def bomb(self) -> None:
        self._send(200, self.server.site.bomb, headers={"Content-Encoding": "gzip"})

    def garbage(self) -> None:
        self._send(200, random.Random(20240611).randbytes(6000))

    def loop_a(self) -> None:
        self._redirect(302, "/loop/b")

    def loop_b(self) -> None:
        self._redirect(302, "/loop/a")

    def old(self) -> None:
        self._redirect(301, REDIRECT_CHAIN[1])

    def moved(self) -> None:
        self._redirect(302, REDIRECT_CHAIN[2])

    def offsite(self) -> None:
        # same server, other host name: a different site for the crawler (and still loopback if followed)
        self._redirect(302, f"http://localhost:{self.server.server_address[1]}{GOOD[0]}")

    def private(self) -> None:
        self._send(200, page("Private", "<p>Robots.txt says no, and you came anyway.</p>"))

    def nofollow(self) -> None:
        self._send(200, nofollow_page())

    def hidden(self) -> None:
        self._send(200, page("Hidden", "<p>A crawler that obeys nofollow never sees this.</p>"))

    def encoded(self) -> None:
        path = urlsplit(self.path).path
        wbits = {"/encoded/gzip": 16 + zlib.MAX_WBITS, "/encoded/deflate": zlib.MAX_WBITS}.get(path, -zlib.MAX_WBITS)
        comp = zlib.compressobj(6, zlib.DEFLATED, wbits)
        body = comp.compress(good_page(GOOD[0])) + comp.flush()
        self._send(200, body, headers={"Content-Encoding": ENCODED[path]})

    def hangup(self) -> None:
        """Read the request, answer nothing, close the connection (a clean FIN)."""
        self.close_connection = True

    def reset(self) -> None:
        """Read the request, answer nothing, reset the connection (RST via SO_LINGER 0)."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


def _big_html() -> bytes:
    sentence = "<p>This page keeps repeating one paragraph until it is far larger than the crawler accepts.</p>\n"
    body = sentence * (BIG_BYTES // len(sentence) + 1)
    return page("Big", body)


ROUTES: dict[str, Callable[[HostileHandler], None]] = {
    "/": HostileHandler.home,
    "/robots.txt": HostileHandler.robots,
    "/slow": HostileHandler.slow,
    "/drip": HostileHandler.drip,
    "/drip-headers": HostileHandler.drip_headers,
    "/missing": HostileHandler.missing,
    "/gone": HostileHandler.gone,
    "/broken": HostileHandler.broken,
    "/files/report.pdf": HostileHandler.pdf,
    "/files/logo.png": HostileHandler.png,
    "/big-with-length": HostileHandler.big_with_length,
    "/big-chunked": HostileHandler.big_chunked,
    "/bomb": HostileHandler.bomb,
    "/garbage": HostileHandler.garbage,
    "/loop/a": HostileHandler.loop_a,
    "/loop/b": HostileHandler.loop_b,
    REDIRECT_CHAIN[0]: HostileHandler.old,
    REDIRECT_CHAIN[1]: HostileHandler.moved,
    "/offsite": HostileHandler.offsite,
    "/private/secret": HostileHandler.private,
    NOFOLLOW_PAGE: HostileHandler.nofollow,
    HIDDEN: HostileHandler.hidden,
    **dict.fromkeys(ENCODED, HostileHandler.encoded),
    "/hangup": HostileHandler.hangup,
    "/reset": HostileHandler.reset,
}


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    site: HostileSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass   # handlers already swallow hang-ups; nothing else is worth printing mid-test


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[HostileSite]:
    """Start the hostile server on a free loopback port for one test module; stop it afterwards."""
    httpd = HostileServer(("127.0.0.1", 0), HostileHandler)
    port = int(httpd.server_address[1])
    httpd.site = HostileSite(base=f"http://127.0.0.1:{port}", port=port, bomb=gzip_bomb())
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd.site
    finally:
        httpd.site.stop.set()       # ends /slow and the drips at once
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
