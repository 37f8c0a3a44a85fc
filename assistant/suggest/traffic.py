"""Imported traffic in the suggestions (:mod:`assistant.traffic`). Pure.

* **authority** — link from pages people visit: with traffic imported, a ``--to`` source's authority is half what
  :meth:`assistant.suggest.scoring.Engine.authority` makes of PageRank and referring domains, half its real
  traffic (clicks, else views; log-scaled against the best-visited candidate), so of two equally relevant
  sources the visited one ranks first; the reason says "source gets 1,240 clicks (2026-09-01 to 2026-11-29)".
* **query anchors** — the target's own search queries are the words people use for it: a query written in a
  prose sentence of the source (whole words, case-insensitive, as the source spells it) is the preferred anchor,
  most impressions first, lowered by how often it already is an anchor to the target (variety) and never
  chosen when it already makes up more than half of them (an exact-match overuse); never a generic phrase nor
  one inside a longer phrase that names another page. The reason says "'composition root' is a query /x/ ranks
  8.3 for (900 impressions)".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from assistant.rules.data import is_generic, norm_anchor
from assistant.suggest import phrases
from assistant.suggest.anchors import REPEAT_PENALTY, Names, Placement, in_link, is_taken, source_sentences
from assistant.suggest.candidates import MAX_ANCHOR_WORDS, tokens
from assistant.text import clip
from assistant.trafficdata import QueryStats, Traffic, number

TRAFFIC_SHARE = 0.5          # of a source's authority, when the site has traffic
OVERUSE = 0.5                # a query that is already this share of the target's anchors is not used again
QUERIES = 20                 # the target's most seen queries tried
MIN_SPECIFICITY = 0.1        # a query less specific than this is on nearly every page of the site


def with_traffic(authority: dict[str, float], sources: list[str], traffic: Traffic) -> dict[str, float]:
    """The sources' authority with their traffic blended in (unchanged when none of them has any)."""
    volumes = traffic.volumes()
    top = max((volumes.get(u, 0.0) for u in sources), default=0.0)
    if top <= 0:
        return authority
    return {u: (1 - TRAFFIC_SHARE) * a + TRAFFIC_SHARE * math.log1p(volumes.get(u, 0.0)) / math.log1p(top)
            for u, a in authority.items()}


def traffic_reasons(source: str, traffic: Traffic) -> list[str]:
    visits = traffic.visits(source)
    if visits is None:
        return []
    return [f"source gets {number(visits[0])} {visits[1]} ({traffic.period()})"]


def _pattern(query: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in query.split())
    return re.compile(r"(?<![\w])" + body + r"(?![\w])", re.IGNORECASE)


def _share(query: str, existing: Counter[str]) -> float:
    total = sum(existing.values())
    key = norm_anchor(query)
    return sum(n for a, n in existing.items() if norm_anchor(a) == key) / total if total else 0.0


def query_placement(text: str, title: str, queries: list[QueryStats], existing: Counter[str], names: Names,
                    specificity: Callable[[str], float] | None = None) -> Placement | None:
    """The anchor and sentence of the best of the target's ``queries`` found verbatim in a prose sentence of the
    source (``text`` with its ``title``); None when none is. ``specificity(key)`` (1: on one page of the site, 0:
    on all): a query on nearly every page ("rust" on a Rust blog) names the site, not the target."""
    ranked = sorted(((q, _share(q.query, existing)) for q in queries[:QUERIES]),
                    key=lambda x: (-(x[0].impressions * (1 - REPEAT_PENALTY * x[1])), x[0].query))
    usable = [q for q, share in ranked if share <= OVERUSE and 1 <= len(q.query.split()) <= MAX_ANCHOR_WORDS
              and sum(c.isalpha() for c in q.query) >= 3 and not is_generic(q.query)
              and not phrases.generic(q.query)
              and (specificity is None or specificity(" ".join(tokens(q.query))) >= MIN_SPECIFICITY)]
    if not usable:
        return None
    sents = source_sentences(text, title)
    for q in usable:
        pattern = _pattern(q.query)
        for s in sents:
            for m in pattern.finditer(s):
                if not (is_taken(s, m.start(), m.end(), names.taken) or in_link(s, m.start(), m.end(), names.linked)):
                    anchor = s[m.start():m.end()]
                    return Placement(anchor, clip(s, anchor), False, "query")
    return None


def query_reason(placed: Placement, target: str, traffic: Traffic) -> str | None:
    """"'timeout channel' is a query /blog/context/ ranks 12.1 for (300 impressions)" for a query anchor."""
    if placed.kind != "query":
        return None
    key = norm_anchor(placed.anchor)
    q = next((q for q in traffic.queries.get(target, []) if norm_anchor(q.query) == key), None)
    if q is None:
        return None
    where = f"ranks {q.position:.1f} for" if q.position is not None else "is shown for"
    path = urlsplit(target).path or target
    return f"'{placed.anchor}' is a query {path} {where} ({number(q.impressions)} impressions)"
