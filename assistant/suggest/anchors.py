"""Choose the anchor and the sentence of a suggestion from the source's main text. Pure.

Guarantees: ``anchor`` occurs verbatim in ``sentence``, and ``sentence`` occurs verbatim in the source's
main text once whitespace is collapsed (sentences are split as ingest splits them:
:func:`assistant.text.sentences` within each paragraph). The anchor is 1-6 words: a phrase of the
target (title, title part or n-gram, an anchor other pages use) as the source writes it, else a run of
words from the best-matching sentence that neither starts nor ends with a stopword.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.rules.data import STOPWORDS, is_generic
from assistant.suggest.candidates import MAX_ANCHOR_WORDS, Mention, body_text, lettered
from assistant.text import clip, normalize_space, sentences

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# a mention whose phrase already makes up this share of the target's anchors loses this much strength,
# so that a slightly weaker but different phrase is chosen (anchor variety)
REPEAT_PENALTY = 0.3
# a phrase on most pages of the site (specificity near 0) is no anchor for one of them
MIN_STRENGTH = 0.05


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
            if s and (s[0].isalnum() or s[0] in "\"'“‘(") and not s.startswith(("(/", "('")) and _prose(s):
                yield s


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


def _find(sents: list[str], key: str) -> tuple[str, str] | None:
    pattern = phrase_pattern(key)
    for s in sents:
        if (m := pattern.search(s)) is not None:
            anchor = m.group(0)
            return anchor, clip(s, anchor)
    return None


def _share(anchor_key: str, existing: Counter[str]) -> float:
    total = sum(existing.values())
    if not total:
        return 0.0
    same = sum(n for a, n in existing.items() if " ".join(_TOKEN.findall(a.lower())) == anchor_key)
    return same / total


def from_mentions(sents: list[str], mentions: list[Mention], existing: Counter[str]) -> Placement | None:
    """The best mention, its strength lowered by how often its phrase is already an anchor to the target."""
    ranked = sorted(mentions, key=lambda m: (-(m.strength - REPEAT_PENALTY * _share(m.phrase.key, existing)),
                                             -len(m.phrase.key), m.phrase.key))
    for m in ranked:
        if not lettered(m.phrase.key.split()) or m.strength < MIN_STRENGTH:
            continue       # an author's "2016" or "each" counts (a little) as a mention, but is no anchor of ours
        found = _find(sents, m.phrase.key)
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


def best_sentence(sents: list[str], weights: dict[str, float]) -> Placement | None:
    """No mention: the sentence sharing the most weighted words with the target (title words, key terms)
    that holds a natural run of 1-4 words (no stopword at either end, at least half of them the target's);
    the run carrying the most weight is the anchor."""
    ranked = []
    for i, s in enumerate(sents):
        w = sum(weights.get(t, 0.0) for t in {t.lower() for t in _TOKEN.findall(s)})
        if w > 0 and len(s) <= 600:
            ranked.append((-w, i, s))
    for _, _, sentence in sorted(ranked)[:10]:
        anchor = _best_run(sentence, weights)
        if anchor is not None:
            return Placement(anchor, clip(sentence, anchor), False)
    return None


def _best_run(sentence: str, weights: dict[str, float]) -> str | None:
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
            if is_generic(text) or not _natural(sentence, run[0][0], run[-1][1]):
                continue
            if top is None or (w, n, -i) > top:
                top = (w, n, -i)
    if top is None:
        return None
    _, n, neg_i = top
    return sentence[spans[-neg_i][0]:spans[-neg_i + n - 1][1]]


def place(text: str, mentions: list[Mention], existing: Counter[str], weights: dict[str, float],
          title: str = "") -> Placement | None:
    """Anchor and sentence for one (source text, target) pair: an unlinked mention when there is one, else
    the best-matching sentence; None when the source shares no word with the target. Lines that repeat
    the source's ``title`` (its heading) are not used."""
    sents = list(split_sentences(body_text(text, title)))
    placed = from_mentions(sents, mentions, existing) if mentions else None
    if placed is None:
        placed = best_sentence(sents, weights)
    if placed is None:
        return None
    words = len(_TOKEN.findall(placed.anchor))
    if not 1 <= words <= MAX_ANCHOR_WORDS or placed.anchor not in placed.sentence:
        return None
    return placed
