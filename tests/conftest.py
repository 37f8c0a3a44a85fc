"""Fixtures: corpora served on loopback, a CLI runner, and one embedded go-blog workspace per session."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from tests.sites import CORPORA, copy_site, serve

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@dataclass
class Site:
    dir: Path
    url: str


def cli(*args: str, input: str | None = None) -> Any:
    """Run the real CLI in-process; returns click's Result."""
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def cli_json(*args: str) -> Any:
    result = cli(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def db_rows(ws: Path, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(ws / "assistant.db")
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


@contextmanager
def mini_workspace(root: Path, posts: int, *ingest_args: str) -> Iterator[tuple[Path, str]]:
    """The first ``posts`` go-blog posts served on loopback and ingested through their sitemap into
    ``root/ws`` (``ingest_args`` such as ``--no-embed``): yields (workspace, site URL) while the site is served."""
    from tests.sites import make_mini_site, rebase

    make_mini_site(CORPORA / "go-blog", root / "site", posts)
    with serve(root / "site") as url:
        rebase(root / "site", url)
        result = cli("--workspace", str(root / "ws"), "ingest", url + "sitemap.xml", *ingest_args)
        assert result.exit_code == 0, result.output
        yield root / "ws", url


def _served(name: str, tmp: Path) -> Iterator[Site]:
    site_dir = tmp / name
    copy_site(CORPORA / name, site_dir)
    with serve(site_dir) as url:
        from tests.sites import rebase

        rebase(site_dir, url)
        yield Site(site_dir, url)


@pytest.fixture(scope="session")
def go_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _served("go-blog", tmp_path_factory.mktemp("go"))


@pytest.fixture(scope="session")
def rust_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from _served("rust-blog", tmp_path_factory.mktemp("rust"))


@pytest.fixture(scope="session")
def go_ws(go_site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """go-blog crawled and embedded once for the whole session: (workspace, JSON summary)."""
    ws = tmp_path_factory.mktemp("go-ws") / "ws"
    summary = cli_json("--workspace", str(ws), "ingest", go_site.url)
    return ws, summary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LlamaServer:
    url: str            # the OpenAI-compatible /v1 base URL
    log: Path           # the server's output: llama.cpp's log, a ``launch_slot_`` line per request

    def requests(self) -> int:
        return self.log.read_text(errors="replace").count("launch_slot_")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """llama.cpp's server (xllamacpp, ``python -m assistant.llm.serve``) with the packaged model on 127.0.0.1,
    in a process of its own as any OpenAI-compatible server would be (model alias ``qwen``, no API key)."""
    from assistant.llm.model import model_path
    from assistant.llm.serve import KEY_ENV

    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.llm.serve", "--model", str(model_path()), "--alias", "qwen",
             "--host", "127.0.0.1", "--port", str(port), "--ctx", "4096", "--threads", "2", "--verbose"],
            stdout=out, stderr=subprocess.STDOUT, env={**env, "OMP_WAIT_POLICY": "PASSIVE"})
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"assistant.llm.serve exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("assistant.llm.serve did not start within 180 s")
            time.sleep(0.5)
        yield LlamaServer(base, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
