"""Domains: the registrable domain a prospect row is deduplicated by, and spammy-looking domain names. Pure.

The registrable domain ("eTLD+1": ``blog.example.co.uk`` -> ``example.co.uk``) comes from the Public Suffix
List bundled with ``tld`` (the library trafilatura's URL handling already uses); for a suffix the list does not
know (``.example``, ``.internal``) the last two labels; IP addresses and single-label hosts are their own domain.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tld import get_fld

# Top-level domains with the highest share of abuse (spam, phishing, link networks) in Spamhaus' and
# Interisle's yearly reports: free or near-free registrations that link sellers register by the thousand.
ABUSED_TLDS = frozenset({
    "tk", "ml", "ga", "cf", "gq", "top", "xyz", "click", "loan", "loans", "work", "men", "win", "bid", "date",
    "racing", "review", "stream", "download", "party", "trade", "accountant", "cricket", "faith", "science",
    "webcam", "icu", "cyou", "sbs", "cfd", "buzz", "rest", "monster", "bond", "quest", "casino", "bet", "poker",
})
# words link sellers stuff into hyphenated names ("best-cheap-seo-backlinks.com")
SPAM_WORDS = frozenset({
    "best", "cheap", "buy", "free", "top", "seo", "backlink", "backlinks", "link", "links", "guest", "post",
    "posts", "casino", "casinos", "bet", "betting", "poker", "slots", "loan", "loans", "payday", "pills",
    "pharmacy", "deal", "deals", "discount", "bonus", "traffic", "rank", "ranking", "dofollow", "sale",
})
MAX_HYPHENS = 2           # a name of four or more hyphen-joined words is keyword-stuffed
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$|:")


def host_of(url: str) -> str:
    """The URL's host, lower case, without ``www.`` and port."""
    return (urlsplit(url).hostname or "").lower().rstrip(".").removeprefix("www.")


def registrable_domain(url: str) -> str:
    """``example.co.uk`` for ``https://blog.example.co.uk/x``; the bare host for IPs."""
    host = host_of(url)
    if not host or _IP.search(host):
        return host
    found = get_fld(host, fix_protocol=True, fail_silently=True)
    return str(found) if found else ".".join(host.split(".")[-2:])


def spam_domain_reason(domain: str) -> str | None:
    """Why a registrable domain looks like a spam or link-network domain, or None."""
    if not domain or _IP.search(domain):
        return None
    label = domain.split(".", 1)[0]
    tld = domain.rsplit(".", 1)[-1]
    if tld in ABUSED_TLDS:
        return f"the .{tld} top-level domain is among the most abused for spam and link networks"
    words = [w for w in label.split("-") if w]
    stuffed = [w for w in words if w in SPAM_WORDS]
    if label.count("-") > MAX_HYPHENS:
        return f"keyword-stuffed name: {label.count('-') + 1} hyphen-joined words ({label})"
    if len(words) >= 2 and len(stuffed) >= 2:
        return f"keyword-stuffed name ({', '.join(stuffed)} in {label})"
    return None
