"""`assistant suggest`: eligibility, anchors and sentences, ranking signals, the CLI's shape.

One go-blog copy with one in-content link turned into plain text (as the link-prediction bench does),
ingested once with --no-embed (BM25-only relevance: embeddings are not the point here).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assistant.services import Services
from assistant.settings import load_settings
from assistant.suggest import Engine, SiteData, load_site
from assistant.suggest.anchors import from_mentions, split_sentences
from assistant.suggest.candidates import Mention, Phrase, title_phrases
from assistant.suggest.placing import place
from assistant.text import normalize_space
from tests.conftest import cli
from tests.sites import CORPORA, copy_site, rebase, serve

HIDDEN_SOURCE = "blog/pipelines/index.html"
HIDDEN_LINK = '<a href="/blog/io2013-talk-concurrency/">Advanced Go Concurrency Patterns</a>'


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    site = copy_site(CORPORA / "go-blog", tmp_path_factory.mktemp("suggest") / "site")
    page = site / HIDDEN_SOURCE
    html = page.read_text(encoding="utf-8")
    assert HIDDEN_LINK in html
    page.write_text(html.replace(HIDDEN_LINK, "Advanced Go Concurrency Patterns"), encoding="utf-8")
    with serve(site) as url:
        rebase(site, url)
        ws = site.parent / "ws"
        result = cli("--workspace", str(ws), "ingest", url, "--no-embed")
        assert result.exit_code == 0, result.output
        yield ws, url


def engine(ws: Path) -> Engine:
    services = Services(load_settings(None, workspace=ws))
    return Engine(load_site(services))


def suggest_json(ws: Path, *args: str) -> list[dict[str, Any]]:
    result = cli("--workspace", str(ws), "suggest", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_from_finds_the_unlinked_mention(ws: tuple[Path, str]) -> None:
    rows = suggest_json(ws[0], "--from", "/blog/pipelines/", "--limit", "5")
    hit = next(r for r in rows if r["target_url"].endswith("/blog/io2013-talk-concurrency/"))
    assert hit["anchor"] == "Advanced Go Concurrency Patterns"
    assert "mentions 'Advanced Go Concurrency Patterns' unlinked" in hit["reasons"]
    assert set(hit) == {"source_url", "target_url", "anchor", "sentence", "score", "reasons", "pagerank_gain",
                        "mentioned", "anchor_fit", "named", "confidence"}
    assert hit["pagerank_gain"] > 0 and hit["mentioned"] is True
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_anchor_in_sentence_in_main_text(ws: tuple[Path, str]) -> None:
    e = engine(ws[0])
    sources = sorted(u for u in e.data.pages if "/blog/" in u)[:25]
    checked = 0
    for source in sources:
        text = normalize_space(e.data.pages[source].text)
        for s in e.suggest_from(source, 5):
            assert s.anchor in s.sentence, (source, s)
            assert s.sentence in text, (source, s)
            assert 1 <= len(s.anchor.split()) <= 6
            checked += 1
    assert checked >= 100


def test_never_self_or_existing_content_link(ws: tuple[Path, str]) -> None:
    e = engine(ws[0])
    boilerplate_only = 0
    for source in sorted(e.data.pages)[:40]:
        linked = e.data.linked.get(source, set())
        for s in e.suggest_from(source, 10):
            assert s.target_url != source and s.target_url not in linked
            assert s.target_url in e.data.pages          # indexable pages with text only
    # nav / sidebar / prev-next links do not make a page "already linked"
    for source in sorted(e.data.pages)[:40]:
        boilerplate_only += bool(e.data.all_links[source] > e.data.content_links[source]
                                 and e.cand.targets_for(source))
    assert boilerplate_only > 0
    target = "/blog/io2013-talk-concurrency/"
    t = next(u for u in e.data.pages if u.endswith(target))
    for s in e.suggest_to(t, 10):
        assert t not in e.data.linked.get(s.source_url, set())


def _twin(data: SiteData, url: str, suffix: str) -> str:
    """Add an exact copy of page ``url`` (same text, links, PageRank) under a new URL."""
    twin = url.rstrip("/") + suffix
    data.pages[twin] = replace(data.pages[url], url=twin)
    data.pagerank[twin] = data.pagerank.get(url, 0.0)
    data.all_links[twin] = data.all_links[url]
    data.content_links[twin] = data.content_links[url]
    data.linked[twin] = set(data.linked.get(url, set()))
    return twin


def _ranked_sources(e: Engine, target: str) -> list[str]:
    return [s.source_url for s in e.suggest_to(target, 50)]


def test_backlinked_source_outranks_equal_one(ws: tuple[Path, str]) -> None:
    e = engine(ws[0])
    target = next(u for u in e.data.pages if u.endswith("/blog/io2013-talk-concurrency/"))
    first = _ranked_sources(e, target)[3]
    e = engine(ws[0])
    twin = _twin(e.data, first, "-backlinked/")
    e.data.referring_domains[twin] = 12
    ranked = e.suggest_to(target, 50)
    order = [s.source_url for s in ranked]
    assert order.index(twin) < order.index(first)
    assert "source has 12 referring domains" in ranked[order.index(twin)].reasons


def test_source_at_link_limit_is_not_a_top_source(ws: tuple[Path, str]) -> None:
    e = engine(ws[0])
    target = next(u for u in e.data.pages if u.endswith("/blog/io2013-talk-concurrency/"))
    top = _ranked_sources(e, target)[0]
    e = engine(ws[0])
    full = _twin(e.data, top, "-full/")
    e.data.all_links[full] = e.data.too_many_links
    order = _ranked_sources(e, target)
    assert order[0] == top
    assert order.index(full) >= 3


def test_anchor_varies_against_existing_anchors() -> None:
    sents = ["Read Go maps in action to learn how Go maps work."]
    title = Mention(Phrase("go maps in action", "title", 1.0), 0.9)
    short = Mention(Phrase("go maps", "ngram", 0.45), 0.7)
    assert from_mentions(sents, [title, short], Counter()).anchor == "Go maps in action"  # type: ignore[union-attr]
    used = Counter({"Go maps in action": 8, "maps": 1})
    placed = from_mentions(sents, [title, short], used)
    assert placed is not None and placed.anchor == "Go maps" and placed.anchor in placed.sentence


def test_title_phrases() -> None:
    keys = {p.key: p.kind for p in title_phrases("Go Concurrency Patterns: Pipelines and cancellation")}
    assert keys["go concurrency patterns"] == "part"
    assert keys["pipelines and cancellation"] == "part"
    assert "concurrency patterns" in keys and "patterns pipelines" not in keys
    assert not any(k.split()[0] in {"and", "the"} or k.split()[-1] == "and" for k in keys)


def test_sentences_are_from_text() -> None:
    text = "The first line is here.\nA second   paragraph starts. It has two sentences!\nAdding a dependency."
    assert list(split_sentences(text)) == ["The first line is here.", "A second paragraph starts.",
                                           "It has two sentences!"]       # not the list item of a step


def test_anchors_come_from_prose_whole_words() -> None:
    text = ("gitk v2.6.12.. include/scsi drivers/scsi\nwc := norm.NFC.Writer(w) // write as before\n"
            "This was the default strategy for merges from v0.99.9k until v2.33.0 in the merge tutorial.\n"
            "Pick 7,8,9 from the list.")
    assert next(split_sentences(text)).startswith("This was the default")        # no command or code line
    weights = {"v2": 1.0, "merge": 0.6, "tutorial": 0.8, "7": 2.0, "gitk": 1.0}
    placed = place(text, [], Counter(), weights)
    assert placed is not None and placed.anchor == "merge tutorial"               # not "until v2", not "Pick 7"


def test_to_all_and_errors(ws: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    rows = suggest_json(ws[0], "--to", "/blog/pipelines/", "--limit", "3")
    assert len(rows) == 3 and all(r["target_url"].endswith("/blog/pipelines/") for r in rows)
    assert all(r["sentence"] and r["anchor"] in r["sentence"] and 0 <= r["confidence"] <= 1 for r in rows)
    confident = suggest_json(ws[0], "--all", "--limit", "2")          # [suggest] min_confidence = 0.3
    assert confident and all(r["confidence"] >= 0.3 for r in confident)
    monkeypatch.setenv("ASSISTANT_SUGGEST__MIN_CONFIDENCE", "0")
    everything = suggest_json(ws[0], "--all", "--limit", "2")
    assert len({r["target_url"] for r in everything}) >= 5
    assert {(r["source_url"], r["target_url"]) for r in confident} < {(r["source_url"], r["target_url"])
                                                                       for r in everything}
    assert cli("--workspace", str(ws[0]), "suggest").exit_code == 2
    bad = cli("--workspace", str(ws[0]), "suggest", "--from", "/no/such/page/")
    assert bad.exit_code == 2 and "not a page" in bad.output
    table = cli("--workspace", str(ws[0]), "suggest", "--from", "/blog/pipelines/", "--limit", "2")
    assert table.exit_code == 0 and "suggestions" in table.stdout


def test_vector_index_matches_brute_force() -> None:
    import numpy as np

    from assistant.suggest.vectors import VectorIndex

    rng = np.random.default_rng(0)
    chunks = {}
    for u, n in (("a", 3), ("b", 1), ("c", 4)):
        m = rng.normal(size=(n, 8)).astype(np.float32)
        chunks[u] = m / np.linalg.norm(m, axis=1, keepdims=True)
    index = VectorIndex(chunks)
    pages = {u: m.mean(axis=0) / np.linalg.norm(m.mean(axis=0)) for u, m in chunks.items()}
    for u in chunks:
        assert index.cosines(u) == pytest.approx([float(pages[v] @ pages[u]) for v in index.urls], abs=1e-5)
        assert index.passages_from(u) == pytest.approx(
            [float((chunks[u] @ pages[v]).max()) for v in index.urls], abs=1e-5)
        assert index.passages_to(u) == pytest.approx(
            [float((chunks[v] @ pages[u]).max()) for v in index.urls], abs=1e-5)


def test_embedded_workspace_suggestions(go_ws: tuple[Path, dict[str, Any]]) -> None:
    """With embeddings: similarity reasons, verbatim anchors and sentences, exact PageRank gains."""
    ws = go_ws[0]
    eng = engine(ws)
    assert eng.data.index is not None and len(eng.data.index.urls) == len(eng.data.vectors or {})
    rows = suggest_json(ws, "--from", "/blog/pipelines/", "--limit", "5")
    assert len(rows) == 5
    texts = {u: normalize_space(p.text) for u, p in eng.data.pages.items()}
    for r in rows:
        assert any(x.startswith("similarity ") for x in r["reasons"])
        assert r["anchor"] in r["sentence"] and r["sentence"] in texts[r["source_url"]]
        assert r["pagerank_gain"] >= 0
    to = suggest_json(ws, "--to", rows[0]["target_url"], "--limit", "5")
    assert to and all(r["target_url"] == rows[0]["target_url"] for r in to)
    assert all(r["source_url"] not in eng.data.linked or r["target_url"] not in eng.data.linked[r["source_url"]]
               for r in to)
