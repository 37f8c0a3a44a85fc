"""Rank link suggestions: signals per (source, target) pair, normalised per query, blended with fixed weights.

Signals (each in [0, 1] after normalisation over the query's candidates):

* **relevance** — topical closeness: BM25 (bm25s) of the other page's text for the page's 40 most
  characteristic terms, and the best cosine of one source chunk with the target's page vector (the mean of
  its chunk vectors): a paragraph on the target's topic counts even when the rest of the source is about
  something else. Each is scaled as ``(x - median) / (max - median)`` clipped to [0, 1], so only candidates
  more related than the typical one score; they are averaged (BM25 alone when the workspace has no
  embeddings). The cosine of the two whole pages is shown in the reasons but not ranked on: with the static
  vectors a page's mean of hundreds of word pieces drifts to the site's common direction (random go-blog pages
  0.88 apart), and ranking on it cost 0.06 MRR on rust-blog and 0.02 on go-blog (bench/README.md).
* **mention** — an unlinked mention: the target's title, title parts, title n-grams or the anchors other
  pages use for it, found as whole words in the source's main text (not in its own title heading).
  Strength = kind weight × specificity (a phrase on one page of the site is fully specific; one on every
  page says nothing), a title n-gram that names several pages divided by the square root of their number.
* **authority** (``--to``) — where a link is worth most: half internal PageRank (percentile among the
  candidates), half referring domains (log-scaled against the best-linked candidate).
* **capacity** (``--to``) — room for one more link: 1 − the larger of links/too_many_links and content-link
  density/the audit's limit; a source at or over a limit has its score halved as well.
* **freshness** (``--to``) — ``exp(-age / 2 years)`` of the source's last modified (or published) date.
* **neighbourhood** (``--from``) — Adamic-Adar over the content-link graph (either direction), scaled.
* **chronology** (``--from``) — 1 when the target was published before the source (or dates are unknown:
  0.5), 0 when after: a text usually refers to what already existed when it was written.

Blend — the weights are fixed by what each signal means, not fitted to any site:

* ``--from``: 0.36 relevance + 0.36 mention + 0.09 neighbourhood + 0.19 chronology. A strong, specific mention
  is the most direct evidence that the sentence is about the target (it is the anchor the author would write)
  and relevance is the most general one; they weigh the same so that either alone can put a page near the
  top, and both together put it first. Neighbourhood (Adamic-Adar over content links: the two pages share
  link neighbours, a rarely linked shared neighbour counting more) is the classic structural link-prediction
  signal; it only reorders close candidates. Chronology decides between candidates of like topic, and there
  are many of those on a site with series of similar pages (release notes, surveys): authors link back in
  time (of the hidden links of six corpora, 1-5 % point at a later post on five, 23 % on the sixth), and at
  0.10 a quarter of the first targets on a blog new to us were later posts; 0.19 (0.2 before the four were
  scaled to sum to 1) raised MRR on all eight runs but the 912-page blog's, which stayed level (0.652 -> 0.653;
  0.3 lowers it). On undated pages it is a constant 0.5 and changes nothing.
* ``--to``: 0.40 relevance + 0.30 mention + 0.15 authority + 0.10 capacity + 0.05 freshness. Topic comes first
  (an off-topic link from a strong page helps nobody); among relevant sources a stronger, less crowded and
  fresher page is preferred, in that order, as the issue lists them.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import cached_property, partial
from typing import Any

from numpy.typing import NDArray

from assistant import graph
from assistant.rules.data import STOPWORDS, norm_anchor
from assistant.suggest.arrays import blend, positions, scaled
from assistant.suggest.cache import pack_words, unpack_words
from assistant.suggest.candidates import Candidates, mention_score, tokens
from assistant.suggest.confidence import NAMING_KINDS, chronology, confidence, pair_signals
from assistant.suggest.fit import anchor_fit, names_whole, naming_words
from assistant.suggest.lexical import Lexical, doc_tokens
from assistant.suggest.load import SiteData
from assistant.suggest.model import Suggestion
from assistant.suggest.naming import SiteNames
from assistant.suggest.placing import place
from assistant.suggest.series import previous_post, reference_reason, says_previous_post
from assistant.suggest.traffic import query_placement, query_reason, traffic_reasons, with_traffic

FROM_WEIGHTS = {"relevance": 0.36, "mention": 0.36, "neighbourhood": 0.09, "chronology": 0.19}
TO_WEIGHTS = {"relevance": 0.40, "mention": 0.30, "authority": 0.15, "capacity": 0.10, "freshness": 0.05}
QUERY_TERMS = 40
FULL_PENALTY = 0.5
# (score, source, target, the reasons when worded, the pair's signals for the confidence)
Scored = tuple[float, str, str, Callable[[], list[str]], dict[str, float]]
FRESH_DAYS = 730.0


class Engine:
    def __init__(self, data: SiteData) -> None:
        self.data = data
        self.cand = Candidates(data)
        self.site_names = SiteNames(self.cand)
        self._lex: Lexical | None = None
        self._pr_pct: dict[str, float] = {}
        self._signals: dict[str, tuple[float, bool, float]] = {}
        self._signals_day: date | None = None
        self._terms: dict[tuple[str, int], dict[str, float]] = {}
        self._previous: dict[str, str | None] = {}

    def warm(self) -> None:
        """Build the lazy indexes now, not in the first query (the chat and the Slack bot do it at start), and
        save them in the workspace's cache when they were not read from it."""
        self._index()
        _ = self.cand.postings, self.cand.owners, self.neighbours, self.ranks, self.title_boilerplate
        self.save()

    def save(self) -> bool:
        """Save the indexes (built now when they are not yet) in the workspace's cache, unless they came from it,
        the workspace has no cache or this engine's SiteData was changed after it was loaded."""
        if self.data.cache is None or self.data.stored() is not None or not self.data.cache.matches(self.data):
            return False
        try:
            arrays = {**self.cand.arrays(), **self._index().arrays(), "boilerplate": pack_words(sorted(
                self.title_boilerplate))}
        except ValueError as exc:     # text the packing cannot hold: no cache, the indexes are still right
            logging.getLogger(__name__).debug("suggest cache: indexes not saved (%s)", exc)
            return False
        return self.data.cache.save_index(self.data, arrays)

    # ------------------------------------------------------------------ lexical
    def _doc_tokens(self, url: str) -> list[str]:
        """The page's terms, title words counted three times (from the candidates' one tokenisation)."""
        return doc_tokens(self.data.pages[url].title, self.cand.token_strings[url])

    def _index(self) -> Lexical:
        """BM25 and idf over every page (:mod:`assistant.suggest.lexical`), read from the cache when it has them."""
        if self._lex is None:
            urls = list(self.data.pages)
            self._lex = Lexical.of(urls, self.data.stored(), lambda: [self._doc_tokens(u) for u in urls])
        return self._lex

    def key_terms(self, url: str, k: int = QUERY_TERMS) -> dict[str, float]:
        """The page's ``k`` most characteristic terms (sublinear tf × idf, title words counted three times); worked
        out once per page (a ``--to`` query asks for its target's with every candidate it places)."""
        if (top := self._terms.get((url, k))) is None:
            lex = self._index()
            counts = Counter(self._doc_tokens(url))
            scored = {t: (1 + math.log(c)) * idf for t, c in counts.items()
                      if len(t) > 1 and (idf := lex.idf(t)) is not None}
            top = self._terms[url, k] = dict(sorted(scored.items(), key=lambda x: (-x[1], x[0]))[:k])
        return dict(top)

    def relevance(self, anchor_url: str, others: list[str], from_source: bool
                  ) -> tuple[dict[str, float], dict[str, float | None]]:
        """(relevance in [0, 1], raw page cosine) of each of ``others`` to ``anchor_url`` (the source when
        ``from_source``, else the target). Two views, each scaled over the candidates and averaged: BM25 of the
        other page for the anchor page's key terms and the best cosine of one source chunk with the target;
        the page cosine is returned for the reasons only (see the module's docstring)."""
        views: list[tuple[dict[str, int], NDArray[Any]]] = []
        lex = self._index()
        if terms := list(self.key_terms(anchor_url)):
            views.append((lex.pos, lex.scores(terms)))
        raw: dict[str, float | None] = dict.fromkeys(others)
        index = self.data.index
        if index is not None and anchor_url in index:
            mine, theirs = positions(others, index.pos)
            raw.update(zip([others[k] for k in mine.tolist()], index.cosines(anchor_url)[theirs].tolist(), strict=True))
            views.append((index.pos, index.passages_from(anchor_url) if from_source else index.passages_to(anchor_url)))
        return dict(zip(others, blend(others, views).tolist(), strict=True)), raw

    def weights_for(self, target: str) -> dict[str, float]:
        """Words that point at the target when no phrase does: its title words (double, as specific as they
        are: "go" on every page of a Go blog points at none) and key terms."""
        weights = {t: w / 10 for t, w in self.key_terms(target, 15).items()}
        for t in tokens(self.data.pages[target].title):
            if t not in STOPWORDS and t not in self.title_boilerplate and (spec := self.cand.specificity(t)) > 0:
                weights[t] = weights.get(t, 0.0) + 2.0 * spec
        return weights

    @cached_property
    def title_boilerplate(self) -> frozenset[str]:
        """Words in more than a tenth of the titles ("Manual Page", "Blog"): the site's, not one page's."""
        if (got := self.data.stored()) is not None and "boilerplate" in got:
            return frozenset(unpack_words(got["boilerplate"]))
        counts = Counter(t for p in self.data.pages.values() for t in set(tokens(p.title)))
        n = len(self.data.pages)
        return frozenset(t for t, c in counts.items() if n >= 20 and c > n / 10)

    def taken(self, target: str, key: str) -> bool:
        """Does the phrase ``key`` name another page than ``target`` (:meth:`SiteNames.taken`)?"""
        return self.site_names.taken(target, key)

    def build(self, source: str, target: str, score: float, reasons: list[str],
              signals: dict[str, float] | None = None) -> Suggestion | None:
        mentions = self.cand.mentions(source, target)
        page = self.data.pages[source]
        used = self.data.anchors.get(target, Counter())
        names = self.site_names.of(source, target, self.previous_of(source) == target)
        placed = (query_placement(page.text, page.title, self.data.traffic.queries.get(target, []), used, names,
                                  self.cand.specificity)
                  or place(page.text, mentions, used, self.weights_for(target), page.title, names))
        if placed is None:
            return None
        head = (reference_reason(placed.anchor) if placed.kind == "series"
                else f"mentions '{placed.anchor}' unlinked" if placed.mentioned
                else f"'{placed.anchor}' in a sentence on the target's topic")
        head = query_reason(placed, target, self.data.traffic) or head
        if used:
            same = sum(n for a, n in used.items() if norm_anchor(a) == norm_anchor(placed.anchor))
            total = sum(used.values())
            reasons.append(f"anchor already used by {same} of the target's {total} content links" if same else
                           f"new anchor for the target (its {total} content links use e.g. "
                           f"'{used.most_common(1)[0][0]}')")
        naming = naming_words(self.data.pages[target].title, used, target)
        fit = anchor_fit(placed.anchor, naming, self.cand.specificity)
        key = " ".join(tokens(placed.anchor))
        strength = next((m.strength for m in mentions if m.phrase.key == key), 0.0) if placed.mentioned else 0.0
        found = {**(signals or {}), "score": score, "fit": fit, "strength": strength,
                 "named": float(placed.kind in NAMING_KINDS)}
        named = (fit > 0 or placed.mentioned) and names_whole(placed.anchor, naming, self.data.pages[target].title,
                                                              self.cand.specificity, placed.mentioned)
        return Suggestion(source, target, placed.anchor, placed.sentence, score, [head, *reasons],
                          mentioned=placed.mentioned, anchor_fit=fit, named=named, confidence=confidence(found),
                          signals=found)

    @cached_property
    def ranks(self) -> graph.RankModel:
        return graph.RankModel(self.data.rank_graph, self.data.pagerank)

    def gain(self, s: Suggestion) -> float:
        """Exact PageRank gain of the target (0 when a nav or sidebar link already joins the two pages)."""
        return self.ranks.gain(s.source_url, s.target_url)

    def finish(self, scored: list[Scored], limit: int) -> list[Suggestion]:
        """The best ``limit`` candidates that get an anchor and a sentence; reasons are worded for those only."""
        scored.sort(key=lambda x: (-x[0], x[1], x[2]))
        out: list[Suggestion] = []
        for score, source, target, reasons, signals in scored:
            if len(out) >= limit:
                break
            s = self.build(source, target, score, reasons(), signals)
            if s is not None:
                out.append(s)
        for s in out:
            s.pagerank_gain = self.gain(s)
            if s.pagerank_gain == 0.0 and self.ranks.has_edge(s.source_url, s.target_url):
                s.reasons.append("no PageRank gain: a link outside the content (menu, sidebar) already joins "
                                 "the pages; the in-text link adds context and a descriptive anchor")
        return out

    # ------------------------------------------------------------------ the two directions
    def suggest_from(self, source: str, limit: int = 10) -> list[Suggestion]:
        """The links ``source`` should add, best first."""
        scored = self.from_scored(source)
        self.previous_of(source, scored)
        return self.finish(scored, limit)

    def previous_of(self, source: str, scored: list[Scored] | None = None) -> str | None:
        """The post "my previous post" in ``source`` points at (:func:`previous_post`), when the source says so
        (``scored``: its targets, when already scored)."""
        if source not in self._previous:
            page = self.data.pages[source]
            ranked = [t for _, _, t, _, _ in sorted(scored if scored is not None else self.from_scored(source),
                                                    key=lambda x: (-x[0], x[2]))] \
                if says_previous_post(page.text) else []
            self._previous[source] = previous_post(ranked, page.published, self._published,
                                                   self.data.linked.get(source, ())) if ranked else None
        return self._previous[source]

    def _published(self, url: str) -> date | None:
        """A page's publication date; None for a linked URL that is no page here (a file, an excluded page)."""
        page = self.data.pages.get(url)
        return page.published if page is not None else None

    def from_scored(self, source: str) -> list[Scored]:
        """Every target ``source`` could link to, scored (not yet placed)."""
        targets = self.cand.targets_for(source)
        self.cand.index_source(source)
        rel, raw = self.relevance(source, targets, from_source=True)
        shared = self.adamic_adar(source, targets)
        near = scaled(shared)
        born = self.data.pages[source].published
        scored: list[Scored] = []
        for t in targets:
            ment = mention_score(self.cand.mentions(source, t))
            tborn = self.data.pages[t].published
            chron = chronology(born, tborn)
            w = FROM_WEIGHTS
            score = (w["relevance"] * rel[t] + w["mention"] * ment + w["neighbourhood"] * near[t]
                     + w["chronology"] * chron)
            scored.append((score, source, t, partial(self._from_reasons, raw[t], rel[t], near[t], born, tborn),
                           pair_signals(rel[t], ment, chron, shared[t])))
        return scored

    def _from_reasons(self, cos: float | None, rel: float, near: float, born: date | None,
                      tborn: date | None) -> list[str]:
        reasons = _relevance_reasons(cos, rel, self.data.calibration)
        if near >= 0.5:
            reasons.append("pages the source links with also link with the target")
        if tborn is not None and born is not None and tborn <= born:
            reasons.append(f"target published earlier ({tborn.isoformat()})")
        return reasons

    def suggest_to(self, target: str, limit: int = 10) -> list[Suggestion]:
        """The pages that should link to ``target``, best first."""
        sources = self.cand.sources_for(target)
        rel, raw = self.relevance(target, sources, from_source=False)
        auth = self.authority(sources)
        mentioned = self.cand.mentions_of(target)
        shared = self.adamic_adar(target, sources)
        born = self.data.pages[target].published
        scored: list[Scored] = []
        for s in sources:
            ment = mention_score(mentioned.get(s, []))
            cap, full, fresh = self.source_signals(s)
            w = TO_WEIGHTS
            score = (w["relevance"] * rel[s] + w["mention"] * ment + w["authority"] * auth[s]
                     + w["capacity"] * cap + w["freshness"] * fresh)
            if full:
                score *= FULL_PENALTY
            chron = chronology(self.data.pages[s].published, born)
            scored.append((score, s, target, partial(self._to_reasons, s, raw[s], rel[s], cap, full, fresh),
                           pair_signals(rel[s], ment, chron, shared[s])))
        return self.finish(scored, limit)

    def _to_reasons(self, s: str, cos: float | None, rel: float, cap: float, full: bool, fresh: float) -> list[str]:
        data = self.data
        reasons = _relevance_reasons(cos, rel, data.calibration)
        if (rd := data.referring_domains.get(s, 0)) > 0:
            reasons.append(f"source has {rd} referring domain{'s' if rd != 1 else ''}")
        reasons.append(f"source PageRank in the top {max(1, round(100 * (1 - self._pr_pct[s])))}%")
        reasons += traffic_reasons(s, data.traffic)
        if cap < 0.5:
            reasons.append(f"source already has {data.all_links[s]} links ({data.content_links[s]} in content)"
                           + (": at the too-many-links limit" if full else ""))
        if fresh > 0.5:
            reasons.append("source is recent")
        return reasons

    @cached_property
    def neighbours(self) -> dict[str, set[str]]:
        """Page -> the pages it links to or is linked from in content (either direction)."""
        out: dict[str, set[str]] = {u: set() for u in self.data.pages}
        for s, targets in self.data.linked.items():
            for t in targets:
                if s != t and s in out and t in out:
                    out[s].add(t)
                    out[t].add(s)
        return out

    def adamic_adar(self, page: str, others: list[str]) -> dict[str, float]:
        """Adamic-Adar over content links (unscaled): shared neighbours, a rarely linked one counting more."""
        nb = self.neighbours
        mine = nb.get(page, set())
        return {u: sum(1.0 / math.log(max(len(nb[z]), 2)) for z in mine & nb.get(u, set())) for u in others}

    # ------------------------------------------------------------------ source-side signals
    @cached_property
    def _by_pagerank(self) -> list[str]:
        """Every page, lowest PageRank first (then by URL): a query's sources are in this order."""
        return sorted(self.data.pages, key=lambda u: (self.data.pagerank.get(u, 0.0), u))

    def authority(self, sources: list[str]) -> dict[str, float]:
        data = self.data
        wanted = set(sources)
        order = [u for u in self._by_pagerank if u in wanted]
        if len(order) != len(wanted):
            order = sorted(sources, key=lambda u: (data.pagerank.get(u, 0.0), u))
        n = max(len(order) - 1, 1)
        self._pr_pct = {u: i / n for i, u in enumerate(order)}
        top_rd = max((data.referring_domains.get(u, 0) for u in sources), default=0)
        out = {}
        for u in sources:
            if top_rd > 0:
                rd = math.log1p(data.referring_domains.get(u, 0)) / math.log1p(top_rd)
                out[u] = 0.5 * self._pr_pct[u] + 0.5 * rd
            else:
                out[u] = self._pr_pct[u]
        return with_traffic(out, sources, data.traffic)

    def source_signals(self, url: str) -> tuple[float, bool, float]:
        """(:meth:`capacity`, :meth:`freshness`) of a source, worked out once per engine (and day)."""
        if self._signals_day != self.data.today:
            self._signals, self._signals_day = {}, self.data.today
        if (got := self._signals.get(url)) is None:
            got = self._signals[url] = (*self.capacity(url), self.freshness(url))
        return got

    def capacity(self, url: str) -> tuple[float, bool]:
        """(room for one more link in [0, 1], at or over a too-many-links limit)."""
        data = self.data
        page = data.pages[url]
        links, content = data.all_links[url], data.content_links[url]
        load = (links + 1) / data.too_many_links
        if page.words and content >= 20:
            load = max(load, 100 * (content + 1) / page.words / data.links_per_100_words)
        return max(0.0, 1.0 - load), load > 1.0

    def freshness(self, url: str) -> float:
        page = self.data.pages[url]
        when = page.modified or page.published
        if when is None:
            return 0.5
        return math.exp(-max((self.data.today - when).days, 0) / FRESH_DAYS)


def _relevance_reasons(cos: float | None, rel: float, calibration: tuple[float, float] = (1.0, 0.0)) -> list[str]:
    """The page similarity on MiniLM's scale (``calibration``: what the user reads must mean the same whatever
    model made the vectors) and the topical relevance."""
    a, b = calibration
    out = [f"similarity {min(1.0, max(0.0, a * cos + b)):.2f}"] if cos is not None else []
    out.append(f"topical relevance {rel:.2f}")
    return out


def suggest_all(engine: Engine, targets: list[str], limit: int) -> list[Suggestion]:
    """``suggest_to`` of each target, only the suggestions worth a task (:meth:`Suggestion.actionable` at the site's
    ``min_confidence``)."""
    out: list[Suggestion] = []
    for t in targets:
        out.extend(s for s in engine.suggest_to(t, limit) if s.actionable(engine.data.min_confidence))
    return out
