"""Ingest of the real corpora served on loopback: pages, content links, chunks, incremental re-runs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from assistant.store.embedder import StaticEmbedder
from tests.conftest import Site, cli, cli_json, db_rows
from tests.sites import gold_content_links


def sitemap_urls(site: Site) -> set[str]:
    return set(re.findall(r"<loc>(.*?)</loc>", (site.dir / "sitemap.xml").read_text()))


def stored_content_links(ws: Path) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for r in db_rows(ws, """SELECT p.url, l.target_url FROM pages p LEFT JOIN links l
                            ON l.source_id=p.id AND l.placement='content' WHERE p.content_hash IS NOT NULL"""):
        out.setdefault(r["url"], Counter())
        if r["target_url"]:
            out[r["url"]][r["target_url"]] += 1
    return out


def assert_content_links_match(site: Site, ws: Path) -> None:
    gold = gold_content_links(site.dir, site.url)
    got = stored_content_links(ws)
    posts = [u for u, targets in gold.items() if targets]
    assert len(posts) > 100
    found = sum(sum((gold[u] & got[u]).values()) for u in posts)
    total = sum(sum(gold[u].values()) for u in posts)
    assert found / total >= 0.99, f"content links found {found}/{total}"
    extra = {u: dict(got[u] - gold[u]) for u in posts if got[u] - gold[u]}
    assert not extra, f"boilerplate links marked content on posts: {list(extra.items())[:3]}"


def test_go_blog_every_page_and_sitemap_url(go_site: Site, go_ws: tuple[Path, dict[str, Any]]) -> None:
    ws, summary = go_ws
    html_files = list(go_site.dir.rglob("*.html"))
    assert summary["complete"] is True
    assert summary["new"] == len(html_files) == summary["totals"]["html_pages"]
    stored = {r["url"] for r in db_rows(ws, "SELECT url FROM pages WHERE status=200 AND content_hash IS NOT NULL")}
    assert sitemap_urls(go_site) <= stored
    assert summary["errors"] == {"non-html": 1}          # /sitemap.xml is linked from every footer


def test_go_blog_content_links_equal_independent_count(go_site: Site, go_ws: tuple[Path, dict[str, Any]]) -> None:
    assert_content_links_match(go_site, go_ws[0])


def test_rust_blog_content_links_equal_independent_count(rust_site: Site, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = cli_json("--workspace", str(ws), "ingest", rust_site.url, "--no-embed")
    assert summary["totals"]["html_pages"] == len(list(rust_site.dir.rglob("*.html")))
    assert_content_links_match(rust_site, ws)


def test_nav_sidebar_footer_links_are_boilerplate(go_site: Site, go_ws: tuple[Path, dict[str, Any]]) -> None:
    ws = go_ws[0]
    rows = db_rows(ws, """SELECT l.anchor, l.placement, l.rel, l.target_url FROM links l JOIN pages p
                          ON p.id=l.source_id WHERE p.url=?""", (go_site.url + "blog/maps/",))
    by_anchor = {r["anchor"]: r for r in rows}
    for chrome in ("Home", "Archive", "About", "About this site", "All posts", "Sitemap"):
        assert by_anchor[chrome]["placement"] == "boilerplate"
    assert by_anchor["comparable"]["placement"] == "content"                  # in-body link, anchor kept
    assert by_anchor["comparable"]["target_url"] == "https://go.dev/ref/spec"          # fragment dropped
    rels = {r["rel"] for r in rows if r["rel"]}
    assert {"prev", "next"} <= rels or {"prev"} <= rels or {"next"} <= rels   # post-nav rel kept
    recent = [r for r in rows if r["anchor"] and r["placement"] == "content" and "Recent" in r["anchor"]]
    assert not recent


def test_sentence_holds_anchor_and_is_in_main_text(go_ws: tuple[Path, dict[str, Any]]) -> None:
    rows = db_rows(go_ws[0], """SELECT l.anchor, l.sentence, p.main_text FROM links l JOIN pages p
                                ON p.id=l.source_id WHERE l.placement='content' AND l.anchor_kind='text'""")
    assert len(rows) > 1000
    holds = sum(r["anchor"] in r["sentence"] for r in rows)
    in_text = sum(" ".join(r["sentence"].split()) in " ".join(r["main_text"].split()) for r in rows)
    assert holds / len(rows) >= 0.99
    assert in_text / len(rows) >= 0.9


def test_chunks_in_chroma_equal_database(go_ws: tuple[Path, dict[str, Any]]) -> None:
    ws, summary = go_ws
    n_chunks = db_rows(ws, "SELECT count(*) AS n FROM chunks")[0]["n"]
    assert n_chunks > 1000
    client = chromadb.PersistentClient(path=str(ws / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_collection("chunks")
    assert collection.count() == n_chunks == summary["vectors"]
    got = collection.get(ids=["p2-c0"], include=["metadatas", "embeddings"])
    assert got["metadatas"][0] is None        # the id says page and position; URL, title and text are SQLite's
    page = db_rows(ws, "SELECT url, main_text FROM pages WHERE id=2")[0]
    text = db_rows(ws, "SELECT text FROM chunks WHERE page_id=2 AND position=0")[0]["text"]
    assert text in " ".join(page["main_text"].split())
    assert np.allclose(got["embeddings"][0], StaticEmbedder().embed([text])[0], atol=1e-5)


def test_reingest_unchanged_site_touches_no_page(go_site: Site, go_ws: tuple[Path, dict[str, Any]]) -> None:
    ws = go_ws[0]
    before = {r["url"]: r["updated_at"] for r in db_rows(ws, "SELECT url, updated_at FROM pages")}
    summary = cli_json("--workspace", str(ws), "ingest", go_site.url)
    assert summary["new"] == summary["changed"] == summary["gone"] == 0
    assert summary["unchanged"] == len(list(go_site.dir.rglob("*.html")))
    assert summary["embedded_chunks"] == 0
    after = {r["url"]: r["updated_at"] for r in db_rows(ws, "SELECT url, updated_at FROM pages")}
    assert after == before


def test_sitemap_source_gives_the_sitemap_pages(go_site: Site, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = cli_json("--workspace", str(ws), "ingest", go_site.url + "sitemap.xml", "--no-embed")
    assert summary["kind"] == "sitemap"
    assert summary["totals"]["html_pages"] == len(sitemap_urls(go_site)) == 275
    pages = cli_json("--workspace", str(ws), "pages")
    assert {p["url"] for p in pages} == sitemap_urls(go_site)
    maps = next(p for p in pages if p["url"].endswith("/blog/maps/"))
    assert maps["title"] == "Go maps in action" and maps["words"] > 1000 and maps["status"] == 200


def test_links_command_to_and_from(go_site: Site, go_ws: tuple[Path, dict[str, Any]]) -> None:
    ws = go_ws[0]
    to = cli_json("--workspace", str(ws), "links", "--to", "/blog/maps/", "--placement", "content")
    assert to and all(r["target"] == go_site.url + "blog/maps/" and r["placement"] == "content" for r in to)
    assert all({"source", "anchor", "rel", "sentence"} <= set(r) for r in to)
    frm = cli_json("--workspace", str(ws), "links", "--from", go_site.url + "blog/maps/")
    assert {r["source"] for r in frm} == {go_site.url + "blog/maps/"}
    bad = cli("--workspace", str(ws), "links", "--to", "/blog/mapz/")
    assert bad.exit_code == 2 and "did you mean" in bad.stderr and "Traceback" not in bad.output
