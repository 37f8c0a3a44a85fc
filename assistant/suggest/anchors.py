"""Anchor and sentence primitives: prose sentences, whole-phrase anchors, the target's unlinked mentions and the
best-matching sentence (:mod:`assistant.suggest.placing` puts them together). Pure.

Guarantees: ``anchor`` occurs verbatim in ``sentence``, and ``sentence`` occurs verbatim in the source's
main text once whitespace is collapsed (sentences are split as ingest splits them:
:func:`assistant.text.sentences` within each paragraph). The anchor is 1-6 words and a whole phrase
(:func:`assistant.suggest.phrases.whole`: never a span cut out of a longer phrase): a phrase of the target
(title, title part or n-gram, an anchor other pages use) as the source writes it, else a run of words from
the best-matching sentence; the target's own name (its title or a title form) may have up to 12. Sentences are
prose (a heading, a list of titles or steps, a caption is not; a list entry that is the target's name is its own
place, :func:`assistant.suggest.placing.listed_title`); words inside a longer phrase that names another page ("Go
Modules" of "Go Modules in 2019") are that page's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from assistant.rules.data import STOPWORDS, is_generic
from assistant.suggest import phrases
from assistant.suggest.candidates import MAX_ANCHOR_WORDS, Mention, body_text, lettered, tokens
from assistant.text import clip, normalize_space, sentences

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# a mention whose phrase already makes up this share of the target's anchors loses this much strength,
# so that a slightly weaker but different phrase is chosen (anchor variety)
REPEAT_PENALTY = 0.3
# a phrase on most pages of the site (specificity near 0) is no anchor for one of them
MIN_STRENGTH = 0.05
# how much a phrase's link probability to the target (of the pages holding it, the share that link it there)
# adds to its strength: the words a site's authors link to a page whenever they write them are its anchor
# (Wikify!'s keyphraseness, Mihalcea & Csomai 2007), over a stronger phrase they never link
LINKPROB_WEIGHT = 1.0
# a line this long is prose even without a full stop; a shorter one needs its end punctuation: a heading,
# a title in a list ("An Update on Go 2"), a table cell or a caption is no sentence to put a link in
PROSE_WORDS = 12
_END = tuple(".!?:;…\"”’')")
# a line of this many words or fewer with no finite verb is a heading or a list item ("Adding a dependency.")
SHORT_LINE = 5
# the longest phrase of another page that is looked for around an anchor
TAKEN_WORDS = 8
Taken = Callable[[str], bool]
# a quotation: straight or curly double quotes around 2-120 characters without another quote inside
_QUOTED = re.compile(r"[“\"]([^“”\"\n]{2,120})[”\"]")
# a form of the target's title this long is its name wherever it stands ("why we use HTTPS for every .gov we
# make"); a shorter one ("knowledge sharing") must be a whole phrase where it stands, as any other
LONG_FORM_WORDS = 4


@dataclass(frozen=True)
class Names:
    """What the site names, for one target: ``taken(key)`` — does a phrase (a token key) name another page;
    ``df(key)`` — on how many pages the words stand together; ``own`` — the target's title as a token key."""

    taken: Taken | None = None
    df: phrases.Collocation | None = None
    own: str = ""
    linked: tuple[tuple[str, str], ...] = ()   # the source's links as (anchor, sentence): linked words take no link
    linkprob: Callable[[str], float] | None = None   # key -> share of the pages holding it that link it to the target
    forms: frozenset[str] = frozenset()   # the target's other names: :func:`title_forms` no other page has
    refers: re.Pattern[str] | None = None   # the source's words for the target, a post of its series ("part one")
    series: frozenset[str] = frozenset()    # the words of the name of the target's series ("development cycle")

    @property
    def own_names(self) -> frozenset[str]:
        """The token keys that name the target itself: its title and its :attr:`forms`."""
        return self.forms | {self.own} - {""}


@dataclass(frozen=True)
class Placement:
    anchor: str
    sentence: str
    mentioned: bool          # the anchor is one of the target's phrases (an unlinked mention)
    kind: str = ""           # the phrase kind when mentioned


def split_sentences(text: str) -> Iterator[str]:
    """The source's prose sentences, whitespace collapsed, in text order: a line of code or a code comment
    ("// Code sample from …", "$ go test") is no place for a link."""
    for para in text.split("\n"):
        for start, end in sentences(para):
            s = normalize_space(para[start:end])
            if s and (s[0].isalnum() or s[0] in "\"'“‘(") and not s.startswith(("(/", "('")) and _prose(s) \
                    and (s.endswith(_END) or (len(_TOKEN.findall(s)) >= PROSE_WORDS and _has_verb(s))) \
                    and not title_line(s):
                yield s


def _has_verb(line: str) -> bool:
    """A finite verb in lowercase ("is", "shows"): a long line without end punctuation is prose only with one; a
    run of names is a tag list or a menu ("Topics Ruby 365 JavaScript CSS PHP Twitter Git Review … Ruby on Rails")."""
    return any(phrases.finite(w) and line[a].islower() for a, _, w in phrases.spans(line))


def title_line(line: str) -> bool:
    """A short line with no finite verb that starts with a gerund or is a few words: a heading or a list of
    steps ("Creating a new module.", "Adding a dependency."), not a sentence, full stop or not."""
    ws = phrases.spans(line)
    if len(ws) >= PROSE_WORDS or any(phrases.finite(w) and (k == 0 or line[a].islower())
                                     for k, (a, _, w) in enumerate(ws)):      # "Go" is a name, "go" a verb
        return False
    return len(ws) <= SHORT_LINE or (line[0].isupper() and ws[0][2].endswith("ing"))


@lru_cache(maxsize=64)
def source_sentences(text: str, title: str) -> tuple[str, ...]:
    """:func:`split_sentences` of the source's text without its title lines, split once per source (``--from``
    places every target's link in the same source)."""
    return tuple(split_sentences(body_text(text, title)))


def _prose(sentence: str) -> bool:
    """A sentence of prose has function words ("the", "is", "to"); a command line, a file list or a
    signature ("gitk v2.6.12.. include/scsi", "git log --since") has none."""
    tokens = _TOKEN.findall(sentence)
    return (len(tokens) < 4 or any(t.lower() in STOPWORDS for t in tokens)) and not _CODE.search(sentence)


# code that a paragraph ran together with prose: assignments, braces, comments, comparisons
_CODE = re.compile(r":=|(?<!:)// |[!=]=|\{ | \}|;\s*$")


def phrase_pattern(key: str) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern for a token key ("go modules" matches "Go modules", "go-modules")."""
    body = r"[\W_]+".join(re.escape(t) for t in key.split())
    return re.compile(r"(?<![^\W_])" + body + r"(?![^\W_])", re.IGNORECASE)


def _find(sents: list[str], key: str, ok: Callable[[str, int, int], bool]) -> tuple[str, str] | None:
    """The first whole phrase the key matches: as written, with a version completed ("Rust 1.19" of "Rust
    1.19.0"), or without leading words that are not part of the phrase ("borrow-checking errors" of
    "understanding borrow-checking errors")."""
    pattern = phrase_pattern(key)
    for s in sents:
        for m in pattern.finditer(s):
            start, end = m.start(), m.end()
            while (vm := _VERSION_TAIL.match(s, end)) is not None:
                end = vm.end()
            words = list(_TOKEN.finditer(s, start, end))
            for k in range(max(1, len(words))):
                a = words[k].start() if words else start
                if k and not s[words[k - 1].end():a].isspace():
                    break          # a word is dropped before a space only: "model" of '"Tootsie Pop" model' is none
                a = _opening_quote(s, a, end)
                if ok(s, a, end):
                    return s[a:end], clip(s, s[a:end])
    return None


_QUOTE_PAIRS = {'"': '"', "“": "”"}


def _opening_quote(s: str, start: int, end: int) -> int:
    """``start``, or one less when the words close a quotation that opens just before them: '"Tootsie Pop" model
    for unsafe code' is the phrase, not 'Tootsie Pop" model for unsafe code'."""
    opener = s[start - 1] if start else ""
    closer = _QUOTE_PAIRS.get(opener)
    text = s[start:end]
    if closer is None or closer not in text:
        return start
    unmatched = text.count(closer) % 2 if closer == opener else text.count(closer) - text.count(opener)
    return start - 1 if unmatched > 0 else start


_VERSION_TAIL = re.compile(r"(?<=\d)\.\d+")


def is_taken(sentence: str, start: int, end: int, taken: Taken | None) -> bool:
    """Does a longer phrase around ``sentence[start:end]`` name another page (``taken(key)``)?"""
    if taken is None:
        return False
    before = tokens(sentence[:start])[-(TAKEN_WORDS - 1):]
    inner = tokens(sentence[start:end])
    after = tokens(sentence[end:])[:TAKEN_WORDS - 1]
    for i in range(len(before) + 1):
        for j in range(len(after) + 1):
            n = len(before) - i + len(inner) + j
            if (i < len(before) or j) and n <= TAKEN_WORDS and taken(" ".join(before[i:] + inner + after[:j])):
                return True
    return False


def anchor_ok(sentence: str, start: int, end: int, names: Names) -> bool:
    """A whole phrase that is not generic, or the target's own title however it is worded, and not part of a
    longer phrase naming another page."""
    key = " ".join(tokens(sentence[start:end]))
    if sentence[end:end + 1] in ("#", "+"):
        return False                       # "C" of "C#", "C++"
    named = key == names.own or (key in names.forms and key.count(" ") >= LONG_FORM_WORDS - 1)
    own = names.own.split()
    if not named and " " not in key and sentence[start].islower() and phrases.is_adjective(key) \
            and key not in own:
        return False                       # a lone adjective ("subjective") names no page but one titled with it
    # words holding a run of the target's title may hold the title's words inside, function words and words the
    # chunker takes for verbs: "warnings as errors", "FsCheck test data generator"
    inner = frozenset(own) if " " in key and any(
        f" {' '.join(own[i:i + 2])} " in f" {key} " for i in range(len(own) - 1)) else frozenset()
    if not named and (not phrases.whole(sentence, start, end, names.df, inner) or phrases.generic(key)):
        return False
    return not (is_taken(sentence, start, end, names.taken) or in_link(sentence, start, end, names.linked)
                or in_quotation(sentence, start, end))


def quotations(sentence: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each quotation's text in the sentence, inside its quote marks, without surrounding spaces."""
    for m in _QUOTED.finditer(sentence):
        inner = m.group(1)
        start = m.start(1) + len(inner) - len(inner.lstrip())
        yield start, max(start, m.end(1) - (len(inner) - len(inner.rstrip())))


def in_quotation(sentence: str, start: int, end: int) -> bool:
    """Is the span a part of a short quotation, not all of it ("World" of 'we said, "Hello, World!"')? A quoted
    phrase is one unit: a title, a slogan, someone's words."""
    return any(a <= start and end <= b and (start, end) != (a, b)
               and len(_TOKEN.findall(sentence[a:b])) <= MAX_ANCHOR_WORDS for a, b in quotations(sentence))


def in_link(sentence: str, start: int, end: int, linked: tuple[tuple[str, str], ...]) -> bool:
    """Do the words ``sentence[start:end]`` — at this place or where they stand again in the sentence, since a
    task names the words, not their place — overlap words that a link of the source (``linked``: its anchor and
    the sentence it stands in) already takes in this sentence? An editor cannot put a link inside another."""
    linked_spans = _linked_spans(sentence, linked)
    if not linked_spans:
        return False
    spots = [(at, at + end - start) for at in _occurrences(sentence, sentence[start:end])] or [(start, end)]
    return any(a < e and s < b for s, e in spots for a, b in linked_spans)


@lru_cache(maxsize=256)
def _linked_spans(sentence: str, linked: tuple[tuple[str, str], ...]) -> tuple[tuple[int, int], ...]:
    """The spans of ``sentence`` that the source's links take (once per sentence: every candidate span of it asks)."""
    return tuple((at, at + len(a)) for a, around in linked
                 if len(a) > 1 and (not around or around in sentence or sentence in around)
                 for at in _occurrences(sentence, a))


def _occurrences(text: str, part: str) -> Iterator[int]:
    at = text.find(part)
    while at != -1:
        yield at
        at = text.find(part, at + 1)


def _share(anchor_key: str, existing: Counter[str]) -> float:
    total = sum(existing.values())
    if not total:
        return 0.0
    same = sum(n for a, n in existing.items() if " ".join(_TOKEN.findall(a.lower())) == anchor_key)
    return same / total


def from_mentions(sents: list[str], mentions: list[Mention], existing: Counter[str],
                  names: Names = Names()) -> Placement | None:
    """The best mention: its strength, raised by its link probability to the target (``names.linkprob``) and lowered
    by how often its phrase is already an anchor to the target (variety)."""
    lp = names.linkprob or (lambda key: 0.0)
    ranked = sorted(mentions, key=lambda m: (-(m.strength + LINKPROB_WEIGHT * lp(m.phrase.key)
                                               - REPEAT_PENALTY * _share(m.phrase.key, existing)),
                                             -len(m.phrase.key), m.phrase.key))
    for m in ranked:
        if not lettered(m.phrase.key.split()) or m.strength < MIN_STRENGTH:
            continue       # an author's "2016" or "each" counts (a little) as a mention, but is no anchor of ours
        if names.series and set(m.phrase.key.split()) <= names.series:
            continue       # "development cycle" names every "This Development-cycle in Cargo: 1.NN", not this one
        found = _find(sents, m.phrase.key, lambda s, a, b: anchor_ok(s, a, b, names))
        if found is not None:
            return Placement(found[0], found[1], True, m.phrase.kind)
    return None


# the only stopwords a noun phrase keeps inside ("history of Go", "maps and slices", "Go for the web")
_JOINERS = frozenset({"of", "for", "and", "in", "on", "to", "the", "a", "an", "with"})
_PHRASE = re.compile(r"[^\W_]+(?:(?: |-|(?<=\d)\.(?=\d))[^\W_]+)*", re.UNICODE)


def _natural(sentence: str, start: int, end: int) -> bool:
    """Words joined by single spaces or hyphens (or a version's dot), not cut out of a word, a
    contraction or code: "Go modules", "Go 1.21", not "s great", "Seq[E]) iter" or "int int8"."""
    text = sentence[start:end]
    before = sentence[start - 1] if start else " "
    after = sentence[end] if end < len(sentence) else " "
    if before in "'’.[(_/<*&" or after in "'’[(_/<>" or not _PHRASE.fullmatch(text):
        return False
    if after in ".,:" and end + 1 < len(sentence) and sentence[end + 1].isalnum():
        return False        # cut out of "v2.33.0", "7,8,9" or "std::io"
    letters = sum(c.isalpha() for c in text)
    return letters >= 3


def best_sentence(sents: list[str], weights: dict[str, float], names: Names = Names()) -> Placement | None:
    """No mention: the sentence sharing the most weighted words with the target (title words, key terms)
    that holds a natural run of 1-4 words (no stopword at either end, at least half of them the target's);
    the run carrying the most weight is the anchor."""
    ranked = []
    for i, s in enumerate(sents):
        w = sum(weights.get(t, 0.0) for t in {t.lower() for t in _TOKEN.findall(s)})
        if w > 0 and len(s) <= 600:
            ranked.append((-w, i, s))
    for _, _, sentence in sorted(ranked)[:10]:
        anchor = _best_run(sentence, weights, names)
        if anchor is not None:
            return Placement(anchor, clip(sentence, anchor), False)
    return None


def _best_run(sentence: str, weights: dict[str, float], names: Names) -> str | None:
    spans = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN.finditer(sentence)]
    top: tuple[float, int, int] | None = None
    for i in range(len(spans)):
        for n in range(1, 5):
            run = spans[i:i + n]
            if (len(run) < n or run[0][2] in STOPWORDS or run[-1][2] in STOPWORDS
                    or any(t in STOPWORDS and t not in _JOINERS for _, _, t in run)):
                continue
            # a bare number ("7" of "gittutorial(7)", "2016") is no topic word
            w = sum(weights.get(t, 0.0) for _, _, t in run if not t.isdigit())
            hits = sum(weights.get(t, 0.0) > 0 for _, _, t in run if not t.isdigit())
            if w <= 0 or hits < (n + 1) // 2:        # at least half of the words are the target's
                continue
            text = sentence[run[0][0]:run[-1][1]]
            if (is_generic(text) or phrases.generic(text) or not _natural(sentence, run[0][0], run[-1][1])
                    or not anchor_ok(sentence, run[0][0], run[-1][1], names) or _foreign_identifier(text, names)):
                continue
            if top is None or (w, n, -i) > top:
                top = (w, n, -i)
    if top is None:
        return None
    _, n, neg_i = top
    return sentence[spans[-neg_i][0]:spans[-neg_i + n - 1][1]]


_HUMP = re.compile(r"[a-z][A-Z]")


def _foreign_identifier(text: str, names: Names) -> bool:
    """A code identifier ("WillAccept", "readReservations") is an anchor only for a page whose title names it:
    written in a sentence about the target's topic, it still names the code, not the page."""
    own = set(names.own.split())
    return any(_HUMP.search(w) and w.lower() not in own for w in _TOKEN.findall(text))
