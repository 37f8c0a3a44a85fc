"""URL normalisation and crawl-scope checks. Pure functions, no I/O."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
FETCHABLE = ("http", "https")
_DIGITS = re.compile(r"\d+")
# characters that stay as they are in a path / query; everything else is percent-encoded once
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/:@!$&'()*+,;=-._~%?"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escape(part: str, safe: str) -> str:
    """RFC 3986 normalisation: decode escaped unreserved characters only, upper-case other escapes,
    encode what may not appear raw (spaces, non-ASCII, a stray '%'). ``%2B`` stays ``%2B``."""
    part = _BARE_PERCENT.sub("%25", part)
    part = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if chr(int(m.group(1), 16)) in _UNRESERVED
                       else "%" + m.group(1).upper(), part)
    return quote(part, safe=safe)


@functools.lru_cache(maxsize=100_000)
def host_key(url: str) -> str:
    """``host[:port]`` in lower case, default ports dropped: what "same site" compares."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        return f"{host}:{port}"
    return host


@functools.lru_cache(maxsize=100_000)
def host_port(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL, lower case, without a trailing dot; None when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:                                  # "http://[::1", "http://x:99999"
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".").lower()
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


@functools.lru_cache(maxsize=100_000)     # a site's pages repeat their navigation's links
def normalize(url: str, trailing_slash: str = "keep") -> str | None:
    """Canonical form of an absolute http(s) URL, or None when it is not one.

    Lower-cases scheme and host, drops default ports, the fragment and empty queries, resolves
    dot segments, percent-encodes consistently and applies the trailing-slash policy
    (``keep`` | ``add`` | ``strip``; ``add`` leaves file-like last segments such as ``a.html`` alone).
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in FETCHABLE or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _remove_dot_segments(_escape(parts.path, _PATH_SAFE) or "/")
    if trailing_slash == "strip" and path != "/":
        path = path.rstrip("/") or "/"
    elif trailing_slash == "add" and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    query = _escape(parts.query, _QUERY_SAFE) if parts.query else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for seg in segments[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    result = "/" + "/".join(out)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def same_site(url: str, hosts: Iterable[str]) -> bool:
    """True when the URL's host (``www.`` ignored) is one of the site's hosts."""
    key = host_key(url).removeprefix("www.")
    return any(key == h.removeprefix("www.") for h in hosts)


def shape(url: str) -> str:
    """The URL with digits and query values masked: ``/cal/2026/11?d=3`` -> ``/cal/#/#?d=``."""
    parts = urlsplit(url)
    query = "&".join(sorted(p.split("=", 1)[0] + "=" for p in parts.query.split("&") if p))
    return f"{_DIGITS.sub('#', parts.path)}?{query}" if query else _DIGITS.sub("#", parts.path)


def trap_reason(url: str, max_length: int) -> str | None:
    """Why a URL looks like a crawl trap on its own, or None."""
    if len(url) > max_length:
        return f"URL longer than {max_length} characters"
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments:
        most = max(segments.count(s) for s in set(segments))
        if most >= 3:
            return "a path segment repeats 3 or more times"
    return None
