"""Two stored runs -> the list of :class:`~assistant.diff.model.Change` records. Pure.

Each fact is reported once, where it belongs: a new page's inlinks are part of ``page-new`` (not
``links-added``), a vanished page's inlinks part of ``page-gone``; links to a URL that now fails or redirects
are ``broken-link-new`` / ``redirected-link-new`` (with the target's status before and after), not a status
change plus added links; a link whose target was mistyped is one ``broken-link-new`` that says which target
it had. Movers (click depth, Link Score) and audit findings are consequences and have their own sections.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

from assistant.diff.model import Change
from assistant.diff.view import STRUCTURAL, RunView

TOP_MOVERS = 20
MIN_SCORE_MOVE = 5.0          # Link Score points (0-100) a page must move to be listed
SCORE_DROP = 10.0             # an important page losing more than this is a regression
LISTED = 10                   # URLs named per change (the counts are whole)


def path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _status(view: RunView, url: str) -> str:
    p = view.pages.get(url)
    kind = view.kind(url)
    if kind == "absent":
        return "absent"
    if p is None or p.status is None:
        return p.error if p and p.error else kind
    return f"{p.status} → {path(p.final_url)}" if kind == "redirect" and p.final_url else str(p.status)


def _sources(view: RunView, target: str) -> list[str]:
    return sorted(view.inbound.get(target, {}))


def compare(a: RunView, b: RunView, score_drop: float = SCORE_DROP) -> list[Change]:
    changes = _pages(a, b)
    changes += _link_status(a, b, "broken")
    changes += _link_status(a, b, "redirect")
    changes += _links(a, b, changes)
    changes += _orphans(a, b)
    changes += _movers(a, b, score_drop)
    changes += _findings(a, b)
    changes += _backlinks(a, b)
    return changes


# ---------------------------------------------------------------------------------------------- pages
def _pages(a: RunView, b: RunView) -> list[Change]:
    out = []
    for url in sorted(set(a.pages) | set(b.pages)):
        ka, kb = a.kind(url), b.kind(url)
        pa, pb = a.pages.get(url), b.pages.get(url)
        if ka != "page" and kb == "page" and ka == "absent":
            sources = _sources(b, url)
            title = pb.title if pb else ""
            out.append(Change("page-new", url, f"new page {path(url)}" + (f" ({title})" if title else "")
                              + (f", linked from {len(sources)} page(s)" if sources else ", linked from no page"),
                              [url, *sources[:LISTED]], None, 200, {"title": title, "linked_from": len(sources)}))
        elif ka == "page" and kb == "absent":
            sources = _sources(a, url)
            rd = len(a.snapshot.referring.get(url, ()))
            out.append(Change("page-gone", url, f"{path(url)} is gone (not found by the crawl; {len(sources)} page(s) "
                              "linked to it before)" + (f"; {rd} referring domain(s) linked to it" if rd else ""),
                              [url, *sources[:LISTED]], 200, None,
                              {"linked_from": len(sources), "referring_domains": rd},
                              "high" if rd else ""))
        elif ka != kb or (ka == "redirect" and pa and pb and pa.final_url != pb.final_url) or \
                (pa and pb and ka != "absent" and pa.status != pb.status):
            if kb in ("broken", "redirect") and b.inbound.get(url):
                continue        # links to it now fail or redirect: reported with those links
            before, after = _status(a, url), _status(b, url)
            what = "redirect added" if kb == "redirect" and ka != "redirect" else "status changed"
            rd = len(b.snapshot.referring.get(url, ()))
            out.append(Change("status-changed", url, f"{path(url)}: {what} ({before} → {after})", [url], before, after,
                              {"redirect_added": what == "redirect added", "referring_domains": rd},
                              "high" if rd and kb == "broken" else ""))
        elif ka == kb == "page" and pa and pb:
            if (pa.canonical or None) != (pb.canonical or None):
                out.append(Change("canonical-changed", url, f"{path(url)}: canonical {pa.canonical or 'none'} → "
                                  f"{pb.canonical or 'none'}", [url, *([pb.canonical] if pb.canonical else [])],
                                  pa.canonical, pb.canonical))
            if pa.noindex != pb.noindex:
                out.append(Change("noindex-changed", url, f"{path(url)}: " + ("now noindex" if pb.noindex
                                                                              else "no longer noindex"),
                                  [url], pa.noindex, pb.noindex, {}, "medium" if pb.noindex and url in a.important
                                  else ""))
    return out


# ---------------------------------------------------------------------------------------------- broken / redirected
def _failing(view: RunView, url: str, kind: str) -> set[str]:
    return set(view.inbound.get(url, {})) if view.kind(url) == kind else set()


def _link_status(a: RunView, b: RunView, kind: str) -> list[Change]:
    """broken-link-new / -fixed (kind "broken") or redirected-link-new / -fixed (kind "redirect"), per target."""
    word = "broken" if kind == "broken" else "redirected"
    out = []
    for url in sorted(set(a.inbound) | set(b.inbound)):
        was, now = _failing(a, url, kind), _failing(b, url, kind)
        new = sorted(now - was)
        if new:
            retarget = _retargeted(a, b, url, new)
            moved = f" (it answered {_status(a, url)} before)" if a.kind(url) not in (kind, "absent") else ""
            out.append(Change(
                f"{word}-link-new", url,
                f"{len(new)} page(s) now link to {path(url)}, which {'fails' if kind == 'broken' else 'redirects'} "
                f"({_status(b, url)}){moved}" + (f"; the link(s) pointed to {', '.join(path(t) for t in retarget)} "
                                                  "before" if retarget else ""),
                [url, *new[:LISTED]], _status(a, url), _status(b, url),
                {"sources": new[:LISTED], "links": sum(len(b.inbound[url][s]) for s in new), "was_target": retarget},
                "high" if kind == "broken" else ""))
        fixed = sorted(s for s in was - now if b.kind(s) == "page")      # a vanished page is no fix
        if fixed:
            out.append(Change(f"{word}-link-fixed", url, f"{len(fixed)} page(s) no longer link to {word} "
                              f"{path(url)} ({_status(a, url)} → {_status(b, url)})", [url, *fixed[:LISTED]],
                              _status(a, url), _status(b, url), {"sources": fixed[:LISTED]}))
    return out


def _retargeted(a: RunView, b: RunView, url: str, sources: list[str]) -> list[str]:
    """The targets the new failing links had before, when a source swapped a link with the same anchor."""
    found = set()
    for s in sources:
        anchors = {(link.anchor, link.placement) for link in b.inbound[url][s]}
        before = {(link.target, link.placement) for link in a.outbound.get(s, [])
                  if (link.anchor, link.placement) in anchors and link.internal}
        after = {(link.target, link.placement) for link in b.outbound.get(s, [])}
        found |= {target for target, _ in before - after}
    return sorted(found)


# ---------------------------------------------------------------------------------------------- links
def _counts(view: RunView, sources: set[str]) -> Counter[tuple[str, str, str]]:
    return Counter((link.target, link.placement, link.source) for link in view.data.links
                   if link.internal and link.source in sources and link.target != link.source)


def _links(a: RunView, b: RunView, earlier: Iterable[Change]) -> list[Change]:
    """Internal links added / removed between pages live in both runs, grouped by target and placement."""
    both = {u for u in set(a.pages) & set(b.pages) if a.kind(u) == b.kind(u) == "page"}
    ca, cb = _counts(a, both), _counts(b, both)
    covered = {c.url for c in earlier if c.kind in ("page-new", "page-gone")}
    swapped = {(t, s) for c in earlier if c.kind == "broken-link-new" for t in c.detail["was_target"]
               for s in c.detail["sources"]}
    out = []
    for sign, diff in (("added", cb - ca), ("removed", ca - cb)):
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (target, placement, source), n in diff.items():
            failing = {b.kind(target), a.kind(target)} & {"broken", "redirect"}
            if target in covered or failing or (sign == "removed" and (target, source) in swapped):
                continue
            groups[(target, placement)] += [source] * n
        for (target, placement), sources in sorted(groups.items()):
            pages = sorted(set(sources))
            important = sign == "removed" and placement == "content" and target in a.important
            lost = f" — an important page ({'; '.join(a.important[target])})" if important else ""
            out.append(Change(
                f"links-{sign}", target,
                f"{len(sources)} {placement} link(s) to {path(target)} {sign} on {len(pages)} page(s){lost}",
                [target, *pages[:LISTED]], None, None,
                {"placement": placement, "links": len(sources), "sources": pages[:LISTED], "pages": len(pages)},
                "high" if important else ""))
    return out


# ---------------------------------------------------------------------------------------------- graph
def _orphans(a: RunView, b: RunView) -> list[Change]:
    out = []
    ma, mb = a.data.metrics, b.data.metrics
    for url in sorted(set(ma) | set(mb)):
        was, now = ma[url].orphan if url in ma else "", mb[url].orphan if url in mb else ""
        if now and not was:
            out.append(Change("orphan-new", url, f"{path(url)} is now an orphan ({now}): no page links to it",
                              [url], None, now, {}, "medium"))
        elif was and not now and b.kind(url) == "page":
            sources = _sources(b, url)
            out.append(Change("orphan-resolved", url, f"{path(url)} is no longer an orphan (linked from "
                              f"{len(sources)} page(s))", [url, *sources[:LISTED]], was, None))
    return out


def _movers(a: RunView, b: RunView, score_drop: float) -> list[Change]:
    ma, mb = a.data.metrics, b.data.metrics
    both = [u for u in set(ma) & set(mb) if ma[u].indexable and mb[u].indexable]
    depth = [u for u in both if ma[u].depth != mb[u].depth]
    depth.sort(key=lambda u: (-abs((mb[u].depth or 99) - (ma[u].depth or 99)), u))
    out = [Change("depth-changed", u, f"{path(u)}: click depth {_d(ma[u].depth)} → {_d(mb[u].depth)}", [u],
                  ma[u].depth, mb[u].depth) for u in depth[:TOP_MOVERS]]
    moved = [u for u in both if abs(mb[u].link_score - ma[u].link_score) >= MIN_SCORE_MOVE]
    moved.sort(key=lambda u: (-abs(mb[u].link_score - ma[u].link_score), u))
    for u in moved[:TOP_MOVERS]:
        before, after = round(ma[u].link_score, 1), round(mb[u].link_score, 1)
        fell = u in a.important and before - after > score_drop
        out.append(Change("link-score-changed", u, f"{path(u)}: Link Score {before:g} → {after:g}"
                          + (f" (an important page: {'; '.join(a.important[u])})" if fell else ""), [u], before, after,
                          {}, "medium" if fell else ""))
    return out


def _d(depth: int | None) -> str:
    return "unreachable" if depth is None else str(depth)


# ---------------------------------------------------------------------------------------------- findings, backlinks
def _findings(a: RunView, b: RunView) -> list[Change]:
    fa = {(f.rule, f.urls[0]): f for f in a.findings}
    fb = {(f.rule, f.urls[0]): f for f in b.findings}
    out = [Change("finding-new", f.urls[0], f"new {f.severity} finding {f.rule}: {f.message}", list(f.urls), None,
                  f.severity, {"rule": f.rule}, "high" if f.severity == "high" else "")
           for key, f in sorted(fb.items()) if key not in fa]
    out += [Change("finding-resolved", f.urls[0], f"resolved {f.rule} on {path(f.urls[0])}", list(f.urls),
                   f.severity, None, {"rule": f.rule}) for key, f in sorted(fa.items()) if key not in fb]
    return out


def _backlinks(a: RunView, b: RunView) -> list[Change]:
    ra, rb = a.snapshot.referring, b.snapshot.referring
    out = []
    for url in sorted(set(ra) | set(rb)):
        gained = sorted(rb.get(url, frozenset()) - ra.get(url, frozenset()))
        lost = sorted(ra.get(url, frozenset()) - rb.get(url, frozenset()))
        if gained:
            out.append(Change("referring-domains-gained", url, f"{path(url)} gained {len(gained)} referring "
                              f"domain(s): {', '.join(gained[:LISTED])}", [url], len(ra.get(url, ())),
                              len(rb.get(url, ())), {"domains": gained}))
        if lost:
            out.append(Change("referring-domains-lost", url, f"{path(url)} lost {len(lost)} referring domain(s): "
                              f"{', '.join(lost[:LISTED])}", [url], len(ra.get(url, ())), len(rb.get(url, ())),
                              {"domains": lost}, "medium"))
    return out


__all__ = ["STRUCTURAL", "compare"]
