"""`assistant runs`, `diff`, `watch` and the plan's progress against a loopback site changed between ingests.

The site is 15 go-blog posts (the 10 of the sidebar, 4 more, a new one added later) with a home page, an archive
and a sitemap; links to posts outside it are unlinked at setup, so the first crawl finds no broken link. Then,
between two watch runs: two posts are deleted (and unlisted), the sidebar loses its link to greenteagc on every
page, gofix's link to inliner gets a typo, 11years is added, 14years redirects to survey2016-results.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from assistant.cli.watch import loop, parse_every
from assistant.store.runs import keep_plan
from tests.conftest import cli, cli_json
from tests.fake_slack import FakeSlack
from tests.sites import CORPORA, QuietHandler, later

SIDEBAR = ["go1.27", "pkgsite-api", "type-construction-and-cycle-detection", "inliner", "allocation-optimizations",
           "gofix", "go1.26", "survey2025", "16years", "greenteagc"]
EXTRA = ["12years", "13years", "14years", "survey2016-results"]
GONE, MOVED, MOVED_TO, NEW = ["12years", "13years"], "14years", "survey2016-results", "11years"
TOKEN = "xoxb-diff-test-token"
_A = re.compile(r'<a\b[^>]*href="/blog/([^"/#]+)/[^"]*"[^>]*>(.*?)</a>', re.S)


class Handler(QuietHandler):
    redirects: ClassVar[dict[str, str]] = {}

    def send_head(self) -> Any:
        target = self.redirects.get(self.path)
        if target is None:
            return super().send_head()
        self.send_response(301)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None


def _strip(html: str, keep: set[str]) -> str:
    """Links to posts outside the site become their text (so the site starts without broken links)."""
    return _A.sub(lambda m: m.group(0) if m.group(1) in keep else m.group(2), html)


def _index(posts: list[str], title: str) -> str:
    items = "".join(f'<li><a href="/blog/{p}/">{p.replace("-", " ").title()}</a></li>' for p in posts)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><nav><a href='/'>Home</a> "
            f"<a href='/archive/'>Archive</a></nav><main><h1>{title}</h1><p>Every post of this small blog, newest "
            f"first, so that readers find what they want.</p><ul>{items}</ul></main></body></html>")


def _write_lists(site: Path, posts: list[str], base: str) -> None:
    (site / "index.html").write_text(_index(posts, "The small Go blog"), encoding="utf-8")
    (site / "archive").mkdir(exist_ok=True)
    (site / "archive" / "index.html").write_text(_index(posts, "Archive"), encoding="utf-8")
    locs = "".join(f"<url><loc>{base}blog/{p}/</loc></url>" for p in posts)
    (site / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
                                      f'schemas/sitemap/0.9">{locs}</urlset>', encoding="utf-8")
    for f in (site / "index.html", site / "archive" / "index.html", site / "sitemap.xml"):
        later(f)


def _copy_post(site: Path, post: str, keep: set[str]) -> None:
    (site / "blog" / post).mkdir(parents=True, exist_ok=True)
    html = (CORPORA / "go-blog" / "blog" / post / "index.html").read_text(encoding="utf-8")
    (site / "blog" / post / "index.html").write_text(_strip(html, keep), encoding="utf-8")


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, (path, old)
    path.write_text(text.replace(old, new, count if count else -1), encoding="utf-8")
    later(path)


def change_site(site: Path, base: str) -> None:
    for post in GONE:
        shutil.rmtree(site / "blog" / post)
    kept = [p for p in SIDEBAR + EXTRA if p not in GONE]
    _copy_post(site, NEW, set(SIDEBAR + EXTRA + [NEW]))
    _write_lists(site, [NEW, *kept], base)
    for f in (site / "blog").glob("*/index.html"):
        _edit(f, '<li><a href="/blog/greenteagc/">The Green Tea Garbage Collector</a></li>', "")
    _edit(site / "blog" / "gofix" / "index.html", 'href="/blog/inliner/"', 'href="/blog/inlinr/"')
    Handler.redirects[f"/blog/{MOVED}/"] = f"/blog/{MOVED_TO}/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    site = tmp_path_factory.mktemp("diff") / "site"
    site.mkdir()
    keep = set(SIDEBAR + EXTRA + [NEW])
    for post in SIDEBAR + EXTRA:
        _copy_post(site, post, keep)
    Handler.redirects = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    _write_lists(site, SIDEBAR + EXTRA, base)
    (site / "about").mkdir()
    (site / "about" / "index.html").write_text(_index([], "About this blog"), encoding="utf-8")
    try:
        yield site, base
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(TOKEN).running() as f:
        yield f


@pytest.fixture(scope="module")
def watched(served: tuple[Path, str], fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[dict[str, Any]]:
    """Run 1 ingests; run 2 watches the unchanged site; the site changes; run 3 watches it again."""
    site, base = served
    ws = tmp_path_factory.mktemp("diff-ws") / "ws"
    mp = pytest.MonkeyPatch()
    mp.setenv("SLACK_BOT_TOKEN", TOKEN)
    mp.setenv("ASSISTANT_SLACK__API_URL", fake.api_url)
    mp.setenv("ASSISTANT_EMBED__ENABLED", "false")
    w = ["--workspace", str(ws)]
    first = cli(*w, "ingest", base, "--format", "json")
    assert first.exit_code == 0, first.output
    calm = cli(*w, "watch", "--once", "--fail-on", "high", "--slack-channel", "C-ALERTS", "--format", "json")
    posted_before = len(fake.of("chat.postMessage"))
    change_site(site, base)
    export = ws.parent / "links.csv"
    rows = [f"https://gophers.example/a,{base}blog/go1.27/", f"https://www.news.example/b,{base}blog/go1.27/"]
    export.write_text("\n".join(["from,to", *rows]) + "\n", encoding="utf-8")
    imported = cli(*w, "backlinks", "import", str(export), "--map", "source_url=from,target_url=to")
    assert imported.exit_code == 0, imported.output
    broken = cli(*w, "watch", "--once", "--fail-on", "high", "--slack-channel", "C-ALERTS", "--format", "json")
    try:
        yield {"ws": ws, "w": w, "base": base, "calm": calm, "broken": broken, "posted_before": posted_before}
    finally:
        mp.undo()


def test_runs_lists_every_run(watched: dict[str, Any]) -> None:
    runs = cli_json(*watched["w"], "runs")
    assert [r["id"] for r in runs] == [1, 2, 3]
    assert all(r["status"] == "done" and r["snapshot"] and r["complete"] for r in runs)
    assert runs[0]["pages"] == 17 and runs[2]["pages"] == 15    # home, archive, about, 14 posts; -2 +1, 1 redirects


def test_unchanged_site_gives_an_empty_diff_and_exit_zero(watched: dict[str, Any], fake: FakeSlack) -> None:
    calm = watched["calm"]
    assert calm.exit_code == 0, calm.output
    data = json.loads(calm.stdout)
    assert (data["from_run"], data["to_run"]) == (1, 2)
    assert data["changes"] == [] and data["counts"] == {} and data["posted"] == 0
    assert watched["posted_before"] == 0             # nothing regressed: nothing was posted
    again = cli_json(*watched["w"], "diff", "--from", "1", "--to", "2")
    assert again["changes"] == []


def test_every_change_appears_exactly_once(watched: dict[str, Any]) -> None:
    base = watched["base"]
    diff = cli_json(*watched["w"], "diff")
    assert (diff["from_run"], diff["to_run"]) == (2, 3)
    consequences = ("depth-changed", "link-score-changed", "finding-new", "finding-resolved")
    structural = [c for c in diff["changes"] if c["kind"] not in (*consequences, "referring-domains-gained")]
    got = sorted((c["kind"], c["url"]) for c in structural)
    want = sorted([("page-gone", f"{base}blog/{p}/") for p in GONE] + [
        ("page-new", f"{base}blog/{NEW}/"),
        ("links-removed", f"{base}blog/greenteagc/"),
        ("broken-link-new", f"{base}blog/inlinr/"),
        ("redirected-link-new", f"{base}blog/{MOVED}/")])
    assert got == want, json.dumps(structural, indent=1)
    by_kind = {c["kind"]: c for c in structural}
    sidebar = by_kind["links-removed"]
    assert sidebar["detail"]["placement"] == "boilerplate"
    assert sidebar["detail"]["pages"] == 10          # the posts of both runs but greenteagc itself
    typo = by_kind["broken-link-new"]
    assert typo["severity"] == "high" and typo["urls"] == [f"{base}blog/inlinr/", f"{base}blog/gofix/"]
    assert typo["detail"]["was_target"] == [f"{base}blog/inliner/"]
    moved = by_kind["redirected-link-new"]
    assert moved["before"] == "200" and moved["after"] == f"301 → /blog/{MOVED_TO}/"
    assert set(moved["urls"][1:]) == {base, f"{base}archive/"}
    new = by_kind["page-new"]
    assert set(new["urls"][1:]) == {base, f"{base}archive/"}
    gained = [c for c in diff["changes"] if c["kind"] == "referring-domains-gained"]
    assert [(c["url"], c["detail"]["domains"]) for c in gained] == [(f"{base}blog/go1.27/",
                                                                     ["gophers.example", "news.example"])]
    for c in diff["changes"]:                       # every entry names its URLs, the page first
        assert c["urls"] and c["urls"][0] == c["url"] and all(u.startswith(base) for u in c["urls"])


def test_watch_fails_on_high_and_posts_the_blocks(watched: dict[str, Any], fake: FakeSlack) -> None:
    broken = watched["broken"]
    assert broken.exit_code == 1, broken.output
    data = json.loads(broken.stdout)
    assert data["posted"] == 1 and data["regressions"]["high"] >= 1
    calls = fake.of("chat.postMessage", channel="C-ALERTS")
    assert len(calls) == 1
    blocks = calls[0].args["blocks"]
    assert blocks[0]["type"] == "header" and "since the last crawl" in blocks[0]["text"]["text"]
    assert "run 2 → run 3" in blocks[1]["elements"][0]["text"]
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert body.startswith("*:red_circle: High*")
    assert f"<{watched['base']}blog/inlinr/|/blog/inlinr/>" in body and "`broken-link-new`" in body
    assert "inlinr" in calls[0].args["text"]


def test_md_and_table_name_the_changes(watched: dict[str, Any]) -> None:
    md = cli(*watched["w"], "diff", "--format", "md")
    assert md.exit_code == 0 and "## Regressions" in md.stdout and "/blog/inlinr/" in md.stdout
    table = cli(*watched["w"], "diff")
    assert table.exit_code == 0 and "broken-link-new" in table.stdout


def test_bad_run_ids_are_one_line_errors(watched: dict[str, Any]) -> None:
    bad = cli(*watched["w"], "diff", "--from", "9")
    assert bad.exit_code == 2 and bad.output.startswith("error: run 9 does not exist")
    assert "Traceback" not in bad.output


def test_plan_progress_done_open_moot(watched: dict[str, Any]) -> None:
    base, ws = watched["base"], watched["ws"]
    link = {"type": "add-internal-link", "action": "add it"}
    tasks = [
        {**link, "id": "t-done", "pages": [base, f"{base}blog/{NEW}/"],
         "evidence": {"source": base, "target": f"{base}blog/{NEW}/", "sentence": "s", "anchor": "a"}},
        {**link, "id": "t-open", "pages": [f"{base}blog/pkgsite-api/", f"{base}blog/{NEW}/"],
         "evidence": {"source": f"{base}blog/pkgsite-api/", "target": f"{base}blog/{NEW}/", "sentence": "s",
                      "anchor": "a"}},
        {**link, "id": "t-moot", "pages": [f"{base}blog/{GONE[0]}/", f"{base}blog/gofix/"],
         "evidence": {"source": f"{base}blog/{GONE[0]}/", "target": f"{base}blog/gofix/", "sentence": "s",
                      "anchor": "a"}},
        {"type": "fix-broken-link", "id": "t-broken", "action": "fix", "pages": [f"{base}blog/inlinr/"],
         "evidence": {"findings": ["broken-internal-link"], "target": f"{base}blog/inlinr/",
                      "sources": [f"{base}blog/gofix/"]}},
    ]
    keep_plan(ws, {"site": base, "generated_at": "2026-12-01T00:00:00+00:00", "tasks": tasks}, 2)
    progress = cli_json(*watched["w"], "diff")["plan_progress"]
    status = {t["id"]: s for s in ("done", "open", "moot") for t in progress[s]}
    assert status == {"t-done": "done", "t-open": "open", "t-moot": "moot", "t-broken": "open"}


def test_plan_keeps_its_json_and_shows_since_last_crawl(watched: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    result = cli(*watched["w"], "plan", "-o", str(out), "--top", "10")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'id="since"' in html and "Since last crawl" in html and "run 2 → run 3" in html
    kept = sorted((watched["ws"] / "plans").glob("plan-*.json"))
    data = json.loads(kept[-1].read_text(encoding="utf-8"))
    assert data["run_id"] == 3 and data["since_last_crawl"]["counts"]["broken-link-new"] == 1
    done = {t["id"] for t in data["since_last_crawl"]["progress"]["done"]}
    assert "t-done" in done and not done & {t["id"] for t in data["tasks"]}


def test_every_survives_a_failed_run() -> None:
    calls: list[int] = []
    slept: list[float] = []
    lines: list[str] = []

    def once() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("connection refused")

    failed = loop(once, 0.01, iterations=3, sleep=slept.append, report=lines.append)
    assert len(calls) == 3 and failed == 1 and len(slept) == 2
    assert lines == ["watch: the run failed (OSError: connection refused); trying again in 0.01 s"]
    assert parse_every("1d") == 86400 and parse_every("30m") == 1800 and parse_every("0.5s") == 0.5


def test_every_runs_the_real_watch_in_a_bounded_loop(watched: dict[str, Any]) -> None:
    result = cli(*watched["w"], "watch", "--every", "0.1s", "--iterations", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    runs = cli_json(*watched["w"], "runs")
    assert len(runs) >= 5 and runs[-1]["status"] == "done"


def test_an_interrupted_run_is_kept_and_compared_only_when_asked(tmp_path: Path) -> None:
    from assistant.diff.load import DiffError, choose_runs
    from assistant.store.db import Database
    from assistant.store.runs import RunInfo, list_runs

    db = Database(tmp_path / "assistant.db")
    db.page_id("http://127.0.0.1:1/")
    killed = db.start_run("http://127.0.0.1:1/")         # never finished: the next run keeps what it left
    db.start_run("http://127.0.0.1:1/")
    db.mark_interrupted(killed + 1)
    runs = list_runs(db)
    assert [(r.id, r.status, r.snapshot, r.comparable) for r in runs] == [(1, "interrupted", True, False),
                                                                          (2, "running", False, False)]
    db.close()

    def run(i: int, status: str = "done") -> RunInfo:
        return RunInfo(i, "http://127.0.0.1:1/", 0.0, 1.0, status, True, {}, True)

    listed = [run(1), run(2, "interrupted"), run(3)]
    assert [r.id for r in choose_runs(listed, None, None)] == [1, 3]
    assert [r.id for r in choose_runs(listed, 2, None)] == [2, 3]
    assert [r.id for r in choose_runs(listed, None, 2)] == [1, 2]
    with pytest.raises(DiffError, match="run 1 is the first complete run"):
        choose_runs([run(1)], None, None)


def test_compare_flags_what_matters_on_stored_runs() -> None:
    """Pure: two hand-made runs. An important page losing a content link, a page turning noindex, a canonical
    change, a sitemap page no page links to any more, a lost referring domain."""
    from datetime import date

    from assistant.diff.compare import compare
    from assistant.diff.view import view
    from assistant.settings import load_settings
    from assistant.store.runs import PageState, Snapshot, StoredLink

    site = "https://example.com/"

    def page(path: str, links: list[tuple[str, str]], **kw: Any) -> PageState:
        fields: dict[str, Any] = {"url": site + path, "status": 200, "final_url": site + path, "canonical": None,
                                  "noindex": False, "nofollow": False, "html": True, "in_sitemap": True, "depth": 1,
                                  "title": path or "Home", "words": 400, "published": None, "gone": False,
                                  "error": None, "links": tuple(StoredLink(site + t, True, p, t or "home", "")
                                                               for t, p in links)}
        fields.update(kw)
        return PageState(**fields)

    posts = ["a/", "b/", "c/", "d/", "e/"]
    home = page("", [(p, "content") for p in posts])
    before = [home, page("a/", []), page("b/", [("a/", "content")]), page("c/", [("a/", "content")]),
              page("d/", []), page("e/", [])]
    after = [page("", [(p, "content") for p in posts[:4]]),     # e/ is linked from nowhere now: an orphan
             page("a/", []), page("b/", [], noindex=True),         # b/ dropped its link to a/, turned noindex
             page("c/", [("a/", "content")]), page("d/", [], canonical=site + "c/"), page("e/", [])]
    settings = load_settings(None).audit

    def run(i: int, pages: list[PageState], rd: dict[str, frozenset[str]]) -> Any:
        return view(Snapshot(i, 0.0, site, True, {p.url: p for p in pages}, rd), settings, [], {site + "a/"},
                    date(2026, 12, 1))

    a = run(1, before, {site + "c/": frozenset({"x.example", "y.example"})})
    b = run(2, after, {site + "c/": frozenset({"x.example"})})
    got = {(c.kind, c.url.removeprefix(site), c.severity) for c in compare(a, b)
           if c.kind not in ("depth-changed", "link-score-changed", "finding-new", "finding-resolved")}
    assert got == {("links-removed", "a/", "high"), ("noindex-changed", "b/", ""), ("canonical-changed", "d/", ""),
                   ("links-removed", "e/", ""), ("orphan-new", "e/", "medium"),
                   ("referring-domains-lost", "c/", "medium")}
