"""Incremental and crash-safe ingest: changed and vanished pages, kill -9 at any moment, Chroma server mode."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import httpx
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from assistant.store.embedder import StaticEmbedder
from tests.conftest import Site, cli, cli_json, db_rows
from tests.sites import CORPORA, later, make_mini_site, rebase, serve


@pytest.fixture
def mini(tmp_path: Path) -> Iterator[Site]:
    site = tmp_path / "site"
    make_mini_site(CORPORA / "go-blog", site, 12)
    with serve(site) as url:
        rebase(site, url)
        yield Site(site, url)


def chroma_ids(ws: Path) -> set[str]:
    client = chromadb.PersistentClient(path=str(ws / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    return set(client.get_collection("chunks").get(include=[])["ids"])


def expected_ids(ws: Path) -> set[str]:
    return {f"p{r['page_id']}-c{r['position']}" for r in db_rows(ws, "SELECT page_id, position FROM chunks")}


def test_changed_and_vanished_pages(mini: Site, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    first = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert first["new"] == 12 and first["vectors"] == first["totals"]["chunks"]
    posts = sorted(mini.dir.glob("blog/*/index.html"))
    changed, removed = posts[0], posts[1]
    html = changed.read_text()
    changed.write_text(html.replace("<article class=\"post-body\" itemprop=\"articleBody\">",
                                    "<article class=\"post-body\" itemprop=\"articleBody\"><p>Brand new opening "
                                    "paragraph about composable pipelines in Go.</p>", 1))
    later(changed)
    shutil.rmtree(removed.parent)      # (a folder without index.html would be served as a listing)
    second = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert (second["new"], second["changed"], second["unchanged"]) == (0, 1, 10)
    assert second["errors"] == {"http-404": 1}
    text = db_rows(ws, "SELECT main_text FROM pages WHERE url LIKE ?", ("%" + changed.parent.name + "/",))[0][0]
    assert "Brand new opening paragraph about composable pipelines in Go." in text.split("\n")     # a paragraph
    gone = db_rows(ws, "SELECT gone, status FROM pages WHERE url LIKE ?", ("%" + removed.parent.name + "/",))[0]
    assert (gone["gone"], gone["status"]) == (1, 404)
    assert chroma_ids(ws) == expected_ids(ws)
    client = chromadb.PersistentClient(path=str(ws / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    page_id = db_rows(ws, "SELECT id FROM pages WHERE url=?", (mini.url + "blog/" + changed.parent.name + "/",))[0][0]
    texts = [r[0] for r in db_rows(ws, "SELECT text FROM chunks WHERE page_id=? ORDER BY position", (page_id,))]
    assert "Brand new opening paragraph" in texts[0]
    hits = client.get_collection("chunks").get(ids=[f"p{page_id}-c0"], include=["embeddings"])
    assert np.allclose(hits["embeddings"][0], StaticEmbedder().embed(texts[:1])[0], atol=1e-5)   # the new text's vector


def test_an_older_extractor_version_reparses_every_page_once(mini: Site, tmp_path: Path) -> None:
    """An upgrade that changes what extraction records reaches pages whose bytes have not changed; vectors
    are rewritten only where the page's content (title and text) changed."""
    ws = tmp_path / "ws"
    first = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert first["embedded_chunks"] > 0
    conn = sqlite3.connect(ws / "assistant.db")
    with conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'extractor_version'")
        conn.execute("UPDATE pages SET title = 'stale title' WHERE status = 200")
    conn.close()
    again = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert again["unchanged"] == 0 and again["changed"] == 12
    assert again["embedded_chunks"] == 0 and chroma_ids(ws) == expected_ids(ws)     # same content: same vectors
    assert not db_rows(ws, "SELECT url FROM pages WHERE title = 'stale title'")
    third = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert (third["changed"], third["unchanged"]) == (0, 12)


def _wait_for(ws: Path, sql: str, at_least: int, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(ws / "assistant.db", timeout=5)
            try:
                if conn.execute(sql).fetchone()[0] >= at_least:
                    return
            finally:
                conn.close()
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)


def _assert_no_survivors(marker: str) -> None:
    """Worker processes die with a killed ingest (they would hold the workspace lock)."""
    deadline = time.monotonic() + 5
    while True:
        alive = []
        for pid in os.listdir("/proc"):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if pid.isdigit() and marker.encode() in cmd and int(pid) != os.getpid():
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not alive, f"processes outlived kill -9: {alive}"


def test_kill_9_at_any_moment_then_rerun_is_exact(mini: Site, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cmd = [sys.executable, "-m", "assistant", "--workspace", str(ws), "ingest", mini.url + "sitemap.xml",
           "--concurrency", "2", "--format", "json"]
    moments = [
        ("SELECT 0", 0),                                                        # right after start
        ("SELECT count(*) FROM pages WHERE content_hash IS NOT NULL", 4),       # mid-crawl
        ("SELECT count(*) FROM pages WHERE embedded_hash IS NOT NULL", 3),      # mid-embedding
    ]
    for n, (sql, at_least) in enumerate(moments):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if n == 0:
            time.sleep(1.5)
        else:
            _wait_for(ws, sql, at_least, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _assert_no_survivors(str(ws))
        if n == 1:   # a page changes between runs too
            post = sorted(mini.dir.glob("blog/*/index.html"))[3]
            post.write_text(post.read_text().replace("</article>", "<p>Added after a crash.</p></article>", 1))
            later(post)
    done = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    urls = [r["url"] for r in db_rows(ws, "SELECT url FROM pages")]
    assert len(urls) == len(set(urls)) == 12
    pending = db_rows(ws, "SELECT count(*) FROM pages WHERE embedded_hash IS NOT content_hash")[0][0]
    assert pending == 0
    assert chroma_ids(ws) == expected_ids(ws)
    assert len(expected_ids(ws)) == db_rows(ws, "SELECT count(*) FROM chunks")[0][0] > 0
    again = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert again["unchanged"] == 12 and again["embedded_chunks"] == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(["chroma", "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("`chroma run` did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_chroma_server_mode(mini: Site, tmp_path: Path, chroma_server: str,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_STORE__CHROMA_URL", chroma_server)
    ws = tmp_path / "ws"
    summary = cli_json("--workspace", str(ws), "ingest", mini.url + "sitemap.xml")
    assert not (ws / "chroma").exists()
    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_collection("chunks")
    assert collection.count() == summary["totals"]["chunks"] == summary["vectors"] > 0
    assert set(collection.get(include=[])["ids"]) == expected_ids(ws)


def test_chroma_server_down_is_a_clear_error(mini: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_STORE__CHROMA_URL", f"http://127.0.0.1:{_free_port()}")
    result = cli("--workspace", str(tmp_path / "ws"), "ingest", mini.url + "sitemap.xml")
    assert result.exit_code == 2
    assert "chroma" in result.stderr.lower() and "Traceback" not in result.output


def test_sitemap_index_gz_url_list_and_folder_sources(mini: Site, tmp_path: Path) -> None:
    import gzip

    sitemap = (mini.dir / "sitemap.xml").read_bytes()
    (mini.dir / "posts.xml.gz").write_bytes(gzip.compress(sitemap))
    (mini.dir / "sitemap_index.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{mini.url}posts.xml.gz</loc></sitemap></sitemapindex>\n")
    index = cli_json("--workspace", str(tmp_path / "a"), "ingest", mini.url + "sitemap_index.xml", "--no-embed")
    assert (index["kind"], index["new"]) == ("sitemap", 12)

    urls = tmp_path / "urls.txt"
    posts = sorted(p.parent.relative_to(mini.dir).as_posix() for p in mini.dir.glob("blog/*/index.html"))
    urls.write_text("# three posts\n" + "".join(f"{mini.url}{p}/\n" for p in posts[:3]) + "ftp://nope\n")
    listed = cli_json("--workspace", str(tmp_path / "b"), "ingest", str(urls), "--no-embed")
    assert (listed["kind"], listed["new"]) == ("list", 3)
    assert any("urls.txt line 5" in w for w in listed["warnings"])

    folder = cli_json("--workspace", str(tmp_path / "c"), "ingest", str(mini.dir), "--base-url",
                      "https://www.example.org/", "--no-embed")
    assert (folder["kind"], folder["new"]) == ("folder", 12)
    pages = cli_json("--workspace", str(tmp_path / "c"), "pages")
    assert {p["url"] for p in pages} == {f"https://www.example.org/{p}/" for p in posts}


def _vectors(ws: Path) -> dict[str, np.ndarray]:
    """Chunk vectors by (page URL, position): page ids follow the crawl's order, which differs between runs."""
    assert chroma_ids(ws) == expected_ids(ws)
    client = chromadb.PersistentClient(path=str(ws / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    got = client.get_collection("chunks").get(include=["embeddings"])
    urls = {f"p{r['id']}": r["url"] for r in db_rows(ws, "SELECT id, url FROM pages")}
    return {urls[i.split("-")[0]] + "#" + i.split("-c")[1]: np.asarray(v)
            for i, v in zip(got["ids"], got["embeddings"], strict=True)}


def test_the_vector_writer_process_writes_what_the_thread_writes(mini: Site, tmp_path: Path) -> None:
    """By default ingest embeds in a process of its own and never imports Chroma itself; its vectors are the ones
    an in-process writer makes, id for id."""
    probe = ("import sys\nfrom assistant.cli.app import main\nsys.argv = ['assistant', *sys.argv[1:]]\n"
             "try:\n    main()\nfinally:\n    print('chromadb' in sys.modules, file=sys.stderr)\n")
    out = {}
    for mode in ("true", "false"):
        ws = tmp_path / f"ws-{mode}"
        done = subprocess.run([sys.executable, "-c", probe, "--workspace", str(ws), "ingest", mini.url + "sitemap.xml",
                               "--format", "json"], capture_output=True, timeout=300, check=False,
                              env={**os.environ, "ASSISTANT_EMBED__PROCESS": mode})
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        assert done.stderr.decode().strip().splitlines()[-1] == ("False" if mode == "true" else "True")
        out[mode] = _vectors(ws)
    assert set(out["true"]) == set(out["false"]) != set()
    assert all(np.allclose(out["true"][i], out["false"][i], atol=1e-6) for i in out["true"])
