"""Text helpers shared by extraction and chunking: whitespace, sentences, chunks. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_WS = re.compile(r"\s+")
# a sentence ends at . ! ? (optionally closed by quotes/brackets) followed by space and an opening character
_SENT_END = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
MAX_SENTENCE = 400


def normalize_space(text: str) -> str:
    return _WS.sub(" ", text).strip()


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) spans of the sentences of one paragraph."""
    start = 0
    for m in _SENT_END.finditer(text):
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
            return _clip(sentence, anchor)
    hit = text.find(anchor) if anchor else -1
    for start, end in spans:
        if start <= hit < end:
            return _clip(text[start:end].strip(), anchor)
    return _clip(text, anchor)


def _clip(sentence: str, anchor: str) -> str:
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    at = max(sentence.find(anchor), 0) if anchor else 0
    start = max(0, min(at - MAX_SENTENCE // 2, len(sentence) - MAX_SENTENCE))
    return sentence[start:start + MAX_SENTENCE].strip()


def _split_words(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Windows of whole words that fit the budget (for "sentences" with no end, such as code or lists)."""
    out: list[str] = []
    words = text.split()
    start = 0
    while start < len(words):
        end = min(len(words), start + max_tokens)
        while end > start + 1 and count_tokens(" ".join(words[start:end])) > max_tokens:
            end = start + max(1, (end - start) * 3 // 4)
        out.append(" ".join(words[start:end]))
        start = end
    return out


@dataclass(frozen=True)
class Chunk:
    position: int
    text: str


def chunk_text(main_text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[Chunk]:
    """Split main text into chunks of whole sentences of at most ``max_tokens`` tokens each.

    Paragraphs are kept together when they fit; a sentence longer than the budget becomes a chunk of
    its own (the embedder truncates it). ``count_tokens`` is the embedder's tokenizer.
    """
    pieces: list[str] = []
    for para in main_text.split("\n"):
        para = para.strip()
        if not para:
            continue
        if count_tokens(para) <= max_tokens:
            pieces.append(para)
            continue
        for s, e in sentences(para):
            sentence = para[s:e].strip()
            if count_tokens(sentence) <= max_tokens:
                pieces.append(sentence)
            else:
                pieces.extend(_split_words(sentence, max_tokens, count_tokens))
    chunks: list[Chunk] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        n = count_tokens(piece)
        if current and used + n > max_tokens:
            chunks.append(Chunk(len(chunks), " ".join(current)))
            current, used = [], 0
        current.append(piece)
        used += n
    if current:
        chunks.append(Chunk(len(chunks), " ".join(current)))
    return chunks
