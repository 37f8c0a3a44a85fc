"""What keeps the bot safe in a shared channel: allowlists, the URL guard, and redaction of secrets in logs.

The bot never fetches a URL a question names: it answers from the workspace. Still, a question naming a URL
is answered only when the URL is a page of the site (one of the workspace's hosts) and that host is not a
private, loopback, link-local, reserved or multicast address, written as an IP literal in any spelling or
resolved through DNS; anything else is refused with one short sentence, so no later change (a fetch for
fresher facts, an unfurl) can turn the bot into a probe of the internal network (SSRF). The same goes for
the ``response_url`` a slash command brings: the bot posts to it only when it is Slack's (or the configured
Web API's host).

Tokens (``xoxb-…``, ``xapp-…``) and the signing secret are masked in every log record the process writes.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from assistant.urls import host_port

if TYPE_CHECKING:
    from assistant.settings import SlackSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# any scheme: "file://", "gopher://" and "ftp://" are refused like foreign hosts
ANY_URL = re.compile(r"\b[a-z][a-z0-9+.\-]{0,20}://[^\s<>\"'`]+", re.I)
_IPV4_LEGACY = re.compile(r"[0-9a-fx.]+", re.I)      # 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1
TOKEN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")
MASK = "[redacted]"
DNS_TTL = 300.0

REFUSED = ("I only look at pages of this site ({hosts}), and that link is not one of them, so I won't use it. "
           "Name the page by its path instead, e.g. /blog/some-post/.")
NOT_ALLOWED = "I'm not enabled here: ask the workspace admin to add this channel (or you) to the bot's allowlist."


# ------------------------------------------------------------------------------------------------ allowlists

def allowed(settings: SlackSettings, channel: str, user: str, direct: bool = False) -> bool:
    """Whether ``user`` may ask in ``channel``. Empty lists allow everyone; ``allowed_channels`` governs
    channels, so a direct message (``direct``) needs only the user to be allowed."""
    if settings.allowed_users and user not in settings.allowed_users:
        return False
    return direct or not settings.allowed_channels or channel in settings.allowed_channels


# ------------------------------------------------------------------------------------------------ URL guard

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


def trusted_response_url(url: str, api_url: str = "") -> bool:
    """A slash command's ``response_url`` the bot may post to: https on Slack's hosts, or the configured
    Web API's own host (an enterprise grid's gateway, a test's fake)."""
    key = host_port(url)
    if key is None:
        return False
    host, _port = key
    if url.lower().startswith("https://") and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    return bool(api_url) and key == host_port(api_url)


# ------------------------------------------------------------------------------------------------ redaction

def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with Slack tokens and the given secrets masked."""
    out = TOKEN.sub(MASK, text)
    for secret in secrets:
        if secret and len(secret) >= 8:
            out = out.replace(secret, MASK)
    return out


class RedactingFilter(logging.Filter):
    """A handler filter masking tokens and secrets in the message, the traceback and the stack."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:                      # a bad format string: keep what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install_redaction(secrets: Iterable[str]) -> RedactingFilter:
    """Mask ``secrets`` and tokens on every handler of the root logger (where Bolt's, slack_sdk's and our
    records end up) and on logging's last-resort handler."""
    handlers = [*logging.getLogger().handlers, *([logging.lastResort] if logging.lastResort else [])]
    known = {s for h in handlers for f in h.filters if isinstance(f, RedactingFilter) for s in f.secrets}
    found = RedactingFilter(sorted(known | set(secrets)))
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(found)
    return found
