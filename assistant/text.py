"""Text helpers shared by extraction and chunking: whitespace, sentences, chunks. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_WS = re.compile(r"\s+")
# a sentence ends at . ! ? (optionally closed by quotes/brackets) followed by space and an opening character
_SENT_END = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
MAX_SENTENCE = 400
_PIECES = re.compile(r"[A-Za-z]+|\d|[^\w\s]|\w+")


def estimate_tokens(texts: list[str]) -> list[int]:
    """WordPiece token counts, estimated: letters-words cost 1 per 7 letters, digits and symbols 1 each.

    Measured on 6,130 go-blog chunks against the real tokenizer: real/estimate mean 0.97, p99 1.30,
    max 1.8, at a tenth of the tokenizer's time. Chunks are packed to 128 estimated tokens and the
    model reads 256, so no chunk text is ever truncated away.
    """
    out = []
    for text in texts:
        n = 0
        for w in _PIECES.findall(text):     # 1.5x finditer's speed: this runs on every paragraph of every page
            size = len(w)
            n += 1 if size == 1 else 1 + (size - 1) // 7 if w.isalpha() else size
        out.append(n)
    return out


def normalize_space(text: str) -> str:
    return _WS.sub(" ", text).strip()


# a period after these ends no sentence: initials and abbreviations ("the U.S. Web Design Standards", "Dr. Smith")
_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|Inc|Ltd|Co|No|Fig|approx|Gen|Rep|"
                           r"Sen|Gov|Mt|Ft))\.$")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) spans of the sentences of one paragraph."""
    start = 0
    for m in _SENT_END.finditer(text):
        if _ABBREVIATION.search(text, max(0, m.start() - 8), m.start()):
            continue
        yield start, m.start() + len(m.group(1))
        start = m.end()
    if start < len(text):
        yield start, len(text)


def sentence_at(text: str, offset: int, anchor: str) -> str:
    """The sentence of ``text`` that holds ``anchor`` near character ``offset`` (clipped to 400 chars)."""
    if not text:
        return anchor
    spans = list(sentences(text))
    for start, end in spans:
        if start <= offset < max(end, start + 1) or offset >= len(text):
            sentence = text[start:end].strip()
            if anchor and anchor not in sentence:
                continue
            return clip(sentence, anchor)
    hit = text.find(anchor) if anchor else -1
    for start, end in spans:
        if start <= hit < end:
            return clip(text[start:end].strip(), anchor)
    return clip(text, anchor)


def clip(sentence: str, anchor: str) -> str:
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    at = max(sentence.find(anchor), 0) if anchor else 0
    start = max(0, min(at - MAX_SENTENCE // 2, len(sentence) - MAX_SENTENCE))
    return sentence[start:start + MAX_SENTENCE].strip()


def _split_words(text: str, max_tokens: int, count_tokens: Callable[[list[str]], list[int]]) -> list[str]:
    """Windows of whole words that fit the budget (for "sentences" with no end, such as code or lists)."""
    out: list[str] = []
    words = text.split()
    start = 0
    while start < len(words):
        end = min(len(words), start + max_tokens)
        while end > start + 1 and count_tokens([" ".join(words[start:end])])[0] > max_tokens:
            end = start + max(1, (end - start) * 3 // 4)
        out.append(" ".join(words[start:end]))
        start = end
    return out


@dataclass(frozen=True)
class Chunk:
    position: int
    text: str


def chunk_text(main_text: str, max_tokens: int,
               count_tokens: Callable[[list[str]], list[int]] = estimate_tokens) -> list[Chunk]:
    """Split main text into chunks of whole sentences of at most ``max_tokens`` tokens each.

    Paragraphs are kept together when they fit; longer ones are cut at sentence ends, and a
    "sentence" that still does not fit (code, lists) at word boundaries. ``count_tokens`` counts a
    batch of texts (default: :func:`estimate_tokens`; an embedder's exact ``count_tokens`` fits too).
    """
    paras = [p.strip() for p in main_text.split("\n") if p.strip()]
    pieces: list[tuple[str, int]] = []
    for para, n in zip(paras, count_tokens(paras), strict=True):
        if n <= max_tokens:
            pieces.append((para, n))
            continue
        sents = [para[s:e].strip() for s, e in sentences(para) if para[s:e].strip()]
        for sentence, m in zip(sents, count_tokens(sents), strict=True):
            if m <= max_tokens:
                pieces.append((sentence, m))
            else:
                windows = _split_words(sentence, max_tokens, count_tokens)
                pieces.extend(zip(windows, count_tokens(windows), strict=True))
    chunks: list[Chunk] = []
    current: list[str] = []
    used = 0
    for piece, n in pieces:
        if current and used + n > max_tokens:
            chunks.append(Chunk(len(chunks), " ".join(current)))
            current, used = [], 0
        current.append(piece)
        used += n
    if current:
        chunks.append(Chunk(len(chunks), " ".join(current)))
    return chunks
