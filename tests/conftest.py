"""Fixtures: corpora served on loopback, a CLI runner, and one embedded go-blog workspace per session."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
