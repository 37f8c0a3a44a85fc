"""Who may link to whom, and the phrases that name a target: title variants, noun-phrase-ish n-grams of the
title and the anchors other pages already use for it. Pure (works on :class:`~assistant.suggest.load.SiteData`).

Mentions are matched on a page's *token string*: its lower-cased word tokens joined by single spaces and
padded with spaces, so ``" " + phrase + " " in tokens`` is a case-insensitive whole-word match at C speed.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from assistant.rules.data import STOPWORDS, is_generic
from assistant.suggest.cache import pack_words, unpack_words
from assistant.suggest.load import SiteData
from assistant.suggest.phrases import generic, is_verb
from assistant.suggest.postings import Postings

log = logging.getLogger(__name__)
T = TypeVar("T")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_TITLE_PARTS = re.compile(r"\s[-–—|]\s|[:?!;,()\[\]]")
MAX_ANCHOR_WORDS = 6
# a page's title, or another form of it (:func:`title_forms`), is one name up to this many words
LONG_NAME_WORDS = 12
# where a title's clauses end ("Hello, World! We Are 18F", "…, part 2 - Deciding whether or not to centralize"); a
# dot inside a word ("pkg.go.dev", "Go 1.21") does not end one
_CLAUSE_END = re.compile(r"[!?:|—–]|\.(?=\s|$)|\s-\s")
# hashtags that close a title ("Making overwrite opt-in #crazyideas"): a tag, not words of its name
HASHTAGS = re.compile(r"(?:\s+#[^\W\d_][\w-]*)+\s*$")
CARDINALS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# a series marker of a title ("…, part 1", "Part 2: …"), its number the group: the series' name is the title without it
SERIES_MARKER = re.compile(r"[\s,:(–—-]*\bpart\s+(\d+|" + "|".join(CARDINALS) + r")\b\)?", re.I)
# How much a phrase of each kind says that a page mentioning it means the target (before specificity):
# the exact title and the anchors authors already chose are the target's own names; a title part
# ("Go 1.18 is released" of "Go 1.18 is released: generics and fuzzing") nearly so; a 2-5-word piece
# of the title is a weaker hint whose weight grows with its length.
KIND_WEIGHT = {"title": 1.0, "anchor": 0.9, "part": 0.8}
KINDS = ("title", "anchor", "part", "ngram")
NGRAM_BASE, NGRAM_STEP = 0.45, 0.1


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())    # lower first: one C call instead of a method call per word


def token_string(text: str) -> str:
    return " " + " ".join(tokens(text)) + " "


def body_text(text: str, title: str) -> str:
    """``text`` without the lines that are the page's title (or a heading part of it)."""
    own = " ".join(tokens(title))
    return "\n".join(line for line in text.split("\n")
                     if not (k := " ".join(tokens(line))) or f" {k} " not in f" {own} ")


@dataclass(frozen=True)
class Phrase:
    key: str          # lower-case tokens joined by spaces
    kind: str         # title | anchor | part | ngram
    weight: float     # KIND_WEIGHT (or the n-gram weight) before specificity


# (page -> position, every phrase's key, kind (a KINDS position) and weight, each page's first phrase)
StoredPhrases = tuple[dict[str, int], list[str], list[int], list[float], list[int]]


@dataclass(frozen=True)
class Mention:
    phrase: Phrase
    strength: float   # weight * specificity, in [0, 1]


# how much a one-word title counts where the source writes it as a common word ("connection" for a post titled
# "Connection"): such mentions restored an author's link 0.12 of the time (73 suggestions, ten corpora)
COMMON_WORD = 0.3
# common words that are no anchor on their own (rules.data.STOPWORDS and GENERIC_ANCHORS cover the rest)
WEAK_WORDS = frozenset({
    "each", "every", "other", "others", "many", "much", "new", "first", "last", "next", "now", "today", "see",
    "read", "also", "very", "well", "back", "over", "only", "even", "still", "year", "years", "time", "way",
    "said", "says", "use", "using", "used", "make", "made", "work", "works", "part", "earlier", "later", "below",
    "above", "recent", "recently", "previous", "previously", "latest", "original", "update", "updates"})


# words that point from where the writer stands: "previous survey", "our last release", "this guide" name a page
# only on the page that writes them, so another page's anchor starting with one is no name of its target
DEICTIC = frozenset({"last", "previous", "prior", "earlier", "recent", "latest", "next", "this", "that", "these",
                     "those", "preceding", "following", "upcoming", "our", "my"})


def _content_words(toks: list[str]) -> bool:
    """Neither end is a stopword or a stray letter (the "s" of "Go's"); some letters in all."""
    if len(toks) == 1 and toks[0] in WEAK_WORDS:
        return False
    return (bool(toks) and all(t not in STOPWORDS and (len(t) > 1 or t.isdigit()) for t in (toks[0], toks[-1]))
            and sum(len(t) for t in toks) >= 3 and lettered(toks))


def lettered(toks: list[str]) -> bool:
    """Some word of two letters or more: not a bare number or year ("2016")."""
    return any(sum(c.isalpha() for c in t) >= 2 for t in toks)


def title_phrases(title: str) -> list[Phrase]:
    """The title and its other forms (:func:`title_forms`, up to :data:`LONG_NAME_WORDS` words), its parts (split
    at ':', ' - ', '|', '?', ',' …) and their 2-5-word n-grams that neither start nor end with a stopword; parts
    and n-grams each at most :data:`MAX_ANCHOR_WORDS` words."""
    out: dict[str, Phrase] = {}

    def add(key: str, kind: str, weight: float) -> None:
        if key and not is_generic(key) and (key not in out or out[key].weight < weight):
            out[key] = Phrase(key, kind, weight)

    whole = tokens(title)
    # a title is its page's name even when a stopword ends it ("Soft Deletion Probably Isn't Worth It")
    named = len(whole) >= 3 and lettered(whole) and sum(t not in STOPWORDS for t in whole) >= 2
    if 1 <= len(whole) <= LONG_NAME_WORDS and (_content_words(whole) or named):
        add(" ".join(whole), "title", KIND_WEIGHT["title"])
    for form in title_forms(title)[1:]:      # "guide to the 18f writing lab" of "A guide to the 18F Writing Lab"
        add(form, "part", KIND_WEIGHT["part"])
    for part in _TITLE_PARTS.split(title):
        toks = tokens(part)
        if 1 <= len(toks) <= MAX_ANCHOR_WORDS and _content_words(toks) and toks != whole:
            add(" ".join(toks), "part", KIND_WEIGHT["part"])
        for n in range(2, 6):
            for i in range(len(toks) - n + 1):
                gram = toks[i:i + n]
                if _content_words(gram) and gram != whole:
                    add(" ".join(gram), "ngram", NGRAM_BASE + NGRAM_STEP * (n - 2))
    return list(out.values())


def title_forms(title: str) -> tuple[str, ...]:
    """The token keys a writer names a page by: its title; without a leading article ("guide to the 18f writing
    lab"); without its series marker ("senior executives are the allies tech teams need" of "…, part 1") and its
    closing hashtags ("dare to ask for more" of "Dare to ask for more #rust2024"); its first
    clause ("hello world" of "Hello, World! We Are 18F") and its last ("deciding whether or not to centralize" of
    "Human-centered design for IT centralization, part 2 - Deciding whether or not to centralize", "cam macdonell"
    of "2016 Election: Cam Macdonell") when the title has more, of 2 words or more. Each of at most
    :data:`LONG_NAME_WORDS` words, lettered and not generic, and each but the title with two content words or more
    ("we are 18f" is no name)."""
    own = tokens(title)
    found = [own, own[1:] if own[:1] in (["a"], ["an"], ["the"]) and len(own) > 2 else []]
    bare = SERIES_MARKER.sub("", HASHTAGS.sub("", title))
    found.append(tokens(bare) if bare != title else [])
    clauses = [t for c in _CLAUSE_END.split(bare) if (t := tokens(c))]
    if len(clauses) > 1:
        found += [clauses[0] if len(clauses[0]) >= 2 else [], clauses[-1] if len(clauses[-1]) >= 2 else []]
    keys = [" ".join(t) for t in found[:1]] + [" ".join(t) for t in found[1:]
                                                if sum(w not in STOPWORDS and not w.isdigit() for w in t) >= 2]
    return tuple(dict.fromkeys(k for k in keys if k and len(k.split()) <= LONG_NAME_WORDS and lettered(k.split())
                               and not generic(k)))


class Candidates:
    """Phrase and token indexes over one site, built lazily and shared by every query of one call (or read from
    the workspace's cache: :meth:`arrays` is what it saves)."""

    def __init__(self, data: SiteData) -> None:
        self.data = data
        self._with: dict[str, set[str]] = {}
        self._grams: dict[str, set[str]] = {}
        self._ment: dict[str, set[str]] = {}
        self._phrases: dict[str, list[Phrase]] = {}

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The token strings, postings and phrase owners, for the cache (built now when they are not yet)."""
        full, body = self._strings
        urls = list(self.data.pages)
        out: dict[str, NDArray[Any]] = {"full": pack_words([full[u] for u in urls]),
                                        "body": pack_words([body[u] for u in urls])}
        out.update(self.postings.arrays())
        every = [self.phrases(u) for u in urls]
        found = list(chain.from_iterable(every))
        out["phr_keys"] = pack_words([p.key for p in found])
        out["phr_kinds"] = np.array([KINDS.index(p.kind) for p in found], dtype=np.int8)
        out["phr_weights"] = np.array([p.weight for p in found], dtype=np.float64)
        out["phr_starts"] = np.cumsum([0] + [len(e) for e in every], dtype=np.int64)
        return out

    def _restore(self, what: str, build: Callable[[Mapping[str, NDArray[Any]]], T]) -> T | None:
        """``build`` from the cache's index part; None when there is none or it does not hold what it should."""
        if (got := self.data.stored()) is None:
            return None
        try:
            return build(got)
        except Exception as exc:  # a damaged part: this index is built again (and the part with it)
            log.debug("suggest cache: %s unusable (%s: %s); building it", what, type(exc).__name__, exc)
            return None

    def _stored_strings(self, got: Mapping[str, NDArray[Any]]) -> tuple[dict[str, str], dict[str, str]]:
        urls = list(self.data.pages)
        full, body = unpack_words(got["full"]), unpack_words(got["body"])
        return dict(zip(urls, full, strict=True)), dict(zip(urls, body, strict=True))

    @cached_property
    def _strings(self) -> tuple[dict[str, str], dict[str, str]]:
        """Both token strings of every page from one tokenisation of its lines (see the two properties)."""
        if (stored := self._restore("token strings", self._stored_strings)) is not None:
            return stored
        full: dict[str, str] = {}
        body: dict[str, str] = {}
        for u, p in self.data.pages.items():
            own = tokens(p.title)
            heading = f" {' '.join(own)} "
            lines = [tokens(line) for line in p.text.split("\n")]
            full[u] = " " + " ".join(chain(own, *lines)) + " "
            body[u] = " " + " ".join(chain.from_iterable(t for t in lines if f" {' '.join(t)} " not in heading)) + " "
        return full, body

    @property
    def token_strings(self) -> dict[str, str]:
        """Title and main text as one lower-case token string (``token_string(title + text)``)."""
        return self._strings[0]

    @property
    def text_strings(self) -> dict[str, str]:
        """Main text without lines that repeat the page's title (``token_string(body_text(...))``): a mention
        must be in the text the link would go into, not in the page's own heading."""
        return self._strings[1]

    # ------------------------------------------------------------------ who may link to whom
    def eligible(self, source: str, target: str) -> bool:
        """Never the page itself, a page it already links to from its content, or a non-indexable page."""
        data = self.data
        return (source != target and source in data.pages and target in data.pages
                and target not in data.linked.get(source, ()))

    def targets_for(self, source: str) -> list[str]:
        return [t for t in self.data.pages if t not in self.data.hubs and self.eligible(source, t)]

    def sources_for(self, target: str) -> list[str]:
        return [s for s in self.data.pages if s not in self.data.hubs and self.eligible(s, target)]

    # ------------------------------------------------------------------ phrases and mentions
    @cached_property
    def _stored_phrases(self) -> StoredPhrases | None:
        """Every page's phrases as the cache holds them: (position of each page, keys, kinds, weights, starts)."""
        def restore(got: Mapping[str, NDArray[Any]]) -> StoredPhrases:
            keys = unpack_words(got["phr_keys"])
            kinds, weights = got["phr_kinds"].tolist(), got["phr_weights"].tolist()
            starts = got["phr_starts"].tolist()
            if len(starts) != len(self.data.pages) + 1 or starts[-1] != len(keys) or not (
                    len(kinds) == len(weights) == len(keys)) or not all(0 <= k < len(KINDS) for k in set(kinds)):
                raise ValueError("phrase arrays do not match the pages")
            return {u: i for i, u in enumerate(self.data.pages)}, keys, kinds, weights, starts
        return self._restore("title phrases", restore)

    def phrases(self, target: str) -> list[Phrase]:
        """What names ``target``: title phrases and the (non-generic, 1-6-word) anchors of its content links."""
        if target not in self._phrases and (stored := self._stored_phrases) is not None and (
                i := stored[0].get(target)) is not None:
            _, keys, kinds, weights, starts = stored
            self._phrases[target] = [Phrase(keys[j], KINDS[kinds[j]], weights[j])
                                     for j in range(starts[i], starts[i + 1])]
        if target not in self._phrases:
            page = self.data.pages[target]
            found = {p.key: p for p in title_phrases(page.title)}
            for anchor, _n in self.data.anchors.get(target, {}).items():
                toks = tokens(anchor)
                key = " ".join(toks)
                if 1 <= len(toks) <= MAX_ANCHOR_WORDS and not is_generic(anchor) and (
                        len(toks) > 1 or not weak_word(toks[0])) and toks[0] not in DEICTIC and (
                        key not in found or found[key].weight < KIND_WEIGHT["anchor"]):
                    found[key] = Phrase(key, "anchor", KIND_WEIGHT["anchor"])
            self._phrases[target] = list(found.values())
        return self._phrases[target]

    @cached_property
    def owners(self) -> Counter[str]:
        """Phrase -> how many pages it names: a phrase naming several pages points at none of them for sure."""
        if (stored := self._stored_phrases) is not None:
            return Counter(stored[1])
        return Counter(p.key for u in self.data.pages for p in self.phrases(u))

    def ambiguity(self, p: Phrase) -> float:
        """A title part or n-gram several pages' titles share ("go concurrency patterns", "years of go") is
        divided by the square root of their number."""
        return math.sqrt(self.owners.get(p.key, 1)) if p.kind in ("ngram", "part") else 1.0

    @cached_property
    def postings(self) -> Postings:
        """Word -> the pages whose title or text holds it."""
        urls = list(self.data.pages)
        stored = self._restore("postings", lambda got: Postings.restore(urls, got))
        return stored if stored is not None else Postings.build(urls, [self.token_strings[u] for u in urls])

    def pages_with(self, key: str) -> set[str]:
        """Pages whose title or text holds the phrase (the pages holding all its words, checked)."""
        if key not in self._with:
            words = set(key.split())
            found = self.postings.having(words)
            needle = f" {key} "
            self._with[key] = {u for u in found if needle in self.token_strings[u]} if len(words) > 1 else found
        return self._with[key]

    def df(self, key: str) -> int:
        """Pages whose title or text holds the phrase."""
        return len(self.pages_with(key))

    @cached_property
    def anchor_keys(self) -> dict[str, Counter[str]]:
        """Target -> its content links' anchors as token keys, with their counts."""
        out: dict[str, Counter[str]] = {}
        for url, used in self.data.anchors.items():
            keys: Counter[str] = Counter()
            for a, n in used.items():
                keys[" ".join(tokens(a))] += n
            out[url] = keys
        return out

    def linkprob(self, target: str, key: str) -> float:
        """Of the pages whose text holds the phrase, the share that link it to ``target`` (0-1): how surely the
        site's authors link these words to this page when they write them."""
        n = self.anchor_keys.get(target, Counter()).get(key, 0)
        return min(1.0, n / max(self.df(key), 1)) if n else 0.0

    def specificity(self, key: str) -> float:
        """1 for a phrase on one page, falling (log scale) to 0 for a phrase on every page."""
        n = max(len(self.data.pages), 2)
        return max(0.0, 1.0 - math.log(max(self.df(key), 1)) / math.log(n))

    def index_source(self, source: str) -> None:
        """Index the 1-6-word phrases of one source's main text, to test every target's phrases against it
        at once (``--from``); other sources are looked up by phrase (``--to``)."""
        if source not in self._grams:
            toks = self.text_strings.get(source, "").split()
            self._grams = {source: {" ".join(toks[i:i + n]) for n in range(1, MAX_ANCHOR_WORDS + 1)
                                    for i in range(len(toks) - n + 1)}}

    def mentions(self, source: str, target: str) -> list[Mention]:
        """The target's phrases in the source's main text, strongest first."""
        grams = self._grams.get(source)
        found = [p for p in self.phrases(target)
                 if (p.key in grams if grams is not None and p.key.count(" ") < MAX_ANCHOR_WORDS
                     else source in self.mentioned(p.key))]
        return sorted((self.mention(p, source, target) for p in found), key=strongest_first)

    def mention(self, p: Phrase, source: str, target: str) -> Mention:
        """A found phrase's strength: its kind's weight × specificity, divided by its ambiguity; a one-word title
        the source writes only as a common word counts for :data:`COMMON_WORD` of that."""
        common = p.kind == "title" and " " not in p.key and not self.as_name(source, target)
        return Mention(p, p.weight * self.specificity(p.key) / self.ambiguity(p) * (COMMON_WORD if common else 1.0))

    def as_name(self, source: str, target: str) -> bool:
        """Does the source write the target's one-word title as a name: a title with capitals inside or digits
        ("PartialEqual", "HTTP2"), or capitalised inside a sentence ("… to Journaling")? Not "initialize"."""
        word = self.data.pages[target].title.strip()
        if any(c.isupper() or c.isdigit() for c in word[1:]):
            return True
        return re.search(r"[\w,;]\s+" + re.escape(word) + r"(?![\w-])", self.data.pages[source].text) is not None

    def mentions_of(self, target: str) -> dict[str, list[Mention]]:
        """Source -> its mentions of ``target``, strongest first (every source at once, for ``--to``)."""
        out: dict[str, list[Mention]] = {}
        for p in self.phrases(target):
            pages = self.mentioned(p.key)
            for u in pages:
                out.setdefault(u, []).append(self.mention(p, u, target))
        for found in out.values():
            found.sort(key=strongest_first)
        return out

    def mentioned(self, key: str) -> set[str]:
        """Pages whose main text (own title lines left out) holds the phrase."""
        if key not in self._ment:
            needle = f" {key} "
            self._ment[key] = {u for u in self.pages_with(key) if needle in self.text_strings[u]}
        return self._ment[key]


def weak_word(word: str) -> bool:
    """A word that is no anchor on its own: a common one (:data:`WEAK_WORDS`), or a verb form ("constrained", one
    page's anchor for "Toward Go 2", was proposed wherever a page wrote it)."""
    return word in WEAK_WORDS or is_verb(word) or (len(word) > 5 and word.endswith("ed"))


def strongest_first(m: Mention) -> tuple[float, int, str]:
    """Sort key: the strongest mention first, then the longer phrase, then the phrase."""
    return (-m.strength, -len(m.phrase.key), m.phrase.key)


def mention_score(mentions: list[Mention]) -> float:
    """The strongest mention, plus a little for each further distinct one (capped at 1)."""
    if not mentions:
        return 0.0
    return min(1.0, mentions[0].strength + 0.1 * sum(m.strength for m in mentions[1:3]))
