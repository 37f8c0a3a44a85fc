"""Outreach emails: drafted by the LLM from ``prompts/outreach_email.md``, checked by the guard, redrafted once
with the guard's reasons, else the plain template (which passes the guard by construction). Pure: the model
is reached through the ``ask`` callable the loader passes in.

The model writes the subject and the middle of the email (an opening sentence about their page, a sentence
about ours); :func:`frame` puts them between a greeting, our page's real title and URL, the prospect's real
title and a sign-off. A 0.5B local model cannot be trusted with those facts, and the frame keeps every draft
to the one ask the guard allows: a mention, if the author thinks it helps their readers.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.llm import LLMError
from assistant.llm.prompts import render
from assistant.outreach.guard import Grounding, check
from assistant.text import normalize_space, sentences

PARTS = ("subject", "opening", "pitch")
SCHEMA: dict[str, Any] = {"type": "object", "properties": {k: {"type": "string"} for k in PARTS},
                          "required": list(PARTS)}
SUMMARY_CHARS = 320
MIN_DESCRIPTION = 40
PROSE_WORDS = 12                 # a summary paragraph has at least this many words …
MENU_WORDS = 12                  # … and no sentence this long of mostly capitalised words (a menu):
LOWER_SHARE = 0.4                # prose has at least this share of lower-case words
Ask = Callable[[str, str], dict[str, Any]]       # (system, user) -> the model's JSON object


@dataclass(frozen=True)
class Pitch:
    """Everything an email may say: the real texts of both pages."""

    grounding: Grounding
    domain: str                      # the prospect's domain
    excerpt: str                     # the start of the prospect page's main text
    summary: str                     # our page's summary (see :func:`summary`)
    terms: tuple[str, ...]           # words both pages dwell on


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    source: str                      # llm | template
    rejected: tuple[str, ...] = ()   # why earlier drafts were thrown away


def summary(description: str, text: str) -> str:
    """Our page in a sentence or two: its meta description, else the first sentences of its main text."""
    description = normalize_space(description)
    if len(description) >= MIN_DESCRIPTION:
        return description
    first = next((para for para in map(normalize_space, text.split("\n")) if _prose(para)), "")
    out = ""
    for start, end in sentences(first):
        piece = first[start:end].strip()
        if out and len(out) + len(piece) > SUMMARY_CHARS:
            break
        out = f"{out} {piece}".strip()
    return out[:SUMMARY_CHARS] or description


def _prose(paragraph: str) -> bool:
    """A paragraph that reads as prose: sentences of several words, not a menu, a tagline or a heading
    ("Small. Fast. Reliable. Home Menu About Documentation Download …")."""
    spans = [paragraph[a:b].split() for a, b in sentences(paragraph)]
    return bool(spans) and sum(map(len, spans)) >= PROSE_WORDS and \
        statistics.median(map(len, spans)) >= 5 and \
        all(len(words) < MENU_WORDS or sum(w[0].islower() for w in words) >= LOWER_SHARE * len(words)
            for words in spans)


def _topics(terms: tuple[str, ...]) -> str:
    return ", ".join(terms[:-1]) + f" and {terms[-1]}" if len(terms) > 1 else (terms[0] if terms else "")


def template(p: Pitch) -> Draft:
    """The plain deterministic email: only the two real titles, our summary and URL, no ask beyond a mention."""
    g = p.grounding
    topics = _topics(p.terms)
    covers = f"“{g.our_title}” covers {topics} as well." if topics else f"“{g.our_title}” is on a related topic."
    body = (f"Hello,\n\nI read “{g.prospect_title}” on {p.domain} and thought of a page of ours that goes with it. "
            f"{covers}" + (f" In short: {p.summary}" if p.summary else "") +
            f"\n\nHere it is, in case it is useful to you or your readers: {g.our_url}\n\n"
            "If it fits your article, a mention would be very welcome; if not, no worries at all. "
            "Thank you for writing it.\n\nBest regards")
    return Draft(f"A further read for “{g.prospect_title}”", body, "template")


def frame(p: Pitch, opening: str, pitch: str) -> str:
    """The email around the model's two sentences."""
    g = p.grounding
    return (f"Hello,\n\n{opening.strip()}\n\n{pitch.strip()} Our page “{g.our_title}” is here: {g.our_url}\n\n"
            f"If you think it would help the readers of “{g.prospect_title}”, a mention would be very welcome; "
            "if not, no worries at all.\n\nBest regards")


def _ask_once(p: Pitch, ask: Ask, feedback: str) -> tuple[str, str, str]:
    g = p.grounding
    system, user = render("outreach_email", prospect_title=g.prospect_title, prospect_domain=p.domain,
                          prospect_excerpt=p.excerpt, our_title=g.our_title, our_summary=p.summary,
                          shared_topics=_topics(p.terms) or "(none found)", feedback=feedback)
    reply = {k: " ".join(str(v).split()) for k, v in ask(system, user).items()}
    return reply.get("subject", ""), reply.get("opening", ""), reply.get("pitch", "")


def shape_problems(subject: str, opening: str, pitch: str) -> list[str]:
    """What makes the model's parts no email: missing, far too long, or the same sentence twice."""
    problems = [f"has no {name}" for name, text in (("subject", subject), ("opening", opening), ("pitch", pitch))
                if not text.strip()]
    problems += [f"writes a {name} of {n} words (at most {limit})" for name, text, limit in
                 (("subject", subject, 12), ("opening", opening, 40), ("pitch", pitch, 45))
                 if (n := len(text.split())) > limit]
    a, b = (set(re.findall(r"\w+", t.lower())) for t in (opening, pitch))
    if a and b and len(a & b) / min(len(a), len(b)) > 0.7:
        problems.append("says the same thing in the opening and the pitch")
    return problems


def write(p: Pitch, ask: Ask | None) -> Draft:
    """The LLM's draft if it passes the guard (first try or one redraft), else the template."""
    if ask is None:
        return template(p)
    rejected: list[str] = []
    feedback = ""
    for _attempt in range(2):
        try:
            subject, opening, pitch = _ask_once(p, ask, feedback)
        except LLMError as exc:
            rejected.append(f"the model failed: {exc}")
            break
        body = frame(p, opening, pitch)
        problems = shape_problems(subject, opening, pitch) or check(subject, body, p.grounding)
        if not problems:
            return Draft(subject, body, "llm", tuple(rejected))
        rejected.append("; ".join(problems))
        feedback = ("Your previous draft was rejected because it " + "; ".join(problems) +
                    ". Write a new one that follows every rule.\n")
    fallback = template(p)
    return Draft(fallback.subject, fallback.body, "template", tuple(rejected))
