"""Posts of one series ("July 2023 Leadership Council Update", "Senior executives part 2: …") and the words a post
uses to point at another post of its series ("our last update", "part one", "the first post of this trilogy").
Pure.

A series is the pages whose titles have the same :func:`series_key`: the title's first clause without its part
marker, numbers, years and months. A series reference in a sentence names one post of the series for sure only
by its position: the first (second, …) part, or the one before this ("our last update" in a Council update means
the update before it). "A previous blog post" with no series word names nothing for sure and is no reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from assistant.rules.data import STOPWORDS
from assistant.suggest.candidates import CARDINALS, SERIES_MARKER, tokens

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_SHORT = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th")
_MONTHS = frozenset(("january", "february", "march", "april", "may", "june", "july", "august", "september",
                     "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                     "sept", "oct", "nov", "dec"))
_FIRST_CLAUSE = re.compile(r"[:|(—–!?]|\s-\s")
# nouns that name a post of any series ("the second part", "the first post of this series")
_POST_NOUNS = ("part", "post", "installment", "instalment", "entry", "article", "chapter", "episode", "blog post")
# nouns a post of a series is called by when the series' name says so ("Leadership Council Update": "last update")
_SERIES_NOUNS = ("update", "report", "newsletter", "issue", "edition", "recap", "roundup", "digest", "review",
                 "survey")
# a half or a quarter of a year names a post of a series as a date does: "Go Developer Survey 2024 H1 Results"
_PERIOD = re.compile(r"[hq][1-4]")
_BEFORE = ("last", "previous", "prior", "earlier", "preceding")


def part_number(title: str) -> int | None:
    """The part number a title states ("…, part 1", "Part two: …"), else None."""
    m = SERIES_MARKER.search(title)
    if m is None:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else CARDINALS.index(word) + 1


def series_key(title: str) -> str:
    """The series a title belongs to: its first clause without its part marker, numbers, years and months, as a
    token key ("leadership council update" of "July 2023 Leadership Council Update"); "" without two words, one of
    them a content word."""
    head = _FIRST_CLAUSE.split(SERIES_MARKER.sub("", title), maxsplit=1)[0]
    toks = [t for t in tokens(head) if not t.isdigit() and t not in _MONTHS and not _PERIOD.fullmatch(t)]
    return " ".join(toks) if len(toks) >= 2 and any(t not in STOPWORDS for t in toks) else ""


@dataclass(frozen=True)
class Member:
    url: str
    title: str
    published: date | None


def ordered(members: Iterable[Member]) -> tuple[list[str], dict[str, int] | None]:
    """A series' URLs in order, and each one's part number when every title states one (then in that order),
    else None (then by date, then URL)."""
    found = list(members)
    numbers = {m.url: n for m in found if (n := part_number(m.title)) is not None}
    if len(numbers) == len(found):
        return sorted(numbers, key=lambda u: (numbers[u], u)), numbers
    return [m.url for m in sorted(found, key=lambda m: (m.published or date.max, m.url))], None


def reference(order: list[str], key: str, source: str, target: str,
              parts: dict[str, int] | None = None) -> re.Pattern[str] | None:
    """The words with which ``source`` points at ``target``, both posts of the series ``key`` in ``order``
    (``parts``: each post's part number, when the titles state them): the target's position ("the second post of
    this series"; "the first update" of a series whose name ends in "Update"; "part two", "2nd installment" of a
    numbered series) and, when it comes right before the source, "the last update" or, in a numbered series, "the
    previous part". "The previous blog post" or "my first post" in a series ordered by date may be another post of its
    author's ("a previous blog post on the subject"): no reference. None when they are not of one series or no
    words point at the target."""
    if source not in order or target not in order or source == target:
        return None
    numbered = parts is not None
    j = parts[target] - 1 if parts is not None else order.index(target)
    k = parts[source] - 1 if parts is not None else order.index(source)
    words = key.split()
    last = words[-2] if len(words) > 1 and words[-1] in ("results", "report") else words[-1]   # "survey results"
    own = tuple(n for n in _SERIES_NOUNS if last in (n, n + "s"))
    alternatives = []
    suffix = r"\s+(?:of|in)\s+(?:this|the|our)\s+(?:series|trilogy)"
    if 0 <= j < len(CARDINALS):
        ordinal = f"(?:{_ORDINALS[j]}|{_SHORT[j]})"
        alternatives.append(rf"{ordinal}\s+{_nouns(_POST_NOUNS + own)}{suffix}")   # "first post of this trilogy"
        if own:
            alternatives.append(rf"{ordinal}\s+{_nouns(own)}")                       # "the first update"
        if numbered:
            alternatives += [rf"part\s+(?:{CARDINALS[j]}|{j + 1})(?![\w.])", rf"{ordinal}\s+{_nouns(_POST_NOUNS)}"]
        if j == 0:
            alternatives.append(r"introduction\s+to\s+(?:this|the|our)\s+series")
    before = own + (_POST_NOUNS if numbered else ())
    if k == j + 1 and before:
        alternatives.append(rf"(?:{'|'.join(_BEFORE)})\s+{_nouns(before)}")
    if not alternatives:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


# "my previous post", "our last blog post", "the previous article": the post its author published before this one
_POST = r"\s+(?:blog\s+)?(?:post|article|entry)(?![\w-])"
PREVIOUS_POST = (r"(?:(?:(?<=my )|(?<=our )|(?<=the ))(?:previous|prior|preceding)"
                 r"|(?:(?<=my )|(?<=our ))(?:last|most\s+recent))" + _POST
                 + r"|(?<=the )last" + _POST + r"(?!\s+(?:of|in|on|from|for)\b)")   # not "the last post of the series"
_PREVIOUS_SAID = re.compile(PREVIOUS_POST, re.IGNORECASE)
_PREVIOUS_WORDS = re.compile(r"(?:previous|prior|preceding|last|most\s+recent)" + _POST, re.IGNORECASE)


def says_previous_post(text: str) -> bool:
    """Does the text say "my previous post" (:data:`PREVIOUS_POST`)?"""
    return _PREVIOUS_SAID.search(text) is not None


def is_previous_post(anchor: str) -> bool:
    """Is the anchor "previous post" (of "my previous post"), not a post's place in a series?"""
    return _PREVIOUS_WORDS.fullmatch(anchor) is not None


def reference_reason(anchor: str) -> str:
    """Why a series reference (or "my previous post") is the target's anchor, in a suggestion's reasons."""
    if is_previous_post(anchor):
        return f"'{anchor}' points at it: the source's author published it last before, on this topic"
    return f"'{anchor}' points at it: both are posts of one series"


# how many of the source's best targets "my previous post" may point at
PREVIOUS_TOP = 3


def previous_post(ranked: Sequence[str], born: date | None, published: Callable[[str], date | None],
                  linked: Iterable[str]) -> str | None:
    """What "my previous post" in a source points at: of its best targets (``ranked``, the first
    :data:`PREVIOUS_TOP`), the one published last before it, on its day or earlier — the author's previous post on
    the topic (on the 912-page blog, 13 of 16 such links the author made). None when two share that day, or when the
    source already links to a post published later than it and before the source (``linked``: then that is the
    previous post)."""
    if born is None:
        return None
    earlier = [(day, t) for t in ranked[:PREVIOUS_TOP] if (day := published(t)) is not None and day <= born]
    if not earlier:
        return None
    latest = max(day for day, _ in earlier)
    picks = [t for day, t in earlier if day == latest]
    if len(picks) != 1 or any((day := published(u)) is not None and latest < day <= born for u in linked):
        return None
    return picks[0]


def _nouns(nouns: tuple[str, ...]) -> str:
    return r"(?:" + "|".join(n.replace(" ", r"\s+") for n in nouns) + r")"
