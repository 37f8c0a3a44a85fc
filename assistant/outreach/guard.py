"""The guard every outreach email passes before anyone sees it. Pure: a draft and its grounding in, reasons out.

A draft is rejected when it

* offers money, payment, gifts, free products, discounts or any exchange ("link swap", "I'll link back",
  "in return") — earned links are asked for, never bought or traded;
* asks for a specific anchor text, an exact-match or keyword link, or a dofollow link;
* claims what our page does not say: a number or statistic that is not in our page, or a boast
  ("award-winning", "trusted by", "#1") our page never makes;
* copies the prospect's page (eight or more words in a row of its excerpt) instead of writing to its author;
* links anywhere but our page and the prospect's site, or does not give our page's URL;
* holds a placeholder such as "[Your Name]";
* mentions gambling, pharma, loans or adult content (the ``paid-link`` families) our page does not talk about;
* does not name the prospect page's real title, or is empty.

The checks read the draft's own words: the two titles are taken out first (a title such as "Pay as you go"
is the prospect's, not an offer), URLs and domains too (their digits are not statistics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.rules.paid import OFF_TOPIC

_OFFER = re.compile(
    r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:usd|eur|gbp|dollars?|euros?|pounds|bucks)\b|"
    r"\b(?:pay|pays|paid|paying|payment|payments|payout|compensat\w*|remunerat\w*|reimburs\w*|fees?|"
    r"honorarium|commission|bount(?:y|ies)|cash|money|monetary|invoices?|pricing)\b|"
    r"\b(?:gifts?|gift\s*cards?|vouchers?|coupons?|discounts?|promo\s*codes?|swag|merch(?:andise)?|rewards?|"
    r"incentives?|bonus(?:es)?|perks?|donat\w+|sponsor\w*|freebies?|giveaways?)\b|"
    r"\bfree\s+(?:of\s+charge|gifts?|products?|samples?|trials?|cop(?:y|ies)|accounts?|subscriptions?|"
    r"licen[cs]es?|access|months?|years?|upgrades?|credits?|shipping|units?|tickets?|consultations?)\b|"
    r"\blink\s*(?:exchanges?|swaps?|trades?|trading|swapping)\b|\b(?:exchange|swap|trade)\s+(?:of\s+)?links?\b|"
    r"\breciprocal\w*|\blink(?:ing)?\s+back\b|\breturn\s+the\s+(?:favou?r|link)\b|"
    r"\bin\s+(?:exchange|return)\b|\bquid\s+pro\s+quo\b|"
    r"\b(?:link|linking|links)\s+(?:to\s+)?(?:you|your\s+(?:site|blog|page|post|article|website))\b|"
    r"\b(?:promote|feature|share|tweet|retweet|boost)\s+(?:you|your)\b",
    re.IGNORECASE)
_ANCHOR = re.compile(
    r"\banchors?\b|\banchor\s*text|\bexact[\s-]*match|\bkeywords?\b|\bkeyword[\s-]*rich|\b(?:do|no)[\s-]?follow\b|"
    r"\b(?:link|hyperlink)\s+(?:the\s+)?(?:words?|phrases?|terms?|text)\b|"
    r"\b(?:link|hyperlink)\w*\b[^.?!\n]{0,60}?\b(?:with|using|as|on|under)\s+(?:the\s+)?"
    r"(?:text\s+|phrases?\s+|words?\s+|terms?\s+)?[\"“‘«']|"
    r"\b(?:use|using)\s+(?:the\s+)?(?:text|phrase|words?|term)\s+[\"“‘«']",
    re.IGNORECASE)
_BOAST = re.compile(
    r"award[\s-]winning|\bworld'?s\s+(?:best|leading|first|largest)|industry[\s-]leading|market[\s-]leading|"
    r"#\s?1\b|\bnumber\s+one\b|\bmost\s+(?:popular|trusted|read|visited|comprehensive|complete|authoritative)\b|"
    r"\btrusted\s+by\b|\b(?:millions|thousands|hundreds)\s+of\b|\bguarantee\w*|\bproven\b|\bultimate\b|"
    r"\bdefinitive\b|\bexperts?\s+agree\b|\bstudies\s+show\b|"
    r"\b(?:significantly|dramatically|drastically|massively|vastly|greatly)\s+(?:improv|boost|speed|increas|reduc|"
    r"enhanc|faster|better|fewer|more|less)\w*|\bgame[\s-]?chang\w*|\brevolutioni[sz]\w*|\bunmatched\b|"
    r"\bunparalleled\b|\bbest[\s-]in[\s-]class\b|\bblazing(?:ly)?[\s-]fast\b",
    re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s?%?")
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_URL = re.compile(_LINK.pattern + r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/[^\s<>\"')\]]*)?|"
                  r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/[^\s<>\"')\]]*)?", re.IGNORECASE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-",
                         "—": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,40}\]|\{\{?[^}\n]{1,40}\}\}?|<[A-Z][^>\n]{0,40}>")
COPIED_WORDS = 8


@dataclass(frozen=True)
class Grounding:
    """What a draft may rely on: the prospect page's real title and excerpt, our page's real text."""

    prospect_title: str
    prospect_url: str
    prospect_text: str              # the excerpt the model was shown
    our_title: str
    our_url: str
    our_text: str                   # our page's title, description and main text


def flat(text: str) -> str:
    """Case-folded, quotes and dashes unified, whitespace collapsed: how texts are compared."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip().casefold()


def _own_words(text: str, g: Grounding) -> str:
    """The draft without the two titles, URLs and domains: the words the draft itself says."""
    out = flat(text)
    for title in sorted({flat(g.prospect_title), flat(g.our_title)} - {""}, key=len, reverse=True):
        out = out.replace(title, " ")
    return _URL.sub(" ", out)


def _numbers(text: str) -> set[str]:
    return {m.group(0).replace(" ", "").rstrip(".,") for m in _NUMBER.finditer(text)}


def _hosts(url: str) -> str:
    return re.sub(r"^https?://", "", url.lower()).split("/", 1)[0].rstrip(".,;:").removeprefix("www.")


def _copied(text: str, source: str, ours: str, n: int = COPIED_WORDS) -> str:
    """The first run of ``n`` words of ``text`` that appears in ``source`` and not in our own text ('' if none)."""
    tokens = re.findall(r"\w+", text)
    grams = set(_ngrams(re.findall(r"\w+", source), n)) - set(_ngrams(re.findall(r"\w+", ours), n))
    return next((" ".join(g) for g in _ngrams(tokens, n) if g in grams), "")


def _ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def check(subject: str, body: str, g: Grounding) -> list[str]:
    """Why the draft must not be sent (empty when it passes)."""
    problems: list[str] = []
    if not subject.strip():
        problems.append("the subject is empty")
    if len(body.split()) < 15:
        problems.append("the body is empty or too short to be an email")
    whole = f"{subject}\n{body}"
    title = flat(g.prospect_title)
    if not title or title.rstrip(".!?") not in flat(whole):
        problems.append(f"does not mention the prospect page's title “{g.prospect_title}”")
    own = _own_words(whole, g)
    for pattern, what in ((_OFFER, "offers payment, a gift or an exchange"),
                          (_ANCHOR, "asks for a specific anchor text or link attribute")):
        hit = pattern.search(own)
        if hit:
            problems.append(f"{what} (“{hit.group(0).strip()}”)")
    ours = flat(f"{g.our_title} {g.our_text}")
    allowed = _numbers(ours)
    invented = sorted(n for n in _numbers(own) if n not in allowed and n.rstrip("%") not in allowed)
    if invented:
        problems.append(f"states numbers our page does not contain ({', '.join(invented[:5])})")
    boast = _BOAST.search(own)
    if boast and flat(boast.group(0)) not in ours:
        problems.append(f"claims what our page does not say (“{boast.group(0)}”)")
    for name, pattern in OFF_TOPIC.items():
        hit = pattern.search(own)
        if hit and not pattern.search(ours):
            problems.append(f"mentions {name} (“{hit.group(0)}”), which our page does not talk about")
    copied = _copied(own, flat(g.prospect_text), ours)
    if copied:
        problems.append(f"copies the prospect page instead of writing to its author (“{copied}”)")
    placeholder = _PLACEHOLDER.search(whole)
    if placeholder:
        problems.append(f"holds the placeholder {placeholder.group(0)}")
    if flat(g.our_url) not in flat(body):
        problems.append(f"does not give our page's URL {g.our_url}")
    allowed_hosts = {_hosts(g.our_url), _hosts(g.prospect_url)}
    for m in _LINK.finditer(flat(whole)):
        host = _hosts(m.group(0))
        if host not in allowed_hosts and not any(host.endswith("." + h) or h.endswith("." + host)
                                                 for h in allowed_hosts):
            problems.append(f"links to {m.group(0)}, which is neither our page nor the prospect's site")
            break
    return problems
