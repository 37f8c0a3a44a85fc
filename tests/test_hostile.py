"""`assistant ingest` against a server that misbehaves on purpose (see :mod:`tests.hostile_server`).

The real CLI runs in-process through typer's CliRunner; assertions read the JSON summary, the
workspace SQLite (pages, links, chunks, page_errors) and the server's own request log, which says
what the crawler fetched, how often (retries) and what it never asked for (robots, nofollow, offsite).
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from assistant.cli.app import app
from assistant.ingest.fetch import Fetcher, FetchError
from assistant.settings import CrawlSettings
from assistant.store.lock import WorkspaceLock
from tests import hostile_server
from tests.conftest import db_rows
from tests.hostile_server import (
    BAD,
    BOMB_INFLATED,
    CALENDAR,
    DEEP,
    ENCODED,
    ETAG_PATHS,
    GOOD,
    HIDDEN,
    NOFOLLOW_PAGE,
    REDIRECT_CHAIN,
    HostileSite,
)

hostile_site = hostile_server.hostile_site      # the module-scoped server fixture the tests request

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 1
MAX_BYTES = 200_000
RETRIES = 1                 # set in the config below; "retries" extra tries after timeout/connection/5xx
MAX_PER_PATTERN = 10        # set in the config below: the calendar trap's budget
CONFIG = f"[crawl]\nretries = {RETRIES}\nmax_per_pattern = {MAX_PER_PATTERN}\nconcurrency = 4\n"
DEFAULT_MAX_DEPTH = CrawlSettings.model_validate({}).max_depth
TRANSIENT = ("/broken", "/slow", "/drip", "/drip-headers", "/hangup", "/reset")   # retried
HTML_PAGES = ("/", *GOOD)   # the normal site


# ---------------------------------------------------------------------- helpers
@dataclass
class Run:
    ws: Path
    result: Result
    summary: dict[str, Any]
    hits: Counter[str]                     # requests the server saw during the run, by "/path?query"
    hosts: Counter[str]                    # ... by Host header
    statuses: Counter[tuple[str, int]]     # ... by (path, status sent)
    seconds: float


def invoke(*args: str) -> Result:
    """The real CLI, in-process; exceptions are caught so that a crash is something to assert on."""
    return CliRunner().invoke(app, list(args))


def assert_clean(result: Result) -> None:
    """No traceback and no unexpected exception, whatever the exit code."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def ingest(site: HostileSite, ws: Path, config: Path, url: str | None = None, *extra: str) -> Run:
    before = site.snapshot()
    started = time.monotonic()
    result = invoke("--workspace", str(ws), "--config", str(config), "ingest", url or site.home, "--no-embed",
                    "--timeout", str(TIMEOUT), "--max-bytes", str(MAX_BYTES), "--format", "json", *extra)
    seconds = time.monotonic() - started
    after = site.snapshot()
    summary = json.loads(result.stdout) if result.exit_code == 0 else {}
    return Run(ws, result, summary, after[0] - before[0], after[1] - before[1], after[2] - before[2], seconds)


rows = db_rows


def page_row(ws: Path, url: str) -> sqlite3.Row | None:
    found = rows(ws, "SELECT * FROM pages WHERE url=?", (url,))
    return found[0] if found else None


def error_row(ws: Path, url: str) -> sqlite3.Row | None:
    found = rows(ws, "SELECT * FROM page_errors WHERE url=?", (url,))
    return found[0] if found else None


def pages_all(ws: Path) -> dict[str, Any]:
    result = invoke("--workspace", str(ws), "pages", "--all", "--format", "json")
    assert_clean(result)
    assert result.exit_code == 0, result.output
    return {r["url"]: r["status"] for r in json.loads(result.stdout)}


def crawl_settings(**values: Any) -> CrawlSettings:
    return CrawlSettings.model_validate(values)


def free_closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])       # closed on exit: nothing listens there


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile-config") / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def defaults_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty config file: every crawl setting at its default (and no stray ./config.toml read)."""
    path = tmp_path_factory.mktemp("hostile-defaults") / "config.toml"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def first(hostile_site: HostileSite, config: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole hostile site ingested once into a fresh workspace (read-only for the tests)."""
    return ingest(hostile_site, tmp_path_factory.mktemp("hostile-ws") / "ws", config)


@pytest.fixture(scope="module")
def second(first: Run, hostile_site: HostileSite, config: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A second ingest on a copy of the first run's workspace (the first stays as it was)."""
    ws = tmp_path_factory.mktemp("hostile-ws2") / "ws"
    shutil.copytree(first.ws, ws)
    return ingest(hostile_site, ws, config)


# ---------------------------------------------------------------------- the first run
def test_run_finishes_cleanly_and_in_bounded_time(first: Run) -> None:
    assert_clean(first.result)
    assert first.result.exit_code == 0, first.result.output
    assert first.summary["complete"] is True and first.summary["limit"] == ""
    # slow, drip and drip-headers each cost at most (retries+1) x timeout: the run cannot stall on them
    assert first.summary["seconds"] < 15, first.summary["seconds"]


def test_summary_counts_every_error_reason_exactly(first: Run) -> None:
    assert first.summary["errors"] == dict(Counter(BAD.values()))
    assert first.summary["totals"]["errors"] == len(BAD)


@pytest.mark.parametrize(("path", "reason"), sorted(BAD.items()))
def test_bad_url_has_a_page_error_with_its_reason(first: Run, hostile_site: HostileSite, path: str,
                                                  reason: str) -> None:
    err = error_row(first.ws, hostile_site.url(path))
    assert err is not None, f"no page_errors row for {path}"
    assert err["reason"] == reason, dict(err)
    assert err["detail"]
    assert err["run_id"] == first.summary["run_id"]
    page = page_row(first.ws, hostile_site.url(path))
    assert page is None or page["content_hash"] is None     # nothing of a bad URL is stored as content
    if page is not None:
        assert not rows(first.ws, "SELECT 1 FROM chunks WHERE page_id=?", (page["id"],))
        assert not rows(first.ws, "SELECT 1 FROM links WHERE source_id=?", (page["id"],))


def test_http_errors_keep_their_status(first: Run, hostile_site: HostileSite) -> None:
    for path, status in (("/missing", 404), ("/gone", 410), ("/broken", 500)):
        err = error_row(first.ws, hostile_site.url(path))
        assert err is not None
        assert (err["status"], err["detail"].split()[:2]) == (status, ["HTTP", str(status)])
        page = page_row(first.ws, hostile_site.url(path))
        assert page is not None and page["status"] == status


def test_only_transient_failures_are_retried(first: Run) -> None:
    for path in TRANSIENT:
        assert first.hits[path] == RETRIES + 1, (path, first.hits[path])
    for path in ("/missing", "/gone", "/files/report.pdf", "/files/logo.png", "/big-with-length", "/big-chunked",
                 "/bomb", "/garbage", "/loop/a", "/loop/b", "/offsite", "/old", "/moved"):
        assert first.hits[path] == 1, (path, first.hits[path])


def test_slow_and_dripping_servers_time_out(first: Run, hostile_site: HostileSite) -> None:
    for path in ("/slow", "/drip", "/drip-headers"):
        err = error_row(first.ws, hostile_site.url(path))
        assert err is not None and err["reason"] == "timeout", path
        row = page_row(first.ws, hostile_site.url(path))
        assert row is not None and row["status"] is None and row["content_hash"] is None, path


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_timeout_is_a_total_deadline_per_request(hostile_site: HostileSite, path: str) -> None:
    """A byte every 0.2 s never trips a per-read timeout; the request must still end after `timeout`."""
    settings = crawl_settings(timeout=TIMEOUT, retries=0, respect_robots=False)
    with Fetcher(settings) as fetcher:
        assert fetcher.get(hostile_site.url(GOOD[0])).status == 200   # a pooled keep-alive connection first
        started = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher.get(hostile_site.url(path))
        elapsed = time.monotonic() - started
    assert info.value.reason == "timeout"
    assert TIMEOUT * 0.9 < elapsed < TIMEOUT + 0.8, elapsed


def test_too_large_bodies_are_refused(first: Run, hostile_site: HostileSite) -> None:
    announced = error_row(first.ws, hostile_site.url("/big-with-length"))
    assert announced is not None and "300," in announced["detail"]          # refused on Content-Length
    for path in ("/big-with-length", "/big-chunked", "/bomb"):
        err = error_row(first.ws, hostile_site.url(path))
        assert err is not None and err["reason"] == "too-large" and f"{MAX_BYTES:,}" in err["detail"]


@pytest.mark.parametrize("path", sorted(ENCODED))
def test_compressed_pages_are_decoded(hostile_site: HostileSite, path: str) -> None:
    """gzip, zlib-wrapped deflate and the raw deflate many servers send for `Content-Encoding: deflate`."""
    with Fetcher(crawl_settings(timeout=TIMEOUT, retries=0, respect_robots=False)) as fetcher:
        plain = fetcher.get(hostile_site.url(GOOD[0]))
        packed = fetcher.get(hostile_site.url(path))
    assert packed.headers["content-encoding"] == ENCODED[path]
    assert packed.content == plain.content and b"Orphans are hard to find" in packed.content


def test_gzip_bomb_is_rejected_in_bounded_memory(hostile_site: HostileSite) -> None:
    bomb = hostile_site.bomb
    assert len(bomb) < 1_100_000 and struct.unpack("<I", bomb[-4:])[0] == BOMB_INFLATED % 2**32   # a real bomb
    code = textwrap.dedent(f"""
        from assistant.ingest.fetch import Fetcher, FetchError
        from assistant.settings import CrawlSettings
        with Fetcher(CrawlSettings(max_bytes={MAX_BYTES}, timeout=10, retries=0, respect_robots=False)) as f:
            try:
                f.get({hostile_site.url("/bomb")!r})
                print("accepted")
            except FetchError as exc:
                print(exc.reason)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec from a big parent (pytest)
        hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
        print(hwm.split()[1])
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    reason, peak_kib = done.stdout.split()
    assert reason == "too-large"
    assert int(peak_kib) < 150_000, f"peak RSS {int(peak_kib) // 1024} MiB while refusing the bomb"


def test_binary_garbage_declared_utf8_is_bad_encoding(first: Run, hostile_site: HostileSite) -> None:
    page = page_row(first.ws, hostile_site.url("/garbage"))
    assert page is not None
    assert (page["status"], page["content_type"], page["content_hash"]) == (200, "text/html", None)


def test_non_html_is_recorded_not_parsed(first: Run, hostile_site: HostileSite) -> None:
    for path, ctype in (("/files/report.pdf", "application/pdf"), ("/files/logo.png", "image/png")):
        err = error_row(first.ws, hostile_site.url(path))
        assert err is not None and ctype in err["detail"]
        page = page_row(first.ws, hostile_site.url(path))
        assert page is not None and page["status"] == 200 and page["content_hash"] is None


def test_redirect_loop_stops_at_the_repeat(first: Run, hostile_site: HostileSite) -> None:
    page = page_row(first.ws, hostile_site.url("/loop/a"))
    assert page is not None and page["status"] == 302
    assert json.loads(page["redirects"]) == [[302, hostile_site.url("/loop/b")], [302, hostile_site.url("/loop/a")]]
    err = error_row(first.ws, hostile_site.url("/loop/a"))
    assert err is not None and err["status"] == 302


def test_redirect_chain_to_a_good_page_is_recorded(first: Run, hostile_site: HostileSite) -> None:
    old = page_row(first.ws, hostile_site.url(REDIRECT_CHAIN[0]))
    assert old is not None
    assert old["status"] == 301
    assert old["final_url"] == hostile_site.url(REDIRECT_CHAIN[2])
    assert json.loads(old["redirects"]) == [[301, hostile_site.url(REDIRECT_CHAIN[1])],
                                            [302, hostile_site.url(REDIRECT_CHAIN[2])]]
    assert old["content_hash"] is None and error_row(first.ws, old["url"]) is None
    assert page_row(first.ws, hostile_site.url(REDIRECT_CHAIN[1])) is None       # a hop, not a page
    assert first.summary["redirects"] == 1


def test_offsite_redirect_is_not_followed(first: Run, hostile_site: HostileSite) -> None:
    other = f"localhost:{hostile_site.port}"
    err = error_row(first.ws, hostile_site.url("/offsite"))
    assert err is not None and err["status"] == 302 and other in err["detail"]
    assert first.hosts[other] == 0                      # the other host never saw a request
    assert set(first.hosts) == {f"127.0.0.1:{hostile_site.port}"}


def test_robots_disallowed_path_is_never_requested(first: Run, hostile_site: HostileSite) -> None:
    assert first.hits["/private/secret"] == 0
    assert first.hits["/robots.txt"] == 1               # read once, then cached
    row = page_row(first.ws, hostile_site.url("/private/secret"))      # listed, never fetched
    assert row is not None and row["status"] is None and row["content_hash"] is None


def test_abrupt_close_is_a_connection_error(first: Run, hostile_site: HostileSite) -> None:
    for path in ("/hangup", "/reset"):
        err = error_row(first.ws, hostile_site.url(path))
        assert err is not None and err["reason"] == "connection" and err["status"] is None


def test_crawl_traps_are_bounded(first: Run, hostile_site: HostileSite) -> None:
    calendar = rows(first.ws, "SELECT url FROM pages WHERE url LIKE ?", (hostile_site.url(CALENDAR) + "%",))
    deep = {r["url"] for r in rows(first.ws, "SELECT url FROM pages WHERE url LIKE ?",
                                   (hostile_site.url(DEEP) + "%",))}
    assert 3 <= len(calendar) <= MAX_PER_PATTERN
    assert hostile_site.hits_under(CALENDAR, first.hits) == len(calendar)
    assert deep == {hostile_site.url(p) for p in (DEEP, DEEP + "a/", DEEP + "a/a/")}
    assert hostile_site.hits_under(DEEP, first.hits) == 3
    assert first.summary["skipped"].get("crawl-trap", 0) >= 2        # /deep/a/a/a/ and a calendar month
    assert any("crawl trap skipped" in w and "/calendar/" in w for w in first.summary["warnings"])
    assert any("crawl trap skipped" in w and "/deep/a/a/a/" in w for w in first.summary["warnings"])


def test_crawl_trap_ends_by_itself_with_default_settings(hostile_site: HostileSite, defaults_config: Path,
                                                         tmp_path: Path) -> None:
    run = ingest(hostile_site, tmp_path / "ws", defaults_config, hostile_site.url(f"{CALENDAR}?month=0"))
    assert_clean(run.result)
    assert run.result.exit_code == 0, run.result.output
    assert run.summary["complete"] is True
    months = hostile_site.hits_under(CALENDAR, run.hits)
    assert months <= 2 * DEFAULT_MAX_DEPTH + 1, months             # only max-depth stops a two-way calendar
    assert run.summary["skipped"].get("max-depth", 0) >= 1
    assert {hostile_site.url(p) for p in GOOD} <= {r["url"] for r in rows(
        run.ws, "SELECT url FROM pages WHERE status=200 AND content_hash IS NOT NULL")}


def test_noindex_nofollow_page_links_are_not_followed(first: Run, hostile_site: HostileSite) -> None:
    page = page_row(first.ws, hostile_site.url(NOFOLLOW_PAGE))
    assert page is not None
    assert (page["status"], page["noindex"], page["nofollow"]) == (200, 1, 1)
    assert not rows(first.ws, "SELECT 1 FROM chunks WHERE page_id=?", (page["id"],))   # not indexed
    assert first.hits[HIDDEN] == 0
    assert page_row(first.ws, hostile_site.url(HIDDEN)) is None


def test_good_pages_are_stored_exactly_once(first: Run, hostile_site: HostileSite) -> None:
    for path in HTML_PAGES:
        url = hostile_site.url(path)
        stored = rows(first.ws, "SELECT * FROM pages WHERE content_hash IS NOT NULL AND (url=? OR final_url=?)",
                      (url, url))
        assert [(r["url"], r["status"]) for r in stored] == [(url, 200)], path
        assert error_row(first.ws, url) is None
        assert rows(first.ws, "SELECT count(*) FROM chunks WHERE page_id=?", (stored[0]["id"],))[0][0] >= 1
        if path in GOOD:
            assert stored[0]["word_count"] >= 80
            targets = {r["target_url"] for r in rows(
                first.ws, "SELECT target_url FROM links WHERE source_id=? AND placement='content'",
                (stored[0]["id"],))}
            assert targets == {hostile_site.url(p) for p in GOOD if p != path}
    sentence = "Orphans are hard to find for visitors"
    assert rows(first.ws, "SELECT count(*) FROM chunks WHERE text LIKE ?", (f"%{sentence}%",))[0][0] == 1


# ---------------------------------------------------------------------- the second run
def test_second_run_refetches_nothing_new_for_good_pages(first: Run, second: Run,
                                                          hostile_site: HostileSite) -> None:
    assert_clean(second.result)
    assert second.result.exit_code == 0, second.result.output
    assert second.summary["changed"] == 0
    assert second.summary["unchanged"] >= len(HTML_PAGES)
    for path in HTML_PAGES:
        page = page_row(second.ws, hostile_site.url(path))
        assert page is not None and page["status"] == 200
        assert page["run_id"] == first.summary["run_id"], path             # not rewritten by the second run
        if path in ETAG_PATHS:     # validators sent: the server answered 304, no body
            assert (second.statuses[(path, 304)], second.statuses[(path, 200)]) == (1, 0), path
    # the errors are recorded again, with the same reasons, by the second run
    for path, reason in BAD.items():
        err = error_row(second.ws, hostile_site.url(path))
        assert err is not None and (err["reason"], err["run_id"]) == (reason, second.summary["run_id"])
    assert second.summary["errors"] == first.summary["errors"]


def test_second_run_still_obeys_meta_nofollow(second: Run, hostile_site: HostileSite) -> None:
    assert second.hits[HIDDEN] == 0
    assert page_row(second.ws, hostile_site.url(HIDDEN)) is None


# ---------------------------------------------------------------------- assistant pages --all
def test_pages_all_lists_error_urls_with_their_status(first: Run, hostile_site: HostileSite) -> None:
    listed = pages_all(first.ws)
    expected = {"/broken": 500, "/loop/a": 302, "/offsite": 302, REDIRECT_CHAIN[0]: 301, "/garbage": 200,
                "/big-with-length": 200, "/big-chunked": 200, "/bomb": 200, "/files/report.pdf": 200,
                "/files/logo.png": 200}
    for path, status in expected.items():
        assert listed.get(hostile_site.url(path)) == status, path
    for path in HTML_PAGES:
        assert listed[hostile_site.url(path)] == 200


def test_pages_all_lists_404_and_410(first: Run, hostile_site: HostileSite) -> None:
    listed = pages_all(first.ws)
    assert listed.get(hostile_site.url("/missing")) == 404
    assert listed.get(hostile_site.url("/gone")) == 410


def test_pages_all_lists_failures_without_an_http_status(first: Run, hostile_site: HostileSite) -> None:
    listed = pages_all(first.ws)
    missing = [p for p, r in BAD.items() if r in ("timeout", "connection", "robots")
               and hostile_site.url(p) not in listed]
    assert not missing


# ---------------------------------------------------------------------- refusals before any crawl
def test_busy_workspace_exits_2(hostile_site: HostileSite, config: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with WorkspaceLock(ws, "ingest"):
        run = ingest(hostile_site, ws, config)
    assert_clean(run.result)
    assert run.result.exit_code == 2
    assert "busy" in run.result.stderr and run.result.stderr.count("\n") == 1
    assert run.result.stdout == ""
    assert sum(run.hits.values()) == 0          # refused before any request
    assert not (ws / "assistant.db").exists()


@pytest.fixture
def closed_port() -> int:
    return free_closed_port()


def test_unreachable_start_url_exits_2_with_one_line(config: Path, tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/"
    started = time.monotonic()
    result = invoke("--workspace", str(tmp_path / "ws"), "--config", str(config), "ingest", url, "--no-embed",
                    "--timeout", str(TIMEOUT), "--format", "json")
    assert time.monotonic() - started < 10
    assert_clean(result)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and url in lines[0], result.stderr
    assert "connection" in lines[0]
    assert result.stdout == ""
