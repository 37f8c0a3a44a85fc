"""New internal links for the plan: which suggestions become tasks, under the audit's own limits. Pure.

A suggestion (:class:`~assistant.suggest.Suggestion`) becomes a link task only when

* its source page has room: adding the link must not trip ``too-many-links`` (more than
  ``[audit] too_many_links`` links on the page, or ``content_links_per_100_words`` exceeded once the page has 20
  content links) and the plan puts at most :data:`NEW_LINKS_PER_PAGE` new links on one page (an editor adds a
  few links to a page at a time; more than that rewrites it);
* its anchor trips no anchor rule: it would not become more than ``same_anchor_share`` of the target's
  in-content anchors (``same-anchor-everywhere``), it is not a multi-word anchor already used for another page
  (``anchor-cannibalisation``), and for a page flagged by ``exact-match-anchor-overuse`` it is none of the
  page's exact-match phrases nor its dominant backlink anchor; the plan never gives one target the same anchor
  twice;
* its confidence (the share of such suggestions that restore a link the authors made) is at least
  ``[suggest] min_confidence``, and its anchor names the target (:func:`~assistant.suggest.model.names_target`);
* the pair is new to the plan (one link per source and target, one new link per sentence), and the target
  gets at most :data:`NEW_LINKS_PER_TARGET` new links.

Suggestions are taken in order of impact, so the most valuable links claim a page's room first.
:func:`violations` re-runs the rules themselves on the links with the plan's links added, as a final check.

Only links an editor would add are kept: the sentence reads as prose (at most :data:`MAX_SENTENCE` characters,
few code characters, so no link goes into a code sample); every word of the anchor (stopwords aside) is in the
target's title or used at least :data:`MIN_TERM_USES` times in its text, so the anchor says what the target is
about; and an anchor that is not an unlinked mention of the target (the suggestion's ``mentioned``) has at
least two words.

Impact of a link (0-100) = 60 × relevance × (0.5 + 0.3 × PageRank gain + 0.2 × referring domains routed), plus
a bonus when the link fixes an audit finding about the target (high +20, medium +10, low +5). One new link is
worth at most 60 on its own, less than fixing a high-severity finding (70 ± 25 %), so that a site's plan does not
bury a penalty risk under a hundred small link additions. Relevance is the
suggestion's score over :data:`SCORE_FULL` (capped at 1): an off-topic link is worth little however much PageRank
it moves. PageRank gain is the target's rise relative to its PageRank now, on a log scale that is full at
+50 % (``log1p(pct) / log1p(50)``); referring domains are the source's, ``log1p(n) / log1p(20)``: the authority
the link routes; with imported traffic, the larger of that and the source's clicks (else views),
``log1p(n) / log1p(1000)``: "passes authority from a page with 3,100 clicks".
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from assistant.models import Finding
from assistant.plan.tasks import Task, effort_for, path_of
from assistant.plan.traffic import passes, routed
from assistant.rules.anchors import anchor_cannibalisation, same_anchor_everywhere
from assistant.rules.data import AuditData, LinkInfo, is_generic, norm_anchor, words
from assistant.rules.links import too_many_links
from assistant.suggest.model import names_target

NEW_LINKS_PER_PAGE = 3
NEW_LINKS_PER_TARGET = 3
GAIN_FULL = 50.0                  # a 50 % rise of the target's PageRank is full impact (log scale)
LINK_SCALE = 60.0                 # the impact of the best possible single link (before a fix bonus)
SCORE_FULL = 0.6                  # a suggestion score that counts as fully relevant
MAX_SENTENCE = 300
CODE_CHARS = frozenset("{}[]();=<>*&|$\\`")
MAX_CODE_SHARE = 0.02
MIN_TERM_USES = 3
RD_FULL = 20                      # referring domains of the source for full "authority routed"
FIX_BONUS = {"high": 20.0, "medium": 10.0, "low": 5.0}
# the audit rule a link task fixes, by the kind of task it becomes
LINK_RULES = {"orphan-page": "link-orphan", "forgotten-old-content": "refresh-old-content",
              "important-page-underlinked": "add-internal-link"}


@dataclass(frozen=True, eq=False)
class LinkIdea:
    """A suggested link with what the plan knows about it (compared by identity: one object, one idea)."""

    source: str
    target: str
    anchor: str
    sentence: str
    score: float
    pagerank_gain: float
    reasons: tuple[str, ...] = ()
    fixes: Finding | None = None          # the audit finding about the target that the link helps fix
    mentioned: bool = False               # the anchor is an unlinked mention of the target
    confidence: float = 1.0               # the suggestion's calibrated confidence (assistant.suggest.confidence)
    named: bool = True                    # every word of the anchor names the target (Suggestion.named)


def link_impact(idea: LinkIdea, target_pagerank: float, source_rd: int,
                visits: tuple[float, str] | None = None) -> float:
    pct = 100 * idea.pagerank_gain / target_pagerank if target_pagerank > 0 else 0.0
    gain = min(1.0, math.log1p(max(0.0, pct)) / math.log1p(GAIN_FULL))
    rd = max(min(1.0, math.log1p(source_rd) / math.log1p(RD_FULL)), routed(visits))   # authority routed
    relevance = min(1.0, max(0.0, idea.score) / SCORE_FULL)
    bonus = FIX_BONUS.get(idea.fixes.severity, 0.0) if idea.fixes else 0.0
    return round(min(100.0, LINK_SCALE * relevance * (0.5 + 0.3 * gain + 0.2 * rd) + bonus), 1)


def is_mention(idea: LinkIdea) -> bool:
    """The anchor is the target's name written in the source (an unlinked mention), as the engine says."""
    return idea.mentioned


def cuts_a_token(sentence: str, anchor: str) -> bool:
    """The anchor starts or ends inside a token: "595 survey respondents" of "3,595 survey respondents",
    "release of Go 1" of "Go 1.15", "api" of "api.godoc.org"."""
    at = sentence.find(anchor)
    if at < 0:
        return True
    before = sentence[max(0, at - 2):at]
    after = sentence[at + len(anchor):at + len(anchor) + 2]
    joined = ".,-/:_@"
    return bool((before[-1:].isalnum() or (len(before) == 2 and before[1] in joined and before[0].isalnum()))
                or (after[:1].isalnum() or (len(after) == 2 and after[0] in joined and after[1].isalnum())))


def editable(idea: LinkIdea) -> str | None:
    """Why an editor would not add this link (code, a run-on sentence, a stray word as anchor), or None."""
    text = idea.sentence
    if len(text) > MAX_SENTENCE:
        return f"the sentence is longer than {MAX_SENTENCE} characters"
    if text.lstrip().startswith(("//", "#", "$", ">")) or sum(c in CODE_CHARS for c in text) > MAX_CODE_SHARE * len(
            text):
        return "the sentence looks like code"
    if cuts_a_token(text, idea.anchor):
        return "the anchor cuts a word, number or name in two"
    if len(idea.anchor.split()) < 2 and not is_mention(idea):
        return "a one-word anchor that is not a mention of the target"
    return None


def trips_too_many(links: int, content: int, words: int, data: AuditData) -> bool:
    """The ``too-many-links`` rule's test for one page (see :func:`assistant.rules.links.too_many_links`)."""
    s = data.settings
    density = 100 * content / words if words else 0.0
    return links > s.too_many_links or (content >= 20 and density > s.content_links_per_100_words)


class LinkGuard:
    """The limits new links must respect, updated as links are accepted."""

    def __init__(self, data: AuditData, findings: Iterable[Finding], per_page: int = NEW_LINKS_PER_PAGE,
                 per_target: int = NEW_LINKS_PER_TARGET, min_confidence: float = 0.0) -> None:
        self.data = data
        self.min_confidence = min_confidence
        self.per_page, self.per_target = per_page, per_target
        self.links: Counter[str] = Counter()
        self.content: Counter[str] = Counter()
        self.anchors: dict[str, Counter[str]] = defaultdict(Counter)      # same-anchor-everywhere's view
        self.anchor_targets: dict[str, set[str]] = defaultdict(set)       # anchor-cannibalisation's view
        for link in data.links:
            self.links[link.source] += 1
            if link.placement != "content":
                continue
            self.content[link.source] += 1
            if link.internal and link.source != link.target and link.anchor:
                self.anchors[link.target][norm_anchor(link.anchor)] += 1
            if link.internal and not is_generic(link.anchor):
                self.anchor_targets[norm_anchor(link.anchor)].add(self._final(link.target))
        self.exact: dict[str, set[str]] = {}
        for f in findings:
            if f.rule == "exact-match-anchor-overuse":
                top = Counter(f.evidence.get("top_anchors", {})).most_common(1)
                self.exact[f.evidence["target"]] = set(f.evidence.get("keyphrases", [])) | {a for a, _ in top}
        self.added: Counter[str] = Counter()
        self.received: Counter[str] = Counter()
        self.pairs: set[tuple[str, str]] = set()
        self.sentences: set[tuple[str, str]] = set()
        self.new_anchors: dict[str, set[str]] = defaultdict(set)
        self._terms: dict[str, Counter[str]] = {}

    def describes(self, anchor: str, target: str) -> bool:
        """Every content word of ``anchor`` is in the target's title or used often in its text."""
        if target not in self._terms:
            page = self.data.pages.get(target)
            self._terms[target] = Counter(words(page.text)) if page else Counter()
        title = set(words(self.data.title(target)))
        terms = self._terms[target]
        found = words(anchor)
        return bool(found) and all(w in title or terms[w] >= MIN_TERM_USES for w in found)

    def _final(self, url: str) -> str:
        page = self.data.pages.get(url)
        return page.final_url if page and page.final_url and page.status and 300 <= page.status < 400 else url

    def room(self, source: str) -> int:
        """New links ``source`` can still take in this plan."""
        page = self.data.pages.get(source)
        words = page.word_count if page else 0
        links, content = self.links[source], self.content[source]
        room = 0
        while room < self.per_page - self.added[source] and not trips_too_many(
                links + room + 1, content + room + 1, words, self.data):
            room += 1
        return room

    def refusal(self, idea: LinkIdea) -> str | None:
        """Why the link cannot go into the plan, or None when it can."""
        key = norm_anchor(idea.anchor)
        if idea.confidence < self.min_confidence:
            return f"confidence {idea.confidence:.2f} is below [suggest] min_confidence {self.min_confidence:.2f}"
        if not names_target(idea.named, self.min_confidence):
            return "the anchor names something else than the target (a passage on its topic, not its name)"
        if (problem := editable(idea)) is not None:
            return problem
        if not self.describes(idea.anchor, idea.target):
            return "the anchor's words are not what the target is about"
        if (idea.source, idea.target) in self.pairs:
            return "the plan already links this pair"
        if (idea.source, idea.sentence) in self.sentences:
            return "the plan already adds a link in this sentence"
        if self.received[idea.target] >= self.per_target:
            return f"the target already gets {self.per_target} new links in this plan"
        if self.room(idea.source) < 1:
            return "no room for another link on the source page"
        if not key or is_generic(idea.anchor):
            return "generic anchor"
        if key in self.new_anchors[idea.target]:
            return "the plan already uses this anchor for the target"
        counts = self.anchors[idea.target]
        total = sum(counts.values()) + 1
        s = self.data.settings
        if total >= s.same_anchor_min_inlinks and (counts[key] + 1) / total > s.same_anchor_share:
            return "the anchor would trip same-anchor-everywhere"
        if len(key.split()) >= 2 and self.anchor_targets.get(key, set()) - {idea.target}:
            return "the anchor already links to another page (anchor-cannibalisation)"
        if key in self.exact.get(idea.target, set()):
            return "an exact-match anchor for a page flagged by exact-match-anchor-overuse"
        return None

    def accept(self, idea: LinkIdea) -> None:
        key = norm_anchor(idea.anchor)
        self.links[idea.source] += 1
        self.content[idea.source] += 1
        self.added[idea.source] += 1
        self.received[idea.target] += 1
        self.pairs.add((idea.source, idea.target))
        self.sentences.add((idea.source, idea.sentence))
        self.anchors[idea.target][key] += 1
        self.new_anchors[idea.target].add(key)
        if not is_generic(idea.anchor):
            self.anchor_targets[key].add(idea.target)


def choose(ideas: Iterable[LinkIdea], guard: LinkGuard, impact: dict[LinkIdea, float]) -> list[LinkIdea]:
    """The ideas the guard accepts, most impact first."""
    chosen = []
    for idea in sorted(ideas, key=lambda i: (-impact[i], i.source, i.target, i.anchor)):
        if guard.refusal(idea) is None:
            guard.accept(idea)
            chosen.append(idea)
    return chosen


def with_links(data: AuditData, ideas: Iterable[LinkIdea]) -> AuditData:
    """A copy of ``data`` with the ideas added as in-content internal links."""
    extra = [LinkInfo(i.source, i.target, True, i.anchor, "", "content", i.sentence) for i in ideas]
    return replace(data, links=[*data.links, *extra])


def violations(data: AuditData, ideas: list[LinkIdea]) -> list[LinkIdea]:
    """The ideas behind findings that the rules report only once the ideas are added (should be none)."""
    def keys(d: AuditData) -> set[tuple[str, str]]:
        found = [*too_many_links(d), *same_anchor_everywhere(d), *anchor_cannibalisation(d)]
        return {(f.rule, f.evidence.get("anchor", "") if f.rule == "anchor-cannibalisation" else f.urls[0])
                for f in found}

    new = keys(with_links(data, ideas)) - keys(data)
    bad = []
    for idea in ideas:
        if any((rule == "too-many-links" and what == idea.source) or (rule == "same-anchor-everywhere"
               and what == idea.target) or (rule == "anchor-cannibalisation" and norm_anchor(what)
                                            == norm_anchor(idea.anchor)) for rule, what in new):
            bad.append(idea)
    return bad


def link_task(idea: LinkIdea, impact: float, target_pagerank: float, source_rd: int,
              visits: tuple[float, str] | None = None) -> Task:
    fixes = idea.fixes
    kind = LINK_RULES.get(fixes.rule, "add-internal-link") if fixes else "add-internal-link"
    action = (f"On {path_of(idea.source)}, in the sentence “{idea.sentence}”, link “{idea.anchor}” to "
              f"{path_of(idea.target)}.")
    if kind == "refresh-old-content" and fixes is not None:
        action += (f" Then review {path_of(idea.target)} (published {fixes.evidence.get('published', '?')}) and "
                   "update what has changed since.")
    pct = 100 * idea.pagerank_gain / target_pagerank if target_pagerank > 0 else 0.0
    why = [f"raises {path_of(idea.target)}'s internal PageRank by {pct:.1f} %" if pct >= 0.05 else
           f"moves {path_of(idea.target)}'s internal PageRank by under 0.1 % (a link already joins the pages, or "
           "the source passes little): its worth is the in-content context"]
    if source_rd:
        why.append(f"routes the authority of {source_rd} referring domain{'s' if source_rd != 1 else ''}")
    if visits:
        why.append(str(passes(visits)))
    why.extend(r for r in idea.reasons[:2])
    text = "; ".join(why)
    if fixes is not None:
        text += f". Fixes: {fixes.message}"
    evidence = {"source": idea.source, "target": idea.target, "anchor": idea.anchor, "sentence": idea.sentence,
                "score": round(idea.score, 4), "pagerank_gain": idea.pagerank_gain,
                "pagerank_gain_pct": round(pct, 2), "source_referring_domains": source_rd,
                "reasons": list(idea.reasons)}
    if fixes is not None:
        evidence["findings"] = [fixes.rule]
    return Task(kind, [idea.source, idea.target], action, text[0].upper() + text[1:] + ("" if text.endswith(".")
                                                                                         else "."),
                impact, effort_for(kind), evidence, anchor=idea.anchor)
