"""The suggestion engine's cache in the workspace (assistant/suggest/cache.py): the same suggestions with and
without it, invalidated by what changes them, rebuilt silently when damaged, never written half or by an ingest.

Real Chroma in a tmp dir, the default (static) embedder, go-blog posts served on loopback.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.services import Services
from assistant.settings import load_settings
from assistant.suggest import Engine, SiteData, load_site
from assistant.suggest.cache import Cache
from tests.conftest import Site, cli
from tests.sites import CORPORA, later, make_mini_site, rebase, serve

POSTS = 24


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("suggest-cache") / "site"
    make_mini_site(CORPORA / "go-blog", root, POSTS)
    with serve(root) as url:
        rebase(root, url)
        yield Site(root, url)


@pytest.fixture(scope="module")
def ws(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("suggest-cache-ws") / "ws"
    ingest(ws, site.url)
    return ws


def ingest(ws: Path, url: str, *extra: str) -> None:
    result = cli("--workspace", str(ws), "ingest", url + "sitemap.xml", *extra)
    assert result.exit_code == 0, result.output


def services(ws: Path, **overrides: Any) -> Services:
    return Services(load_settings(None, workspace=ws, **overrides))


def clear(ws: Path) -> None:
    for f in (ws / "cache").glob("suggest-*"):
        f.unlink()


def answers(data: SiteData, pages: list[str]) -> list[Any]:
    e = Engine(data)
    return [[s.as_dict() for s in e.suggest_to(u, 8)] + [s.as_dict() for s in e.suggest_from(u, 8)] for u in pages]


def sample(data: SiteData, n: int = 5) -> list[str]:
    pages = sorted(u for u in data.pages if u not in data.hubs)
    return pages[::max(1, len(pages) // n)][:n]


def same_data(a: SiteData, b: SiteData) -> None:
    assert a.pages == b.pages and list(a.pages) == list(b.pages)
    assert (a.linked, a.anchors, a.all_links, a.content_links) == (b.linked, b.anchors, b.all_links, b.content_links)
    assert a.pagerank == b.pagerank and a.referring_domains == b.referring_domains and a.hubs == b.hubs
    assert a.rank_graph.nodes == b.rank_graph.nodes
    assert np.array_equal(a.rank_graph.sources, b.rank_graph.sources)
    assert np.array_equal(a.rank_graph.targets, b.rank_graph.targets)
    assert (a.index is None) == (b.index is None)
    if a.index is not None and b.index is not None:
        assert a.index.urls == b.index.urls
        assert np.array_equal(a.index.chunks, b.index.chunks) and np.array_equal(a.index.pages, b.index.pages)


def cold(ws: Path, **overrides: Any) -> tuple[SiteData, list[Any]]:
    """Load and query with no cache at all (and leave none behind)."""
    clear(ws)
    data = load_site(services(ws, **overrides))
    data.cache = None
    clear(ws)
    return data, answers(data, sample(data))


def test_cached_suggestions_equal_cold_ones_and_chroma_stays_closed(ws: Path) -> None:
    truth, want = cold(ws)
    first = services(ws)
    data = load_site(first)                      # no cache yet: reads SQLite and Chroma, writes the site part
    assert (ws / "cache" / "suggest-site.npz").is_file() and "chroma_client" in first.__dict__
    engine = Engine(data)
    assert answers(data, sample(data)) == want
    assert engine.save() and (ws / "cache" / "suggest-index.npz").is_file()

    again = services(ws)
    cached = load_site(again)
    assert "chroma_client" not in again.__dict__ and "vectors" not in again.__dict__   # Chroma never opened
    same_data(cached, truth)
    assert cached.index is not None and cached.vectors is not None and cached.stored() is not None
    assert answers(cached, sample(cached)) == want
    engine = Engine(cached)
    engine.warm()
    assert not engine.save()                     # its indexes came from the cache: nothing to write
    assert cached.graph.number_of_edges() == len(cached.rank_graph.sources)    # networkx on demand, the same graph


def test_cli_from_the_cache(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear(ws)
    url = sample(load_site(services(ws)))[1]
    clear(ws)
    first = cli("--workspace", str(ws), "suggest", "--to", url, "--format", "json")
    assert first.exit_code == 0, first.output
    assert {f.name for f in (ws / "cache").iterdir()} == {"suggest-site.npz", "suggest-index.npz"}

    def no_chroma(self: Services) -> Any:
        raise AssertionError("Chroma opened although the cache holds the vectors")

    monkeypatch.setattr(Services, "chroma_client", property(no_chroma))
    second = cli("--workspace", str(ws), "suggest", "--to", url, "--format", "json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout) == json.loads(first.stdout) and json.loads(first.stdout)


def test_damaged_cache_is_rebuilt_silently(ws: Path, caplog: pytest.LogCaptureFixture) -> None:
    _, want = cold(ws)
    load_site_and_save(ws)
    site_file, index_file = ws / "cache" / "suggest-site.npz", ws / "cache" / "suggest-index.npz"
    site_file.write_bytes(b"not a zip file at all")
    index_file.write_bytes(index_file.read_bytes()[: index_file.stat().st_size // 2])     # a torn write
    with caplog.at_level(logging.DEBUG, logger="assistant.suggest"):
        data = load_site(services(ws))
        assert answers(data, sample(data)) == want
        assert Engine(data).save()
    assert "unreadable" in caplog.text
    key = Cache.of(services(ws))
    assert key is not None and key.read("site") is not None and key.read("index") is not None
    assert not list((ws / "cache").glob(".suggest-*.tmp"))

    # a whole file of this state whose arrays do not fit together: refused, rebuilt the same
    good = dict(np.load(site_file, allow_pickle=False))
    good["vec_sizes"] = good["vec_sizes"][:-1]
    np.savez(site_file, **good)
    data = load_site(services(ws))
    assert answers(data, sample(data)) == want


def load_site_and_save(ws: Path) -> None:
    data = load_site(services(ws))
    Engine(data).save()


@contextmanager
def served_workspace(tmp_path: Path, posts: int) -> Iterator[tuple[Path, str, Path, list[str]]]:
    """A mini site of ``posts`` posts served on loopback, ingested with its cache written: (site folder, base
    URL, workspace, post paths); the site is served until the block ends."""
    root = tmp_path / "site"
    paths = make_mini_site(CORPORA / "go-blog", root, posts)
    with serve(root) as url:
        rebase(root, url)
        ws = tmp_path / "ws"
        ingest(ws, url)
        load_site_and_save(ws)
        yield root, url, ws, paths


def rebuilt_cache_answers(ws: Path) -> tuple[SiteData, SiteData]:
    """Rebuild the cache from the workspace as it is now and check that it answers as a cold load does;
    (the cached SiteData, the cold one)."""
    truth, want = cold(ws)
    load_site_and_save(ws)
    cached = load_site(services(ws))
    assert cached.stored() is not None and answers(cached, sample(cached)) == want
    return cached, truth


def test_reingest_of_a_changed_page_invalidates_the_cache(tmp_path: Path) -> None:
    with served_workspace(tmp_path, 12) as (root, url, ws, paths):
        before = Cache.of(services(ws))
        data = load_site(services(ws))
        assert data.stored() is not None
        source, target = url + paths[0], url + paths[5]
        title = data.pages[target].title
        page = root / paths[0] / "index.html"
        sentence = f"Yesterday we reread {title} and it still holds."
        page.write_text(page.read_text().replace('itemprop="articleBody">', f'itemprop="articleBody"><p>{sentence}</p>',
                                                 1))
        later(page)
        ingest(ws, url)
    after = Cache.of(services(ws))
    assert before is not None and after is not None and after.key != before.key
    data = load_site(services(ws))
    assert sentence in data.pages[source].text
    found = Engine(data).suggest_from(source, 10)
    assert any(s.target_url == target and s.sentence == sentence for s in found), [s.as_dict() for s in found]
    Engine(data).save()
    rebuilt_cache_answers(ws)


def test_embed_model_and_backlinks_change_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with served_workspace(tmp_path, 8) as (_root, url, ws, paths):
        static = load_site(services(ws))
        key = Cache.of(services(ws))
        # another [embed] model: another cache at once; after the re-embedding, the new model's vectors
        other = Cache.of(services(ws, embed={"model": "minilm"}))
        assert key is not None and other is not None and other.key != key.key
        monkeypatch.setenv("ASSISTANT_EMBED__MODEL", "minilm")
        ingest(ws, url)
        data = load_site(services(ws))
        assert data.stored() is None and data.index is not None and static.index is not None
        assert len(data.index.chunks) == len(static.index.chunks)        # the same chunks, MiniLM's vectors
        assert not np.array_equal(data.index.chunks, static.index.chunks)
        Engine(data).save()
        cached, truth = rebuilt_cache_answers(ws)
        same_data(cached, truth)
        monkeypatch.delenv("ASSISTANT_EMBED__MODEL")

    # a backlinks import: the referring domains (and the suggestions' authority) change
    target = url + paths[2]
    export = tmp_path / "backlinks.csv"
    export.write_text("Source URL,Target URL,Anchor\n" + "".join(
        f"https://{d}.example/post,{target},a post\n" for d in ("news", "dev", "blog", "wiki")))
    before = Cache.of(services(ws))
    assert cli("--workspace", str(ws), "backlinks", "import", str(export)).exit_code == 0
    after = Cache.of(services(ws))
    assert before is not None and after is not None and after.key != before.key
    data = load_site(services(ws))
    assert data.referring_domains == {target: 4} and data.stored() is None
    reasons = [r for u in data.pages if u != target for s in Engine(data).suggest_to(u, 10)
               if s.source_url == target for r in s.reasons]
    assert "source has 4 referring domains" in reasons


def test_a_changed_sitedata_builds_its_own_indexes(ws: Path) -> None:
    load_site_and_save(ws)
    data = load_site(services(ws))
    target = sample(data)[2]
    source = next(s.source_url for s in Engine(data).suggest_to(target, 5))
    data = load_site(services(ws))
    twin = source.rstrip("/") + "-twin/"
    data.pages[twin] = replace(data.pages[source], url=twin)
    data.pagerank[twin] = data.pagerank[source]
    assert data.stored() is None                  # the cached indexes are of the pages as loaded
    engine = Engine(data)
    assert twin in {s.source_url for s in engine.suggest_to(target, 20)}
    assert not engine.save()


def test_nothing_is_written_while_an_ingest_runs(ws: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    lock = ws / "lock"
    try:
        lock.write_text(f"`assistant ingest` (pid {other.pid})")
        clear(ws)
        data = load_site(services(ws))
        assert not Engine(data).save()
        assert not list((ws / "cache").glob("suggest-*"))
    finally:
        lock.write_text("")
        other.kill()
        other.wait()
    lock.write_text("`assistant ingest` (pid 999999999)")    # a killed ingest's pid: not running
    try:
        load_site_and_save(ws)
        assert {f.name for f in (ws / "cache").iterdir()} >= {"suggest-site.npz", "suggest-index.npz"}
    finally:
        lock.write_text("")


def test_writers_at_once_leave_a_whole_file(ws: Path) -> None:
    cache = Cache.of(services(ws))
    assert cache is not None
    arrays = {f"a{i}": np.full(200_000, i, dtype=np.float64) for i in range(8)}
    threads = [threading.Thread(target=cache.write, args=("test", arrays)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = cache.read("test")
    assert got is not None and all(np.array_equal(got[k], v) for k, v in arrays.items())
    assert not list((ws / "cache").glob(".suggest-*.tmp"))
    (ws / "cache" / "suggest-test.npz").unlink()
