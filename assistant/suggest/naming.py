"""What the site's pages are named: the phrases (titles, their forms, the anchors of content links) that name each
page, and the :class:`~assistant.suggest.anchors.Names` of one (source, target) pair. Pure."""

from __future__ import annotations

import re
from functools import cached_property, partial

from assistant.rules.data import STOPWORDS
from assistant.suggest.anchors import Names
from assistant.suggest.candidates import Candidates, title_forms, tokens
from assistant.suggest.series import PREVIOUS_POST, Member, ordered, reference, series_key


class SiteNames:
    """The site's names of its pages, built once per engine from its :class:`Candidates`."""

    def __init__(self, cand: Candidates) -> None:
        self.cand = cand

    @cached_property
    def names(self) -> dict[str, frozenset[str]]:
        """Phrases of two or more words (token keys) that name pages: their titles and the anchors of content
        links to them; a phrase naming another page than the target is no anchor for it."""
        named: dict[str, set[str]] = {}
        for url, p in self.cand.data.pages.items():
            if " " in (key := " ".join(tokens(p.title))):
                named.setdefault(key, set()).add(url)
        for url, used in self.cand.data.anchors.items():
            for a in used:
                if " " in (key := " ".join(tokens(a))):
                    named.setdefault(key, set()).add(url)
        return {k: frozenset(v) for k, v in named.items()}

    def taken(self, target: str, key: str) -> bool:
        named = self.names.get(key)
        return named is not None and bool(named - {target})

    @cached_property
    def form_owners(self) -> dict[str, frozenset[str]]:
        """Each :func:`title_forms` key -> the pages whose titles have it ("turning learning up to 11" is the title of
        one page and the first clause of two more)."""
        out: dict[str, set[str]] = {}
        for url, p in self.cand.data.pages.items():
            for key in title_forms(p.title):
                out.setdefault(key, set()).add(url)
        return {k: frozenset(v) for k, v in out.items()}

    def forms(self, target: str, source: str | None = None) -> frozenset[str]:
        """The target's title forms that name it: no other page's title has them and no link to another page uses
        them; or, seen from ``source``, the target is the one of those pages whose title shares the most words
        with the source's ("Belinda Weaver" on "Meet the 2016 Election Candidates" is "2016 Election: Belinda
        Weaver", not her 2017 nomination). Listing pages (a tag page "Belinda Weaver") name nothing."""
        out = set()
        for k in title_forms(self.cand.data.pages[target].title):
            owners = (self.form_owners.get(k, frozenset()) | self.names.get(k, frozenset())) - self.cand.data.hubs
            if owners == {target} or (source is not None and len(owners) > 1
                                      and self.in_context(source, owners, k) == target):
                out.add(k)
        return frozenset(out)

    def in_context(self, source: str, owners: frozenset[str], key: str) -> str | None:
        """Of the pages a phrase names, the one whose title shares the most content words (besides the phrase's)
        with the source's title, when one does more than all others."""
        pages = self.cand.data.pages
        around = {t for t in tokens(pages[source].title) if t not in STOPWORDS} - set(key.split())
        shared = sorted(((len(around & set(tokens(pages[o].title))), o) for o in owners if o in pages), reverse=True)
        if not shared or shared[0][0] == 0 or (len(shared) > 1 and shared[1][0] == shared[0][0]):
            return None
        return shared[0][1]

    @cached_property
    def series(self) -> dict[str, tuple[list[str], dict[str, int] | None]]:
        """Series key (:func:`series_key`) -> its posts in order and whether by part number (:func:`ordered`), for
        series of two posts or more."""
        groups: dict[str, list[Member]] = {}
        for url, p in self.cand.data.pages.items():
            if key := series_key(p.title):
                groups.setdefault(key, []).append(Member(url, p.title, p.published))
        return {k: ordered(v) for k, v in groups.items() if len(v) >= 2}

    def reference(self, source: str, target: str, previous: bool = False) -> re.Pattern[str] | None:
        """The words with which ``source`` points at ``target``: when both are posts of one series, its position
        in it; when the target is the source's ``previous`` post (:func:`~assistant.suggest.series.previous_post`),
        "my previous post"."""
        pages = self.cand.data.pages
        key = series_key(pages[target].title)
        found = None
        if key and key in self.series and series_key(pages[source].title) == key:
            order, parts = self.series[key]
            found = reference(order, key, source, target, parts)
        if not previous:
            return found
        words = PREVIOUS_POST if found is None else f"{found.pattern}|{PREVIOUS_POST}"
        return re.compile(words, re.IGNORECASE)

    def series_words(self, target: str) -> frozenset[str]:
        """The words of the name of the target's series, when it is a post of one ("leadership council update")."""
        key = series_key(self.cand.data.pages[target].title)
        return frozenset(key.split()) if key in self.series else frozenset()

    def of(self, source: str, target: str, previous: bool = False) -> Names:
        """What the site names, for a link from ``source`` to ``target`` (``previous``: the source's previous post)."""
        data = self.cand.data
        return Names(partial(self.taken, target), self.cand.df, " ".join(tokens(data.pages[target].title)),
                     tuple(data.link_anchors.get(source, ())), partial(self.cand.linkprob, target),
                     self.forms(target, source), self.reference(source, target, previous), self.series_words(target))
