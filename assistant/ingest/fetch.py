"""The project's only HTTP code: politeness, robots.txt, redirects, size/time limits, retries.

Every network read of a site (pages, robots.txt, sitemaps, prospect pages) goes through
:class:`Fetcher`, so every caller gets the same limits and the same error reasons.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from assistant.settings import CrawlSettings
from assistant.urls import host_key, normalize

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUSES = (429, 500, 502, 503, 504)


class FetchError(Exception):
    """A URL that could not be fetched; ``reason`` is a short stable code, ``detail`` says why."""

    def __init__(self, url: str, reason: str, detail: str, status: int | None = None,
                 redirects: tuple[tuple[int, str], ...] = (), content_type: str = "") -> None:
        super().__init__(f"{url}: {detail}")
        self.content_type = content_type
        self.url = url
        self.reason = reason
        self.detail = detail
        self.status = status
        self.redirects = redirects


@dataclass(frozen=True)
class Response:
    url: str                                  # as requested
    final_url: str                            # after redirects
    status: int
    headers: dict[str, str]                   # lower-case names
    content: bytes
    redirects: tuple[tuple[int, str], ...] = ()   # (status, location) per hop
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _HostState:
    next_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Decoder:
    """Incremental gzip/deflate decoding that never inflates more than ``limit`` bytes (gzip bombs)."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._sniff: bytes | None = None
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self._z: zlib._Decompress | None = None
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj()
            self._sniff = b""     # many servers send raw deflate, without the zlib header RFC 9110 asks for
        else:
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            out = data
        else:
            if self._sniff is not None:
                self._sniff += data
                try:
                    out = self._z.decompress(data, self.limit - self.size + 1)
                except zlib.error:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    data, self._sniff = self._sniff, None
                    out = self._z.decompress(data, self.limit - self.size + 1)
                if self._sniff is not None and len(self._sniff) >= 2:
                    self._sniff = None      # the 2-byte zlib header was accepted
            else:
                out = self._z.decompress(data, self.limit - self.size + 1)
            if self._z.unconsumed_tail:
                out += b"x"  # more output is pending: the limit is exceeded whatever it holds
        self.size += len(out)
        return out


# The deadline of the request the current thread is making (time.monotonic()), read by _DeadlineStream.
_request_deadline = threading.local()


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` for one socket operation, cut to what is left of the current request's deadline."""
    deadline: float | None = getattr(_request_deadline, "at", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's total time limit has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read/write also honours the whole request's deadline.

    httpx only has per-operation timeouts: a server that sends the status line and then one header
    byte every few hundred milliseconds never trips them and would hold a crawl thread for as long as
    it likes. Cutting each operation's timeout to the time left makes ``timeout`` a total limit.
    """

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _bounded(timeout, httpcore.ConnectTimeout),
                                                         local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(
            path, _bounded(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's own transport, its sockets wrapped in :class:`_DeadlineStream`.

    httpx has no public hook for the network backend; when its internals differ the plain transport
    is used and only the body is bounded (the check in :meth:`Fetcher._read`).
    """
    transport = httpx.HTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(pool, httpcore.ConnectionPool) and isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _DeadlineBackend(backend)
    return transport


class Fetcher:
    """A polite HTTP client. Thread-safe; one per process, built by :mod:`assistant.services`."""

    def __init__(self, settings: CrawlSettings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        limits = httpx.Limits(max_connections=max(settings.concurrency * 2, 4))
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            transport=transport if transport is not None else _deadline_transport(limits),
            limits=limits,
        )
        self._hosts: dict[str, _HostState] = {}
        self._hosts_lock = threading.Lock()
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ politeness
    def _wait_turn(self, url: str, delay: float) -> None:
        if delay <= 0:
            return
        key = host_key(url)
        with self._hosts_lock:
            state = self._hosts.setdefault(key, _HostState())
        with state.lock:
            now = time.monotonic()
            if state.next_at > now:
                time.sleep(state.next_at - now)
            state.next_at = time.monotonic() + delay

    def robots(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        """The parsed robots.txt of the URL's host (None when there is none or it cannot be read)."""
        base = urljoin(url, "/robots.txt")
        key = host_key(url)
        with self._robots_lock:
            if key in self._robots:
                return self._robots[key]
        parser: urllib.robotparser.RobotFileParser | None = None
        try:
            resp = self.get(base, accept=None, check_robots=False, max_bytes=500_000)
            if resp.status == 200:
                parser = urllib.robotparser.RobotFileParser(base)
                parser.parse(resp.content.decode("utf-8", errors="replace").splitlines())
        except FetchError:
            parser = None
        with self._robots_lock:
            self._robots[key] = parser
        return parser

    def allowed(self, url: str) -> bool:
        if not self.settings.respect_robots:
            return True
        parser = self.robots(url)
        return parser is None or parser.can_fetch(self.settings.user_agent, url)

    def delay_for(self, url: str) -> float:
        parser = self.robots(url) if self.settings.respect_robots else None
        crawl_delay = parser.crawl_delay(self.settings.user_agent) if parser else None
        return max(self.settings.delay, min(float(crawl_delay or 0), 30.0))

    # ------------------------------------------------------------------ requests
    def get(
        self,
        url: str,
        *,
        accept: tuple[str, ...] | None = HTML_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
        follow: Callable[[str], bool] | None = None,
        check_robots: bool = True,
        max_bytes: int | None = None,
    ) -> Response:
        """GET ``url`` following redirects; raise :class:`FetchError` with a reason code on failure.

        ``accept``: content types allowed (None = any). ``follow``: may the redirect chain go to this URL?
        HTTP 4xx/5xx raise ``http-<status>`` after retries.
        """
        if check_robots and not self.allowed(url):
            raise FetchError(url, "robots", "disallowed by robots.txt")
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return self._get_once(url, accept, etag, last_modified, follow, check_robots, max_bytes)
            except FetchError as exc:
                retryable = exc.reason in ("timeout", "connection") or (exc.status in RETRY_STATUSES)
                if not retryable or attempt == attempts - 1:
                    raise
                time.sleep(min(0.25 * 2**attempt, 2.0))
        raise AssertionError("unreachable")

    def _get_once(self, url: str, accept: tuple[str, ...] | None, etag: str | None, last_modified: str | None,
                  follow: Callable[[str], bool] | None, check_robots: bool, max_bytes: int | None) -> Response:
        outer = getattr(_request_deadline, "at", None)   # a robots.txt read can happen inside a redirect chain
        try:
            return self._get_bounded(url, accept, etag, last_modified, follow, check_robots, max_bytes)
        finally:
            _request_deadline.at = outer

    def _get_bounded(self, url: str, accept: tuple[str, ...] | None, etag: str | None, last_modified: str | None,
                     follow: Callable[[str], bool] | None, check_robots: bool, max_bytes: int | None) -> Response:
        limit = max_bytes or self.settings.max_bytes
        started = time.monotonic()
        deadline = started + self.settings.timeout
        hops: list[tuple[int, str]] = []
        seen = {url}
        current = url
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        while True:
            waiting = time.monotonic()
            self._wait_turn(current, self.delay_for(current) if check_robots else self.settings.delay)
            deadline += time.monotonic() - waiting     # politeness (and a robots.txt read) is not the server's time
            _request_deadline.at = deadline
            try:
                with self._client.stream("GET", current, headers=headers) as resp:
                    status = resp.status_code
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                    if status in REDIRECTS and "location" in resp_headers:
                        target = normalize(urljoin(current, resp_headers["location"])) or ""
                        hops.append((status, target))
                        current = self._next_hop(url, target, seen, hops, follow, check_robots)
                        continue
                    if status >= 400:
                        raise FetchError(url, f"http-{status}", f"HTTP {status} {resp.reason_phrase}".strip(),
                                         status, tuple(hops))
                    ctype = resp_headers.get("content-type", "").split(";")[0].strip().lower()
                    if status == 200 and accept is not None and ctype and ctype not in accept:
                        raise FetchError(url, "non-html", f"content type {ctype} is not HTML", status, tuple(hops),
                                         ctype)
                    declared = resp_headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit and not resp_headers.get("content-encoding"):
                        raise FetchError(url, "too-large", f"body of {int(declared):,} bytes exceeds {limit:,}",
                                         status, tuple(hops), ctype)
                    body = b"".join(self._read(url, resp, limit, deadline, tuple(hops)))
                    return Response(url, current, status, resp_headers, body, tuple(hops),
                                    time.monotonic() - started)
            except httpx.TimeoutException:
                raise FetchError(url, "timeout", f"no answer within {self.settings.timeout:g} s",
                                 redirects=tuple(hops)) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, "connection", f"connection failed: {exc.__class__.__name__}: {exc}",
                                 redirects=tuple(hops)) from None

    def _next_hop(self, url: str, target: str, seen: set[str], hops: list[tuple[int, str]],
                  follow: Callable[[str], bool] | None, check_robots: bool) -> str:
        if not target:
            raise FetchError(url, "bad-redirect", "redirect to an unusable Location", hops[-1][0], tuple(hops))
        if target in seen:
            raise FetchError(url, "redirect-loop", f"redirect loop back to {target}", hops[-1][0], tuple(hops))
        if len(hops) > self.settings.max_redirects:
            raise FetchError(url, "too-many-redirects", f"more than {self.settings.max_redirects} redirects",
                             hops[-1][0], tuple(hops))
        if follow is not None and not follow(target):
            raise FetchError(url, "offsite-redirect", f"redirects off the site to {target}", hops[-1][0],
                             tuple(hops))
        if check_robots and not self.allowed(target):
            raise FetchError(url, "robots", f"redirect target {target} is disallowed by robots.txt",
                             hops[-1][0], tuple(hops))
        seen.add(target)
        return target

    def _read(self, url: str, resp: httpx.Response, limit: int, deadline: float,
              hops: tuple[tuple[int, str], ...]) -> Iterator[bytes]:
        try:
            decoder = _Decoder(resp.headers.get("content-encoding", ""), limit)
        except ValueError as exc:
            raise FetchError(url, "bad-encoding", str(exc), resp.status_code, hops) from None
        for raw in resp.iter_raw(65_536):
            try:
                data = decoder.feed(raw)
            except zlib.error as exc:
                raise FetchError(url, "bad-encoding", f"corrupt compressed body: {exc}", resp.status_code,
                                 hops) from None
            if decoder.size > limit:
                raise FetchError(url, "too-large", f"body exceeds {limit:,} bytes", resp.status_code, hops)
            if time.monotonic() > deadline:
                raise FetchError(url, "timeout", f"body not complete within {self.settings.timeout:g} s",
                                 resp.status_code, hops)
            yield data
