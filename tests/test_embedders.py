"""The embedders (real model files): the static default is deterministic and topical; a workspace records which
model made its vectors, a change of ``[embed] model`` re-embeds exactly once (and survives kill -9), and queries
never mix two models."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from assistant.services import Services
from assistant.settings import load_settings
from assistant.store.embedder import EMBEDDERS, MODEL_ID, STATIC_ID, OnnxEmbedder, StaticEmbedder
from tests.conftest import Site, cli_json, db_rows
from tests.sites import CORPORA
from tests.test_incremental import _assert_no_survivors, _wait_for, chroma_ids, expected_ids, mini

__all__ = ["mini"]   # the fixture

TEXTS = ["Go modules record dependency versions in go.mod.", "", "naïve café — déjà vu",
         "x " * 600, "The borrow checker enforces Rust's ownership rules."]


def test_static_vectors_are_deterministic_across_processes() -> None:
    here = StaticEmbedder().embed(TEXTS)
    code = ("import json, sys; from assistant.store.embedder import StaticEmbedder; "
            f"print(json.dumps(StaticEmbedder().embed({TEXTS!r}).tolist()))")
    there = np.array(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                               check=True).stdout), dtype=np.float32)
    assert here.shape == (5, 256) and np.array_equal(here, there)
    assert not here[1].any()                                     # no text, no direction
    assert np.allclose(np.linalg.norm(here[[0, 2, 3, 4]], axis=1), 1, atol=1e-5)
    assert np.array_equal(here, StaticEmbedder().embed(TEXTS, batch_size=1))


def test_the_settings_names_are_the_registry() -> None:
    from typing import get_args

    from assistant.settings import EmbedModel

    assert set(get_args(EmbedModel)) == set(EMBEDDERS)


def _rust_series() -> dict[str, list[str]]:
    """rust-blog posts by series (release announcements, survey results, …), read from the rendered pages: a
    corpus the static vectors were neither distilled nor calibrated on."""
    import trafilatura

    series: dict[str, list[str]] = defaultdict(list)
    patterns = {"release": r"^Announcing Rust 1\.\d+", "survey": r"Survey", "triage": r"Compiler Team Triage",
                "security": r"[Ss]ecurity (advisory|incident)", "governance": r"Governance|Leadership Council"}
    for page in sorted((CORPORA / "rust-blog").rglob("index.html")):
        html = page.read_text(errors="replace")
        title = re.search(r"<title>(.*?)(?: \|.*)?</title>", html, re.S)
        name = next((k for k, p in patterns.items() if title and re.search(p, title.group(1).strip())), None)
        if name and len(series[name]) < 25:
            series[name].append(trafilatura.extract(html) or "")
    return {k: v for k, v in series.items() if len(v) >= 5}


def test_a_page_is_nearer_its_own_topic_than_other_topics() -> None:
    series = _rust_series()
    assert len(series) >= 3, sorted(series)
    e = StaticEmbedder()
    vecs = {k: e.embed(v) for k, v in series.items()}
    near = total = 0
    for name, own in vecs.items():
        others = np.concatenate([v for k, v in vecs.items() if k != name])
        for i in range(len(own)):
            same = np.delete(own, i, axis=0) @ own[i]
            near += float(same.mean()) > float((others @ own[i]).mean())
            total += 1
    assert near / total >= 0.9, (near, total)


def _settings(ws: Path, model: str) -> Services:
    os.environ["ASSISTANT_EMBED__MODEL"] = model
    try:
        return Services(load_settings(workspace=ws))
    finally:
        del os.environ["ASSISTANT_EMBED__MODEL"]


def _dims(ws: Path) -> set[int]:
    client = chromadb.PersistentClient(path=str(ws / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    got = client.get_collection("chunks").get(include=["embeddings"])
    return {len(v) for v in got["embeddings"]}


def test_switching_the_model_reembeds_once_and_queries_follow_the_vectors(mini: Site, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ws = tmp_path / "ws"
    source = mini.url + "sitemap.xml"
    first = cli_json("--workspace", str(ws), "ingest", source)
    chunks = first["totals"]["chunks"]
    assert first["embedded_chunks"] == chunks and _dims(ws) == {256}
    assert db_rows(ws, "SELECT value FROM meta WHERE key='embed_model'")[0][0] == STATIC_ID

    monkeypatch.setenv("ASSISTANT_EMBED__MODEL", "minilm")
    switched = cli_json("--workspace", str(ws), "ingest", source)
    assert switched["embedded_chunks"] == chunks and _dims(ws) == {384}
    assert any("re-embedding 12 pages once" in w and STATIC_ID in w for w in switched["warnings"])
    again = cli_json("--workspace", str(ws), "ingest", source)
    assert again["embedded_chunks"] == 0 and not any("re-embedding" in w for w in again["warnings"])
    monkeypatch.delenv("ASSISTANT_EMBED__MODEL")

    # the configuration says minilm-static again, but until an ingest re-embeds, queries use the vectors' model
    services = _settings(ws, "minilm-static")
    assert services.embedder.name == MODEL_ID and services.ingest_embedder.name == STATIC_ID
    hit = services.vectors.query(services.embedder.embed(["composable pipelines"])[0], 3)
    assert len(hit) == 3 and all(h.text and h.title and h.url.startswith(mini.url) for h in hit)

    back = cli_json("--workspace", str(ws), "ingest", source)
    assert back["embedded_chunks"] == chunks and _dims(ws) == {256}
    assert chroma_ids(ws) == expected_ids(ws)


def test_kill_9_while_reembedding_with_another_model(mini: Site, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    source = mini.url + "sitemap.xml"
    cli_json("--workspace", str(ws), "ingest", source)
    cmd = [sys.executable, "-m", "assistant", "--workspace", str(ws), "ingest", source, "--format", "json"]
    env = {**os.environ, "ASSISTANT_EMBED__MODEL": "minilm"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _wait_for(ws, f"SELECT count(*) FROM meta WHERE key='embed_model' AND value='{MODEL_ID}'", 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _assert_no_survivors(str(ws))
    done = subprocess.run(cmd, capture_output=True, timeout=300, check=False, env=env)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert chroma_ids(ws) == expected_ids(ws) and len(expected_ids(ws)) > 0 and _dims(ws) == {384}
    assert db_rows(ws, "SELECT count(*) FROM pages WHERE embedded_hash IS NOT content_hash AND content_hash "
                       "IS NOT NULL")[0][0] == 0
    texts = [r[0] for r in db_rows(ws, "SELECT text FROM chunks WHERE page_id=(SELECT min(page_id) FROM chunks) "
                                       "ORDER BY position")]
    client = chromadb.PersistentClient(path=str(ws / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    pid = db_rows(ws, "SELECT min(page_id) FROM chunks")[0][0]
    got = client.get_collection("chunks").get(ids=[f"p{pid}-c0"], include=["embeddings"])
    assert np.allclose(got["embeddings"][0], OnnxEmbedder().embed(texts[:1])[0], atol=1e-4)
