"""Place a link for one (source, target) pair: where the source names the target, or else where it speaks of the
target's topic. Pure.

In order: the target's title (or another of its names, :func:`~assistant.suggest.candidates.title_forms`) quoted
in a sentence or a line; a list entry that is one of its names ("Part 2 — Migrating To Go Modules"); the words with
which a post of a series points at another of it ("our last update": :mod:`assistant.suggest.series`); an unlinked
mention of one of the target's phrases (:func:`~assistant.suggest.anchors.from_mentions`); the sentence sharing
the most weighted words with the target (:func:`~assistant.suggest.anchors.best_sentence`). A mention introduced
as the topic of a post takes those words ("a series of articles about …").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache

from assistant.suggest import phrases
from assistant.suggest.anchors import (
    Names,
    Placement,
    anchor_ok,
    best_sentence,
    from_mentions,
    in_link,
    quotations,
    source_sentences,
)
from assistant.suggest.candidates import LONG_NAME_WORDS, MAX_ANCHOR_WORDS, Mention, body_text, tokens
from assistant.suggest.series import is_previous_post
from assistant.text import clip, normalize_space

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
NO_NAMES = Names()          # what a site names when nothing is known of it (a pure call, a test)
# the longest quoted title taken as an anchor (a title in quotes is one name, commas and all)
QUOTED_WORDS = LONG_NAME_WORDS
# what a list entry may start with before the name it gives: "Part 1 — ", "2. ", "• "
_ENTRY_MARK = re.compile(r"^(?:part\s+\w+\s*[—–:-]\s*|\d+[.)]\s+|[•*·-]\s+)", re.IGNORECASE)
# a line of a list ("Related posts", a series' parts) holds at most this many words
LIST_LINE_WORDS = 16
_JOIN = re.compile(r"\s+|\s*-\s*")


def quoted_title(sents: Sequence[str], names: Names) -> Placement | None:
    """The target's title (or another of its names, "Hello, World!" of "Hello, World! We Are 18F") in quotation
    marks in a sentence or a line ("see “Code coverage for Go integration tests” for details"): the writer names
    the page itself, so its title, as quoted, is the anchor."""
    keys = names.own_names
    if not keys:
        return None
    for s in sents:
        for a, b in quotations(s):
            inner = s[a:b]
            if " ".join(tokens(inner)) in keys and len(_TOKEN.findall(inner)) <= QUOTED_WORDS \
                    and not in_link(s, a, b, names.linked):
                return Placement(inner, clip(s, inner), True, "title")
    return None


def list_lines(text: str) -> Iterator[str]:
    """The lines of a list in ``text`` (whitespace collapsed): short lines that are no sentence, in a run of two or
    more or after a line ending in a colon ("… the following topics:"). A lone short line is a heading."""
    lines = [normalize_space(line) for line in text.split("\n")]
    short = [bool(line) and len(_TOKEN.findall(line)) <= LIST_LINE_WORDS and not line.endswith((".", ":"))
             for line in lines]
    for k, line in enumerate(lines):
        if short[k] and ((k and (short[k - 1] or lines[k - 1].endswith(":")))
                         or (k + 1 < len(lines) and short[k + 1])):
            yield line


@lru_cache(maxsize=64)
def source_entries(text: str, title: str) -> tuple[str, ...]:
    """:func:`list_lines` of the source's text without its title lines, found once per source (as
    :func:`~assistant.suggest.anchors.source_sentences`: ``--from`` places every target's link in the same source)."""
    return tuple(list_lines(body_text(text, title)))


def listed_title(entries: tuple[str, ...], names: Names) -> Placement | None:
    """A list entry that is the target's title or another of its names, and nothing more ("Deciding whether or not
    to centralize" in a list of a series' parts; a "Related posts" entry that lost its link): the entry is the
    anchor, as written."""
    keys = names.own_names
    for entry in entries if keys else ():
        line = _ENTRY_MARK.sub("", entry)
        words = list(_TOKEN.finditer(line))
        if words and len(words) <= QUOTED_WORDS and " ".join(tokens(line)) in keys:
            anchor = line[words[0].start():words[-1].end()]
            if not in_link(line, words[0].start(), words[-1].end(), names.linked):
                return Placement(anchor, entry, True, "title")
    return None


def series_reference(sents: list[str], names: Names) -> Placement | None:
    """The first words of the source pointing at the target as a post of their series ("our last update", "part
    one": :mod:`assistant.suggest.series`), not inside a link."""
    if names.refers is None:
        return None
    for s in sents:
        for m in names.refers.finditer(s):
            if not in_link(s, m.start(), m.end(), names.linked):
                return Placement(m.group(0), clip(s, m.group(0)), True, "series")
    return None


def place(text: str, mentions: list[Mention], existing: Counter[str], weights: dict[str, float],
          title: str = "", names: Names = NO_NAMES) -> Placement | None:
    """Anchor and sentence for one (source text, target) pair: an unlinked mention when there is one, else
    the best-matching sentence; None when the source shares no word with the target. Lines that repeat
    the source's ``title`` (its heading) are not used; ``names``: what the site names (:class:`Names`)."""
    sents = list(source_sentences(text, title))
    entries = source_entries(text, title)
    quoted = quoted_title(sents, names) or listed_title(entries, names) or quoted_title(entries, names)
    ref = series_reference(sents, names) if quoted is None else None
    if ref is not None and not is_previous_post(ref.anchor):
        quoted = ref                 # "part one" before a mention; "my previous post" after one of the target's names
    if quoted is not None:
        return quoted if quoted.anchor in quoted.sentence else None
    placed = from_mentions(sents, mentions, existing, names) if mentions else None
    if ref is not None and (placed is None or placed.kind not in ("title", "anchor", "part")):
        return ref if ref.anchor in ref.sentence else None
    if placed is None:
        placed = best_sentence(sents, weights, names)
    if placed is None:
        return None
    words = len(_TOKEN.findall(placed.anchor))
    longest = QUOTED_WORDS if " ".join(tokens(placed.anchor)) in names.own_names else MAX_ANCHOR_WORDS
    if not 1 <= words <= longest or placed.anchor not in placed.sentence:
        return None
    return with_topic_of(with_title_run(placed, names), names)


def with_title_run(placed: Placement, names: Names) -> Placement:
    """An anchor whose words end a run of the target's title that the sentence writes whole takes the whole run:
    "data generator" in "an FsCheck test data generator" is "test data generator" for "The Test Data Generator
    functor", "errors" in "treat all warnings as errors" is "warnings as errors" for "Warnings-as-errors friction".
    Only words before the anchor are taken (its modifiers: the head stays), the run starts with a content word
    that is no participle ("using Go" of "Using Go Modules") and, when it holds a function word, where a phrase
    starts; it is a phrase by :func:`~assistant.suggest.anchors.anchor_ok` (then of the title's function words:
    "as"), or one or two words before it make it one ("FsCheck test data generator"). Not for a title, a series'
    reference or a query."""
    spot = re.search(r"(?<![^\W_])" + re.escape(placed.anchor) + r"(?![^\W_])", placed.sentence)
    own = names.own.split()
    said = tokens(placed.anchor)
    if placed.kind in ("title", "series", "query") or spot is None or not own or not said:
        return placed
    before = list(_TOKEN.finditer(placed.sentence, 0, spot.start()))
    starts = [m.start() for m in before[1:]] + [spot.start()]
    # how many words before the anchor stand next to each other (a space or a hyphen between)
    joined = next((n for n in range(len(before)) if not _JOIN.fullmatch(
        placed.sentence[before[-n - 1].end():starts[-n - 1]])), len(before))
    best = 0
    for at in phrases.runs_of(own, said):
        n = 0
        while n < min(at, joined) and own[at - n - 1] == before[-n - 1].group(0).lower():
            n += 1
        if any(phrases.is_function(w) for w in own[at - n:at]) and n < joined \
                and not phrases.is_function(before[-n - 1].group(0).lower()):
            # across "in" or "as" only from where a phrase starts: "dependency management in Go" holds no
            # "management in Go" (the words before the anchor then are its modifiers, up to the function word)
            n = next(k for k in range(n + 1) if k == n or phrases.is_function(own[at - k - 1]))
        while n and (phrases.is_function(own[at - n]) or phrases.verb_form(
                placed.sentence, (before[-n].start(), before[-n].end(), own[at - n]))):
            n -= 1                         # "the Go memory model", "back to using Go": no phrase starts so
        best = max(best, n)
    # the run, or with the one or two words before it that make it whole ("an FsCheck test data generator")
    for n in range(best, min(best + 3, joined + 1)) if best else ():
        if (n > best and phrases.is_function(before[-n].group(0).lower())) or len(said) + n > MAX_ANCHOR_WORDS:
            break
        if anchor_ok(placed.sentence, before[-n].start(), spot.end(), names):
            start = before[-n].start()
            return Placement(placed.sentence[start:spot.end()], placed.sentence, placed.mentioned, placed.kind)
    return placed


# what a writer calls a post before saying what it is about: "a series of articles about …", "a look at …"
_INTRO = (r"(?:(?:short|small|long|new|recent|earlier|whole|two-part|multi-part)\s+)?"
          r"(?:series\s+of\s+(?:articles|posts|blog\s+posts|essays)|(?:article|blog|post)\s+series|"
          r"(?:blog\s+)?posts?|articles?|essays?|write-?ups?|series|look|tutorial)\s+(?:about|on|at)\s+"
          r"(?:(?:the|a|an|my|our)\s+)?")
_ABOUT = re.compile(r"(?<![\w-])(" + _INTRO + r"(?:([a-z][\w-]*)\s+)?)$", re.IGNORECASE)
_LEADS = re.compile(_INTRO, re.IGNORECASE)
# the longest anchor that says what a post is about ("series of articles about personal pendulum swings")
ABOUT_WORDS = 10


def topic_of(anchor: str) -> str:
    """The words that say what a post is about ("Style team" of "blog post about the Style team", as
    :func:`with_topic_of` writes it), else the anchor."""
    m = _LEADS.match(anchor)
    return anchor[m.end():] if m else anchor


def with_topic_of(placed: Placement, names: Names) -> Placement:
    """A mention that a sentence introduces as the topic of a post ("a series of articles about software design
    isomorphisms", "a look at the Blowfish cipher") takes those words: the writer's link is the post, named by
    what it is about. Not for the target's own name, a series' reference or a query."""
    spot = re.search(r"(?<![^\W_])" + re.escape(placed.anchor) + r"(?![^\W_])", placed.sentence)
    if placed.kind in ("title", "series", "query") or spot is None or not spot.start():
        return placed
    at = spot.start()
    m = _ABOUT.search(placed.sentence, 0, at)
    if m is None or (m.group(2) or "").lower() in phrases.FUNCTION:
        return placed
    start, end = m.start(1), at + len(placed.anchor)
    if len(_TOKEN.findall(placed.sentence[start:end])) > ABOUT_WORDS or in_link(placed.sentence, start, end,
                                                                                 names.linked):
        return placed
    return Placement(placed.sentence[start:end], placed.sentence, placed.mentioned, placed.kind)
