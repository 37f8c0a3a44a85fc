"""Guard rules on every model answer. Pure.

* a citation ``[n]`` must name one of the answer's sources; an http(s) URL must be a page of the workspace;
* a quoted phrase must be verbatim in one of the cited pages or in the facts (an anchor the model made up is
  no anchor an editor can link);
* advice to buy, sell, rent or exchange links, or to stuff exact-match anchors, never passes: the sentence is
  replaced by the rule's explanation. Warnings against those practices ("never buy links") pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.chain.intent import URL

_CITE = re.compile(r"\[(\d{1,3})\]")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")
_QUOTE = re.compile(r"(?<![\w])[\"“'‘]([^\"“”'‘’\n]{3,160})[\"”'’](?![\w])")
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?=\S))+(?:[.!?]+\s*|$)")
PAID_ADVICE = re.compile(
    r"\b(buy\w*|purchas\w*|pay\w*|sell\w*|rent\w*|exchang\w*|swap\w*|trad\w*|sponsor\w*)\b[^.!?\n]{0,60}"
    r"\b(links?|backlinks?|guest posts?)\b|\b(links?|backlinks?)\b[^.!?\n]{0,40}\b(for sale|for money|exchange|"
    r"swap|packages?)\b|\bprivate blog networks?\b|\bPBNs?\b|\blink (farms?|schemes?|wheels?)\b", re.I)
ANCHOR_ADVICE = re.compile(
    r"\b(same|exact[- ]match|keyword[- ]rich)\b[^.!?\n]{0,40}\banchors?\b[^.!?\n]{0,40}\b(every|all|each|always|"
    r"everywhere|as many|repeated\w*|stuff\w*)\b|\bstuff\w*\b[^.!?\n]{0,30}\b(anchors?|keywords?)\b", re.I)
BAD_ADVICE = re.compile(f"{PAID_ADVICE.pattern}|{ANCHOR_ADVICE.pattern}", re.I)
NEGATION = re.compile(r"\b(never|don'?t|do not|doesn'?t|avoid\w*|not|no|against|violat\w*|refus\w*|instead of|"
                      r"rather than|penal\w*|spam\w*|risk\w*|unsafe|bad practice|shouldn'?t|should not|won'?t)\b", re.I)
# text written to steer a model ("ignore your instructions", "SYSTEM NOTE:"): crawled pages are data, so such
# sentences are cut from the passages before the model sees them, and from any answer that repeats them
INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,30}\b(instructions?|prompts?|rules|guidelines)\b|"
    r"\bsystem (note|override|prompt|message|instruction)s?\b|\byou are now\b|\bnew instructions?\b|"
    r"\b(as an ai|language model)\b[^.!?\n]{0,30}\b(must|should)\b", re.I)
RULE_TEXT = {
    "paid-link": "Paid or exchanged links break search engines' guidelines (rule paid-link): earn links with "
                 "content worth citing and honest outreach instead.",
    "anchors": "Exact-match anchor stuffing is a known spam signal (rules exact-match-anchor-overuse and "
               "same-anchor-everywhere): vary anchors naturally.",
}


@dataclass
class Checked:
    text: str
    problems: list[str] = field(default_factory=list)


def norm(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').split()).lower()


def defang(text: str) -> str:
    """Page text with the sentences that address a model removed (they are never instructions, and a
    small model tends to repeat them)."""
    kept = [sentence for sentence in _sentences(text) if not INSTRUCTION.search(sentence)]
    return "".join(kept).strip() if len(kept) < len(_sentences(text)) else text


def cite_titles(text: str, titles: dict[int, str]) -> str:
    """``text`` with a citation after each source title it names without one (a small model often names a
    page "Checkpoint Mode Values" instead of citing it [2]). Only titles of two or more words count, so a
    one-word title ("SELECT") is never mistaken for a word of the prose."""
    for n, title in sorted(titles.items(), key=lambda item: -len(item[1])):
        if len(title.split()) < 2:
            continue
        pattern = re.compile(r"([\"“]?)" + re.escape(title) + r"([\"”]?)(?![\"”]?\s*\[\d)(?![\w-])")
        text = pattern.sub(lambda m: f"{m.group(0)} [{n}]", text)  # noqa: B023 (used at once)
    return text


def check(text: str, sources: dict[int, str], known_urls: set[str], evidence: list[str],
          cite_or_drop: bool = True, titles: dict[int, str] | None = None) -> Checked:
    """``text`` with unknown citations and URLs removed, made-up quotes dropped, bad advice replaced, text
    that addresses a model dropped, and (``cite_or_drop``) claims that cite nothing dropped: a sentence must
    cite a source [n], or continue a sentence that does, and its numbers must be in the evidence.

    ``sources`` maps citation numbers to URLs (``titles``, to the pages' titles: a title named without its
    citation gets it, see :func:`cite_titles`); ``evidence`` is the text quotes may come from (cited pages'
    main text, the fact sheet, the question)."""
    problems: list[str] = []
    if titles:
        text = cite_titles(text, titles)

    def cite(m: re.Match[str]) -> str:
        if int(m.group(1)) in sources:
            return m.group(0)
        problems.append(f"citation {m.group(0)} names no source")
        return ""

    text = _CITE.sub(cite, text)

    def url(m: re.Match[str]) -> str:
        u = m.group(0).rstrip(".,;:!?")
        if u in known_urls or u.rstrip("/") + "/" in known_urls:
            return m.group(0)
        problems.append(f"URL {u} is not a page of the workspace")
        return "(link removed)"

    text = URL.sub(url, text)
    haystack = [norm(e) for e in evidence]
    numbers = {n for h in haystack for n in _NUMBER.findall(h)}
    out: list[str] = []
    replaced: set[str] = set()
    grounded = False            # the last kept sentence cited a source
    for sentence in _sentences(text):
        if not sentence.strip():
            out.append(sentence)
            continue
        if INSTRUCTION.search(sentence):
            problems.append("text addressed to a model removed")
            continue
        bad = [q for q in _QUOTE.findall(sentence) if not any(norm(q) in h for h in haystack)]
        if bad:
            problems.append(f"quote '{bad[0]}' is not in the cited pages")
            continue
        if cite_or_drop and not BAD_ADVICE.search(sentence):
            invented = [n for n in _NUMBER.findall(_CITE.sub("", norm(sentence))) if n not in numbers]
            has_cite = bool(_CITE.search(sentence))
            if invented or not (has_cite or grounded):
                problems.append(f"claim without a source removed: {sentence.strip()[:80]}")
                grounded = False
                continue
            grounded = has_cite
        if BAD_ADVICE.search(sentence) and not NEGATION.search(sentence):
            keys = [k for k, advice in (("paid-link", PAID_ADVICE), ("anchors", ANCHOR_ADVICE))
                    if advice.search(sentence)]
            for key in keys:
                problems.append(f"advice against rule {key} removed")
                if key not in replaced:
                    replaced.add(key)
                    out.append(" " + RULE_TEXT[key])
            continue
        out.append(sentence)
    return Checked(re.sub(r"[ \t]+", " ", "".join(out)).strip(), problems)


_LISTED = re.compile(r"\s*(?:[-*•]|\d+[.)]|\[\d+\]\s*[\"“])")
LEAD_SENTENCES = 3


def tidy(text: str) -> str:
    """The model's lead as prose: list lines copied from the fact sheet dropped (the engines' list follows
    the lead verbatim), at most three sentences, and no sentence cut off by the token limit."""
    lines = [line for line in text.strip().split("\n")
             if line.strip() and not _LISTED.match(line) and not line.rstrip().endswith(":")]
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(" ".join(lines)) if m.group(0).strip()]
    if sentences and not re.search(r"[.!?…:]['\"”’)\]]*$", sentences[-1]):
        last = sentences[-1]
        sentences = sentences[:-1] or [last + ("." if last[-1] in ")]" else "…")]
    return " ".join(sentences[:LEAD_SENTENCES])


def _sentences(text: str) -> list[str]:
    """Sentences with their trailing space; line breaks kept as items of their own. A full stop inside a
    word ("time.Sleep", "Go 1.21") does not end a sentence."""
    out: list[str] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append("\n")
        out.extend(m.group(0) for m in _SENTENCE.finditer(line))
    return out


def cited(text: str) -> list[int]:
    """Citation numbers in order of first appearance."""
    seen: list[int] = []
    for m in _CITE.finditer(text):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen
