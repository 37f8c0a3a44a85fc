"""Link-graph analytics: hand-made graphs with known answers, then go-blog served on loopback."""

from __future__ import annotations

import math
from collections import Counter, deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import networkx as nx
import pytest

from assistant import graph
from assistant.graph import Edge, Node
from assistant.store import graphdata
from assistant.store.db import Database
from assistant.urls import normalize
from tests.conftest import Site, cli, cli_json
from tests.sites import PLACEHOLDER, rebase, serve, url_of


def page(url: str, **kw: Any) -> Node:
    return Node(url, kw.pop("status", 200), kw.pop("final_url", url), kw.pop("indexable", True), **kw)


def redirect(url: str, to: str) -> Node:
    return Node(url, 301, to, indexable=False)


def links(*pairs: str, **kw: Any) -> list[Edge]:
    """links("a>b", "b>c") -> [Edge(a, b), Edge(b, c)]"""
    return [Edge(*p.split(">"), **kw) for p in pairs]


def ranks(nodes: list[Node], edges: list[Edge]) -> dict[str, float]:
    return {u: m.pagerank for u, m in graph.metrics(nodes, edges, nodes[0].url).items()}


# ---------------------------------------------------------------------------------------------- hand-made graphs
def test_chain_depth_pagerank_and_link_score() -> None:
    nodes = [page("a"), page("b"), page("c")]
    m = graph.metrics(nodes, links("a>b", "b>c"), "a")
    assert [m[u].depth for u in "abc"] == [0, 1, 2]
    expected = nx.pagerank(nx.DiGraph([("a", "b"), ("b", "c")]), alpha=0.85, tol=1e-12, max_iter=1000)
    for u in "abc":
        assert m[u].pagerank == pytest.approx(expected[u], abs=1e-9)
    assert m["a"].pagerank < m["b"].pagerank < m["c"].pagerank
    assert (m["a"].link_score, m["c"].link_score) == (pytest.approx(1.0), pytest.approx(100.0))
    lo, hi = math.log(m["a"].pagerank), math.log(m["c"].pagerank)
    assert m["b"].link_score == pytest.approx(1 + 99 * (math.log(m["b"].pagerank) - lo) / (hi - lo))
    assert (m["b"].inlinks, m["b"].outlinks, m["b"].linking_pages) == (1, 1, 1)


def test_star_hub_wins_and_leaves_are_equal() -> None:
    leaves = [f"l{i}" for i in range(5)]
    nodes = [page("hub"), *map(page, leaves)]
    edges = [*links(*(f"{leaf}>hub" for leaf in leaves)), *links(*(f"hub>{leaf}" for leaf in leaves))]
    m = graph.metrics(nodes, edges, "hub")
    assert m["hub"].link_score == pytest.approx(100.0)
    assert len({round(m[leaf].pagerank, 12) for leaf in leaves}) == 1
    assert m["hub"].pagerank > 4 * m["l0"].pagerank
    assert m["hub"].linking_pages == 5 and all(m[leaf].depth == 1 for leaf in leaves)
    assert sum(x.pagerank for x in m.values()) == pytest.approx(1.0)


def test_pagerank_equals_networkx_on_a_plain_graph() -> None:
    g = nx.gnp_random_graph(60, 0.08, seed=7, directed=True)
    nodes = [page(f"p{i}") for i in g]
    edges = [Edge(f"p{s}", f"p{t}") for s, t in g.edges]
    got = ranks(nodes, edges)
    want = nx.pagerank(nx.relabel_nodes(g, lambda i: f"p{i}"), alpha=0.85)   # networkx defaults
    assert sum(got.values()) == pytest.approx(1.0, abs=1e-9)
    assert max(abs(got[u] - want[u]) for u in want) < 1e-5


def test_redirect_passes_value_to_its_final_url_through_a_chain() -> None:
    direct = ranks([page("a"), page("b"), page("c")], links("a>b", "c>b", "b>a"))
    nodes = [page("a"), page("b"), page("c"), redirect("r1", "r2"), redirect("r2", "b")]
    via = graph.metrics(nodes, links("a>r1", "c>b", "b>a"), "a")
    assert via["b"].pagerank == pytest.approx(direct["b"], abs=1e-9)
    assert (via["r1"].pagerank, via["r1"].link_score, via["r1"].indexable) == (0.0, 0.0, False)
    assert via["r1"].inlinks == 1 and via["b"].inlinks == 1          # counts are as stored
    assert via["b"].depth == 1 and via["r1"].depth == 1              # a redirect does not cost a click


def test_canonicalised_page_passes_its_inlinks_to_the_canonical() -> None:
    direct = ranks([page("a"), page("b")], links("a>b", "b>a"))
    nodes = [page("a"), page("b"), page("b2", indexable=False, canonical="b")]
    via = ranks(nodes, links("a>b2", "b>a"))
    assert via["b"] == pytest.approx(direct["b"], abs=1e-9) and via["b2"] == 0.0


def test_nofollow_link_passes_nothing_and_duplicates_count_once() -> None:
    nodes = [page("a"), page("b"), page("c"), page("d")]
    base = ranks(nodes, links("a>b", "b>a", "c>a"))
    with_nofollow = ranks(nodes, [*links("a>b", "b>a", "c>a"), Edge("c", "d", rel="nofollow noopener")])
    assert with_nofollow == pytest.approx(base, abs=1e-12)
    assert with_nofollow["d"] == pytest.approx(0.15 / 4 + 0.85 * with_nofollow["d"] / 4, rel=1e-6)  # teleport only
    twice = ranks(nodes, links("a>b", "a>b", "a>c", "b>a", "c>a", "d>a"))
    assert twice["b"] == pytest.approx(twice["c"], abs=1e-12)
    silent = [page("a"), page("b"), page("c", nofollow_page=True), page("d")]   # <meta robots nofollow>
    assert ranks(silent, links("a>b", "b>a", "c>a", "c>d")) == pytest.approx(ranks(silent, links("a>b", "b>a")))


def test_noindex_page_gets_zero_and_passes_nothing() -> None:
    nodes = [page("a"), page("b"), page("n", indexable=False), page("x", status=404, indexable=False)]
    m = graph.metrics(nodes, links("a>b", "a>n", "a>x", "n>b", "b>a"), "a")
    assert (m["n"].pagerank, m["n"].link_score, m["x"].pagerank) == (0.0, 0.0, 0.0)
    assert m["a"].pagerank + m["b"].pagerank == pytest.approx(1.0)
    assert m["a"].pagerank == pytest.approx(m["b"].pagerank)          # n's link to b counts for nothing
    assert m["n"].depth == 1 and m["n"].inlinks == 1
    assert graph.is_indexable(status=200, html=True, noindex=False, canonical=None, url="u")
    assert graph.is_indexable(status=200, html=True, noindex=False, canonical="u", url="u")
    assert not graph.is_indexable(status=200, html=True, noindex=False, canonical="v", url="u")
    assert not graph.is_indexable(status=200, html=True, noindex=True, canonical=None, url="u")
    assert not graph.is_indexable(status=200, html=False, noindex=False, canonical=None, url="u")
    assert not graph.is_indexable(status=301, html=True, noindex=False, canonical=None, url="u")


def test_depth_is_bfs_over_followed_links_only() -> None:
    nodes = [page("h"), page("a"), page("b"), page("c", nofollow_page=True), page("d"), page("e"), page("z")]
    edges = [*links("h>a", "a>b", "h>c", "c>d", "b>d", "d>e"), Edge("h", "e", rel="nofollow"), Edge("e", "h")]
    m = graph.metrics(nodes, edges, "h")
    assert {u: m[u].depth for u in "habcdez"} == {"h": 0, "a": 1, "c": 1, "b": 2, "d": 3, "e": 4, "z": None}
    assert graph.metrics(nodes, edges, None)["h"].depth is None


def test_orphans_confirmed_when_complete_possible_when_limited() -> None:
    nodes = [page("h", in_sitemap=True), page("linked", in_sitemap=True), page("lonely", in_sitemap=True),
             page("noidx", indexable=False), page("via-noindex", in_sitemap=True), page("only-nofollow"),
             page("self", in_sitemap=True), page("backlinked"), page("new"), redirect("old", "new"),
             page("crawled-only")]
    edges = [*links("h>linked", "h>noidx", "noidx>via-noindex", "self>self", "linked>h"),
             Edge("h", "only-nofollow", rel="nofollow")]
    complete = graph.metrics(nodes, edges, "h", {"backlinked", "only-nofollow", "old"}, crawl_complete=True)
    orphans = {u: m.orphan for u, m in complete.items() if m.orphan}
    assert orphans == dict.fromkeys(["lonely", "via-noindex", "self", "backlinked", "only-nofollow", "new"],
                                    "confirmed")
    limited = graph.metrics(nodes, edges, "h", set(), crawl_complete=False)
    assert {u for u, m in limited.items() if m.orphan} == {"lonely", "via-noindex", "self"}
    assert {m.orphan for m in limited.values()} == {"", "possible"}


def test_incoming_anchors_resolve_redirects_and_filter_placement() -> None:
    nodes = [page("a"), page("b"), redirect("r", "b")]
    edges = [Edge("a", "b", "Go  guide\n"), Edge("a", "r", "Go guide", placement="boilerplate"),
             Edge("b", "b", "self"), Edge("b", "a", "", placement="content")]
    assert graph.incoming_anchors(edges) == {"b": Counter({"Go guide": 1}), "r": Counter({"Go guide": 1}),
                                             "a": Counter({"": 1})}
    resolved = graph.incoming_anchors(edges, graph.redirect_resolver(nodes))
    assert resolved["b"] == Counter({"Go guide": 2})
    assert graph.incoming_anchors(edges, graph.redirect_resolver(nodes), placement="content")["b"] == \
        Counter({"Go guide": 1})


def test_pagerank_with_adds_links_and_restores_the_graph() -> None:
    nodes = [page(u) for u in "abcde"]
    edges = links("a>b", "b>c", "c>a", "d>a", "e>a")
    g = graph.build_graph(nodes, edges)
    base = graph.pagerank(g)
    gained = graph.pagerank_with(g, [("a", "e"), ("a", "e"), ("a", "zz"), ("b", "b")], base)
    assert g.number_of_edges() == 5 and not g.has_edge("a", "e")
    want = graph.pagerank(graph.build_graph(nodes, [*edges, Edge("a", "e")]))
    assert gained == pytest.approx(want, abs=1e-10)
    assert gained["e"] > base["e"]
    assert graph.pagerank_with(g, [("c", "a")], base) == pytest.approx(base, abs=1e-10)   # already there


def test_choose_home_prefers_the_root_then_the_shallowest_page() -> None:
    nodes = [page("https://x/blog/"), page("https://x/"), redirect("https://x/old", "https://x/")]
    assert graph.choose_home(nodes, "https://x/old", {}) == "https://x/"
    assert graph.choose_home(nodes[:1], "https://x/", {"https://x/blog/": 0}) == "https://x/blog/"
    assert graph.choose_home([], "https://x/", {}) is None


# ---------------------------------------------------------------------------------------------- go-blog on loopback
@pytest.fixture(scope="module")
def go_graph(go_site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    ws = tmp_path_factory.mktemp("graph-go") / "ws"
    cli_json("--workspace", str(ws), "ingest", go_site.url, "--no-embed")
    db = Database(ws / "assistant.db")
    try:
        nodes, edges, home, complete = graphdata.load(db)
    finally:
        db.close()
    assert complete and home == go_site.url
    return ws, graph.metrics(nodes, edges, home, set(), complete)


def gold_depths(site: Path, base: str) -> dict[str, int]:
    """Click depths by an independent BFS over the HTML files (lxml; rel=nofollow links skipped)."""
    out: dict[str, list[str]] = {}
    host = urlsplit(base).netloc
    for f in site.rglob("*.html"):
        url = url_of(site, f, base)
        tree = lxml.html.document_fromstring(f.read_bytes())
        tree.make_links_absolute(url)
        out[url] = [normalize(a.get("href").split("#")[0]) or "" for a in tree.iter("a")
                    if a.get("href") and "nofollow" not in (a.get("rel") or "").split()]
    depth, queue = {base: 0}, deque([base])
    while queue:
        url = queue.popleft()
        for t in out.get(url, []):
            if urlsplit(t).netloc == host and t not in depth:
                depth[t] = depth[url] + 1
                queue.append(t)
    return {u: d for u, d in depth.items() if u in out}


def test_go_blog_depths_match_an_independent_bfs(go_site: Site, go_graph: tuple[Path, dict[str, Any]]) -> None:
    _, m = go_graph
    gold = gold_depths(go_site.dir, go_site.url)
    assert m[go_site.url].depth == 0
    assert len(gold) == len(list(go_site.dir.rglob("*.html")))       # every page reachable
    assert {u: m[u].depth for u in gold} == gold
    posts = [u for u in gold if "/blog/" in u]
    # the archive is paginated (page/2/ ... page/14/), so the oldest posts sit deeper than 3 clicks
    assert max(m[u].depth for u in posts) <= max(m[u].depth for u in gold if "/archive/" in u) + 1
    assert sum(m[u].depth <= 3 for u in posts) > len(posts) / 3


def test_go_blog_most_linked_posts_have_the_highest_link_score(go_graph: tuple[Path, dict[str, Any]]) -> None:
    _, m = go_graph
    posts = [p for p in m.values() if "/blog/" in p.url and p.indexable]
    most = max(p.linking_pages for p in posts)
    top = {p.url for p in posts if p.linking_pages == most}
    ranked = sorted(posts, key=lambda p: -p.link_score)
    assert 5 <= len(top) < len(posts) / 10
    assert {p.url for p in ranked[:len(top)]} == top
    assert min(m[u].link_score for u in top) > 90 > max(p.link_score for p in ranked[len(top):])
    assert sum(p.pagerank for p in m.values() if p.indexable) == pytest.approx(1.0)
    assert not any(p.orphan for p in m.values())


def test_pages_command_has_the_graph_columns(go_site: Site, go_graph: tuple[Path, dict[str, Any]],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ws, m = go_graph
    rows = cli_json("--workspace", str(ws), "pages", "--sort", "link_score")
    assert len(rows) == 290
    for col in ("url", "title", "words", "inlinks", "outlinks", "status", "depth", "link_score", "pagerank",
                "content_inlinks", "linking_pages", "orphan"):
        assert col in rows[0], col
    scores = [r["link_score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] == 100.0
    for r in rows:
        p = m[r["url"]]
        assert (r["inlinks"], r["content_inlinks"], r["linking_pages"], r["depth"], r["orphan"]) == \
            (p.inlinks, p.content_inlinks, p.linking_pages, p.depth, p.orphan)
        assert r["pagerank"] == float(f"{p.pagerank:.6g}") and r["link_score"] == round(p.link_score, 1)
    by_depth = cli_json("--workspace", str(ws), "pages", "--sort", "depth", "--limit", "3")
    assert by_depth[0]["url"] == go_site.url and by_depth[0]["depth"] == 0
    monkeypatch.setenv("COLUMNS", "300")
    table = cli("--workspace", str(ws), "pages", "--sort", "depth", "--limit", "2")
    assert table.exit_code == 0 and "link_score" in table.stdout and "linking_pages" in table.stdout
    bad = cli("--workspace", str(ws), "pages", "--sort", "pagerankk")
    assert bad.exit_code == 2


# ---------------------------------------------------------------------------------------------- orphans end to end
ORPHAN_SITE = {
    "index.html": '<a href="/a/">A</a> <a href="/noidx/">N</a> <a href="/b/" rel="nofollow">B</a>',
    "a/index.html": '<a href="/">Home</a>',
    "noidx/index.html": '<meta name="robots" content="noindex"><a href="/c/">C</a>',
    "b/index.html": "<p>Only a nofollow link leads here.</p>",
    "c/index.html": "<p>Only a noindex page links here.</p>",
    "d/index.html": "<p>Nothing links here; the sitemap lists it.</p>",
}


def test_orphans_from_the_sitemap_end_to_end(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for name, body in ORPHAN_SITE.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(f"<html><head><title>{name}</title></head><body>{body}</body></html>")
    (site / "robots.txt").write_text(f"User-agent: *\nSitemap: {PLACEHOLDER}/sitemap.xml\n")
    locs = "".join(f"<url><loc>{PLACEHOLDER}/{p}/</loc></url>" for p in ("a", "b", "c", "d"))
    (site / "sitemap.xml").write_text(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>')
    with serve(site) as url:
        rebase(site, url)
        ws = tmp_path / "ws"
        cli_json("--workspace", str(ws), "ingest", url, "--no-embed")
        rows = {r["url"].removeprefix(url): r for r in cli_json("--workspace", str(ws), "pages")}
        assert {u: r["orphan"] for u, r in rows.items() if r["orphan"]} == dict.fromkeys(["b/", "c/", "d/"],
                                                                                         "confirmed")
        assert rows["noidx/"]["link_score"] == 0 and rows["noidx/"]["indexable"] is False
        assert rows["c/"]["depth"] == 2 and rows["b/"]["depth"] is None and rows[""]["depth"] == 0
        limited = tmp_path / "limited"
        summary = cli_json("--workspace", str(limited), "ingest", url, "--no-embed", "--max-pages", "4")
        assert summary["complete"] is False
        flags = {r["orphan"] for r in cli_json("--workspace", str(limited), "pages")}
        assert flags == {"", "possible"}


def test_rank_model_gain_is_exact() -> None:
    """RankModel's one-link correction agrees with recomputing PageRank on the changed graph, including a
    dangling source, and gives 0 for a link that exists or a self-link."""
    import random

    rnd = random.Random(7)
    nodes = [page(f"p{i}") for i in range(60)]
    edges = [Edge(f"p{rnd.randrange(50)}", f"p{rnd.randrange(60)}") for _ in range(240)]
    g = graph.build_graph(nodes, edges)
    base = graph.pagerank(g)
    model = graph.RankModel(g, base)
    dangling = next(u for u in g if g.out_degree(u) == 0)
    for s, t in [("p1", "p2"), ("p3", "p59"), (dangling, "p0")]:
        if g.has_edge(s, t):
            continue
        want = graph.pagerank_with(g, [(s, t)], base)[t] - base[t]
        assert model.gain(s, t) == pytest.approx(want, rel=1e-6, abs=1e-12)
        assert model.gain(s, t) > 0
    s, t = next(iter(g.edges()))
    assert model.gain(s, t) == 0.0 and model.gain("p1", "p1") == 0.0 and model.gain("p1", "nope") == 0.0
