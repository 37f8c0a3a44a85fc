"""Is the anchor about the target? Pure.

The anchor phrase itself is scored against what names the target — its title, the anchors other pages use for
it, its URL's words — not the source page or passage against the target page: a passage about PGO does not
link "new version" to a protobuf post, and "protobuf module" is not a name of the Opaque API post.

``anchor_fit`` is 0 when the phrase's head noun (:func:`~assistant.suggest.phrases.head`) is not among the
target's naming words; else the share of the phrase's content words (weighted by how specific each is on the
site) that are. A one-word anchor also needs the word to be specific: "modules" on a Go blog names no one page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

from assistant.suggest import phrases
from assistant.suggest.candidates import SERIES_MARKER

_SLUG = re.compile(r"[^\W_]+(?:\.\d+)*", re.UNICODE)
MIN_WEIGHT = 0.05
# a word this unspecific (on most of the site's pages: "Rust", "18F", "services" of a government blog) names the
# site or its field, not a kind of thing
SITE_WORD = 0.1


def naming_words(title: str, anchors: Iterable[str], url: str) -> frozenset[str]:
    """Stems of the words that name a page: its title, the anchors of links to it, its URL path's words."""
    words = [w for _, _, w in phrases.spans(title)]
    for a in anchors:
        words.extend(w for _, _, w in phrases.spans(a))
    words.extend(w.lower() for w in _SLUG.findall(unquote(urlsplit(url).path)))
    return frozenset(phrases.stem(w) for w in words if not phrases.is_function(w))


def broader(anchor: str, title: str, specificity: Callable[[str], float]) -> bool:
    """The title writes the anchor's words right after a noun that narrows them ("Rvalue lifetimes in Rust",
    "Compiler design sprint summary", "the pre-RFC process"): "lifetimes in Rust", "design sprint", "RFC process"
    name something broader than the page. An adjective, a verb or a function word before them narrows nothing
    ("the new Opaque API", "Using Go Modules"), nor does a word on most of the site's pages (its name, its
    topic: "the 18F Micro-purchase Platform", "The Rust Libz Blitz"), nor a series' part ("part 2")."""
    if SERIES_MARKER.fullmatch(anchor):
        return False
    said = [w for _, _, w in phrases.spans(anchor)]
    spans = phrases.spans(title)
    words = [w for _, _, w in spans]
    for i in phrases.runs_of(words, said):
        if i and title[spans[i - 1][1]:spans[i][0]] in (" ", "-"):
            before = words[i - 1]
            if not (phrases.is_function(before) or phrases.is_modifier(before) or before.endswith("ing")
                    or specificity(before) < SITE_WORD):
                return True
    return False


def names_whole(anchor: str, names: frozenset[str], title: str, specificity: Callable[[str], float],
                mentioned: bool = False) -> bool:
    """The anchor is an unlinked mention of the target (``mentioned``), or every content word of it is one of the
    target's naming words (``names``): "return type" is not a name of "Visitor as a sum type", though its head
    noun is; and it is not :func:`broader` than the target's title, nor a short title written as common words
    ("go relax" of a post on Go titled "Go relax", "journaling" of a database's journal for a post on keeping a
    diary: of such one- or two-word lowercase titles, 14 of 36 plan-kept suggestions restored an author's link on
    ten corpora, against 0.6 for the rest). Either way, a one-word anchor names a page only when it is its
    title's one content word ("traversals" for "Traversals"): one word of a longer title ("state" of "The State
    functor", "trees" of "A Tree functor") names part of what the page is about, and an author linked it 0.31 of
    the time across seven corpora (160 plan-kept suggestions), longer anchors 0.55."""
    said = [w for _, _, w in phrases.spans(anchor)]
    titled = [w for _, _, w in phrases.spans(title)]
    words = [w for w in said if not phrases.is_function(w)]
    if broader(anchor, title, specificity) or (anchor.islower() and len(said) <= 2 and said == titled):
        return False
    if len(words) == 1:
        return {phrases.stem(w) for w in titled if not phrases.is_function(w)} == {phrases.stem(words[0])}
    return bool(words) and (mentioned or all(phrases.stem(w) in names for w in words))


def anchor_fit(anchor: str, names: frozenset[str], specificity: Callable[[str], float]) -> float:
    """0-1: how much the anchor phrase is a name of the target (``names``: :func:`naming_words`)."""
    words = [w for _, _, w in phrases.spans(anchor) if not phrases.is_function(w)]
    if not words or phrases.stem(phrases.head(anchor)) not in names:
        return 0.0
    weight = {w: max(specificity(w), MIN_WEIGHT) for w in words}
    total = sum(weight.values())
    share = sum(v for w, v in weight.items() if phrases.stem(w) in names) / total
    return share * (specificity(words[0]) if len(words) == 1 else 1.0)
