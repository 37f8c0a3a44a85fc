"""The URL guard: a URL a question names is used only when it is a page of the site (one of the workspace's hosts)
and that host is not a private, loopback, link-local, reserved or multicast address, written as an IP literal in
any spelling or resolved through DNS; anything else is refused with one short sentence, so no later change (a
fetch for fresher facts, an unfurl) can turn the Slack bot or a tool into a probe of the internal network (SSRF).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable

from assistant.urls import host_port

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# any scheme: "file://", "gopher://" and "ftp://" are refused like foreign hosts
ANY_URL = re.compile(r"\b[a-z][a-z0-9+.\-]{0,20}://[^\s<>\"'`]+", re.I)
_IPV4_LEGACY = re.compile(r"[0-9a-fx.]+", re.I)      # 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1
DNS_TTL = 300.0

REFUSED = ("I only look at pages of this site ({hosts}), and that link is not one of them, so I won't use it. "
           "Name the page by its path instead, e.g. /blog/some-post/.")


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one, in any spelling a resolver accepts (``[::1]``, ``127.1``,
    ``2130706433``, ``0x7f.0.0.1``); None for a name."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _IPV4_LEGACY.fullmatch(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def is_public(ip: IPAddress) -> bool:
    """False for private, loopback, link-local, reserved, multicast, unspecified and shared addresses, also
    when an IPv4 address hides in IPv6 (mapped, 6to4, Teredo)."""
    inner: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        inner += [a for a in (ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())) if a is not None]
    return all(a.is_global and not (a.is_private or a.is_loopback or a.is_link_local or a.is_reserved
                                    or a.is_multicast or a.is_unspecified) for a in inner)


def resolve(host: str) -> list[str]:
    """The addresses ``host`` resolves to ([] when it does not resolve: then it reaches nothing)."""
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})
    except (OSError, UnicodeError):
        return []


class URLGuard:
    """Refuses questions naming URLs outside the site's hosts or on non-public addresses."""

    def __init__(self, site_urls: Iterable[str], resolver: Callable[[str], list[str]] = resolve) -> None:
        self.hosts = {k for k in map(host_port, site_urls) if k is not None}
        self._resolve = resolver
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def allows(self, url: str) -> bool:
        key = host_port(url.rstrip(".,;:!?)"))
        if key is None or key not in self.hosts:
            return False
        host = key[0]
        ip = parse_ip(host)
        if ip is not None:
            return is_public(ip)
        return self._public_name(host)

    def refusal(self, question: str) -> str | None:
        """The short sentence to answer instead, when ``question`` names a URL the bot won't use."""
        if all(self.allows(m.group(0)) for m in ANY_URL.finditer(question)):
            return None
        shown = ", ".join(sorted(h if p in (80, 443) else f"{h}:{p}" for h, p in self.hosts)[:3]) or "none yet"
        return REFUSED.format(hosts=shown)

    def _public_name(self, host: str) -> bool:
        """Every address the name resolves to is public (cached a few minutes: the guard runs per question)."""
        with self._lock:
            hit = self._cache.get(host)
        if hit is not None and time.monotonic() - hit[0] < DNS_TTL:
            return hit[1]
        ok = all(ip is not None and is_public(ip) for ip in map(parse_ip, self._resolve(host)))
        with self._lock:
            self._cache[host] = (time.monotonic(), ok)
        return ok
