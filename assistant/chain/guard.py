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
_QUOTE = re.compile(r"(?<![\w])[\"“'‘]([^\"“”'‘’\n]{3,160})[\"”'’](?![\w])")
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?=\S))+(?:[.!?]+\s*|$)")
BAD_ADVICE = re.compile(
    r"\b(buy\w*|purchas\w*|pay\w*|sell\w*|rent\w*|exchang\w*|swap\w*|trad\w*|sponsor\w*)\b[^.!?\n]{0,60}"
    r"\b(links?|backlinks?|guest posts?)\b|\b(links?|backlinks?)\b[^.!?\n]{0,40}\b(for sale|for money|exchange|"
    r"swap|packages?)\b|\bprivate blog networks?\b|\bPBNs?\b|\blink (farms?|schemes?|wheels?)\b|"
    r"\b(same|exact[- ]match|keyword[- ]rich)\b[^.!?\n]{0,40}\banchors?\b[^.!?\n]{0,40}\b(every|all|each|always|"
    r"everywhere|as many|repeated\w*|stuff\w*)\b|\bstuff\w*\b[^.!?\n]{0,30}\b(anchors?|keywords?)\b", re.I)
NEGATION = re.compile(r"\b(never|don'?t|do not|doesn'?t|avoid\w*|not|no|against|violat\w*|refus\w*|instead of|"
                      r"rather than|penal\w*|spam\w*|risk\w*|unsafe|bad practice|shouldn'?t|should not|won'?t)\b", re.I)
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


def check(text: str, sources: dict[int, str], known_urls: set[str], evidence: list[str]) -> Checked:
    """``text`` with unknown citations and URLs removed, made-up quotes dropped and bad advice replaced.

    ``sources`` maps citation numbers to URLs; ``evidence`` is the text quotes may come from (cited pages'
    main text, the fact sheet, the question)."""
    problems: list[str] = []

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
    out: list[str] = []
    replaced: set[str] = set()
    for sentence in _sentences(text):
        if not sentence.strip():
            out.append(sentence)
            continue
        bad = [q for q in _QUOTE.findall(sentence) if not any(norm(q) in h for h in haystack)]
        if bad:
            problems.append(f"quote '{bad[0]}' is not in the cited pages")
            continue
        if BAD_ADVICE.search(sentence) and not NEGATION.search(sentence):
            key = "anchors" if re.search(r"anchor|keyword", sentence, re.I) else "paid-link"
            problems.append(f"advice against rule {key} removed")
            if key not in replaced:
                replaced.add(key)
                out.append(" " + RULE_TEXT[key])
            continue
        out.append(sentence)
    return Checked(re.sub(r"[ \t]+", " ", "".join(out)).strip(), problems)


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
