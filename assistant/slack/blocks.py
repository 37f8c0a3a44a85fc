"""Block Kit for the bot's answers: pure functions from an answer (``Answer.as_dict()``) to Slack messages.

Everything that comes from pages, questions or the model is escaped (``&``, ``<``, ``>``), so a page that
says ``<!channel>`` cannot ping anyone and a title cannot forge a link. Citations ``[n]`` become links to the
cited pages; suggestions are cards (source → target, anchor, the sentence), findings are grouped by
severity. Slack refuses a section over 3,000 characters, a message over 50 blocks or with text over 40,000
characters, so long answers are split into sections and the sections into several messages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

SECTION_CHARS = 3000
MAX_BLOCKS = 50
TEXT_CHARS = 40_000
SENTENCE_CHARS = 600
SEVERITIES = (("high", ":red_circle: High"), ("medium", ":large_orange_circle: Medium"),
              ("low", ":large_yellow_circle: Low"))

Message = dict[str, Any]            # {"text": str, "blocks": [...]}: the keyword arguments of chat.postMessage

_CITE = re.compile(r"\[(\d+)\]")
# the engines' numbered list and findings list, which the cards below replace
_LIST_LINE = re.compile(r"^\s*(\d+\.\s+\[\d+\]\s*→|-\s+(high|medium|low)\s+\S+ on \[\d+\])")
_ATOM = re.compile(r"<[^<>\s]*\|[^<>]*>|<[^<>]*>|\s+|[^\s<]+|<")


def escape(text: str) -> str:
    """Text shown as is in mrkdwn: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link whose label and URL cannot break out of the ``<url|label>`` syntax."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label).replace('|', '¦')}>"


_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain(text: str) -> str:
    """A question as the user wrote it, from Slack's message text: user and channel mentions and special
    mentions dropped or named, links unwrapped to their URL, ``&amp;`` ``&lt;`` ``&gt;`` unescaped."""

    def one(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("@", "!")):
            return ""
        if target.startswith("#"):
            return f"#{label}" if label else ""
        return target

    out = _SLACK_LINK.sub(one, text)
    return " ".join(out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters: cut at lines, then at spaces, never inside a
    ``<url|label>`` link (unless a single link is longer than ``limit``)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        if len(line) <= limit:
            current = line
            continue
        for atom in _ATOM.findall(line):
            while len(atom) > limit:                         # a single word or link over the limit
                if current:
                    pieces.append(current)
                    current = ""
                pieces.append(atom[:limit])
                atom = atom[limit:]
            if len(current) + len(atom) > limit:
                pieces.append(current)
                current = atom.lstrip()
            else:
                current += atom
    if current.strip():
        pieces.append(current)
    return [p.strip("\n").rstrip() for p in pieces if p.strip()]


def sections(mrkdwn: str) -> list[dict[str, Any]]:
    """Section blocks holding ``mrkdwn`` (already escaped), each within Slack's 3,000 characters."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}
            for piece in split_text(mrkdwn, SECTION_CHARS)]


def pack(blocks: list[dict[str, Any]]) -> list[Message]:
    """Blocks in messages of at most 50 blocks and 40,000 characters of text (the text is the blocks'
    mrkdwn, for notifications and screen readers)."""
    messages: list[Message] = []
    current: list[dict[str, Any]] = []
    size = 0
    for block in blocks:
        text = _block_text(block)
        if current and (len(current) >= MAX_BLOCKS or size + len(text) + 1 > TEXT_CHARS):
            messages.append(_message(current))
            current, size = [], 0
        current.append(block)
        size += len(text) + 1
    if current:
        messages.append(_message(current))
    return messages


def text_messages(text: str) -> list[Message]:
    """Plain words (escaped here) as one or more messages."""
    return pack(sections(escape(text)))


def answer_messages(answer: dict[str, Any]) -> list[Message]:
    """The messages for one answer: its text with citation links, the cards, and the sources."""
    return pack(answer_blocks(answer))


def answer_blocks(answer: dict[str, Any]) -> list[dict[str, Any]]:
    citations = {int(c["n"]): c for c in answer.get("citations", [])}
    titles = {str(c["url"]): str(c.get("title") or c["url"]) for c in citations.values()}
    # a follow-up's text already is its one suggestion, in words
    suggestions = [] if answer.get("intent") == "follow-up" else answer.get("suggestions") or []
    findings = answer.get("findings") or []
    text = str(answer.get("answer", ""))
    if suggestions or findings:
        text = "\n".join(line for line in text.split("\n") if not _LIST_LINE.match(line)).strip()
    blocks = sections(cite(escape(text), citations)) if text else []
    if suggestions:
        blocks.append({"type": "divider"})
        for i, s in enumerate(suggestions, 1):
            blocks.extend(sections(suggestion_text(i, s, titles)))
    if findings:
        blocks.append({"type": "divider"})
        blocks.extend(findings_blocks(findings, titles))
    if citations:
        lines = [f"[{n}] {link(c['url'], str(c.get('title') or c['url']))}" for n, c in sorted(citations.items())]
        blocks.extend({"type": "context", "elements": [{"type": "mrkdwn", "text": piece}]}
                      for piece in split_text("*Sources*\n" + "\n".join(lines), SECTION_CHARS))
    return blocks or sections(escape("(no answer)"))


def cite(mrkdwn: str, citations: dict[int, dict[str, Any]]) -> str:
    """``[n]`` turned into a link to the n-th cited page (numbers without a citation stay as they are)."""

    def one(m: re.Match[str]) -> str:
        c = citations.get(int(m.group(1)))
        return link(str(c["url"]), m.group(0)) if c else m.group(0)

    return _CITE.sub(one, mrkdwn)


def suggestion_text(i: int, s: dict[str, Any], titles: dict[str, str]) -> str:
    """One suggested link: source → target, the anchor, and the sentence it goes in (anchor in bold)."""
    src, dst = str(s["source_url"]), str(s["target_url"])
    anchor = str(s.get("anchor", ""))
    sentence = escape(_clip(str(s.get("sentence", "")), SENTENCE_CHARS))
    marked = escape(anchor)
    if marked and marked in sentence:
        sentence = sentence.replace(marked, f"*{marked}*", 1)
    lines = [f"*{i}.* {link(src, titles.get(src) or _short(src))} → {link(dst, titles.get(dst) or _short(dst))}",
             f"Anchor: “{escape(anchor)}”"]
    if sentence:
        lines.append(f"> {sentence}")
    reasons = [str(r) for r in s.get("reasons", [])[:3]]
    if reasons:
        lines.append(f"_why: {escape('; '.join(reasons))}_")
    return "\n".join(lines)


def findings_blocks(findings: list[dict[str, Any]], titles: dict[str, str]) -> list[dict[str, Any]]:
    """Findings under one heading per severity, the most severe first."""
    known = {name for name, _ in SEVERITIES}
    groups = [*SEVERITIES, *((s, s.title()) for s in sorted({str(f.get("severity")) for f in findings} - known))]
    blocks: list[dict[str, Any]] = []
    for name, heading in groups:
        group = [f for f in findings if str(f.get("severity")) == name]
        if not group:
            continue
        blocks.extend(sections(f"*{heading}* — {len(group)} finding{'s' if len(group) != 1 else ''}"))
        for f in group:
            urls = [str(u) for u in f.get("urls", [])]
            where = ""
            if urls:
                where = " on " + link(urls[0], titles.get(urls[0]) or _short(urls[0]))
                where += f" (+{len(urls) - 1} more)" if len(urls) > 1 else ""
            text = f"• *{escape(str(f.get('rule', '')))}*{where}: {escape(str(f.get('message', '')))}"
            if f.get("fix"):
                text += f"\n   _Fix:_ {escape(str(f['fix']))}"
            blocks.extend(sections(text))
    return blocks


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path or url


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _block_text(block: dict[str, Any]) -> str:
    if "text" in block:
        return str(block["text"].get("text", ""))
    return "\n".join(str(e.get("text", "")) for e in block.get("elements", []))


def _message(blocks: list[dict[str, Any]]) -> Message:
    text = "\n".join(t for t in (_block_text(b) for b in blocks) if t)
    return {"text": text[:TEXT_CHARS] or " ", "blocks": blocks}
