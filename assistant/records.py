"""The records that flow from extraction into the store: a page as extracted and its links. Plain data, below
both ``ingest`` and ``store`` (chunks are :class:`assistant.text.Chunk`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    target: str              # absolute, normalised
    anchor: str              # visible text, or img alt / title for image links
    anchor_kind: str         # text | image | empty
    rel: str                 # space-separated, lower case (nofollow, sponsored, ugc, ...)
    placement: str           # content | boilerplate
    sentence: str            # the sentence (content) or block text around the link
    position: int            # order in the page


@dataclass(frozen=True)
class Extracted:
    title: str
    description: str
    canonical: str | None
    lang: str
    published: str | None
    modified: str | None
    main_text: str           # paragraphs separated by "\n", whitespace collapsed inside each
    word_count: int
    noindex: bool
    nofollow: bool
    links: list[Link] = field(default_factory=list)
