"""`assistant plan`: the four formats, priority order, verbatim anchors and sentences, link limits, ids, errors.

Runs on the session's embedded go-blog workspace (``go_ws``, read only). The full plan is written twice by the
CLI (JSON and HTML; md and csv use ``--to`` to stay quick) and built once more through the Python API, so ids
are compared across separate runs. The HTML report is rendered in headless Chromium: the DOM after its script
ran holds every chart, and the screenshot is not blank (a small PNG decoder counts its colours).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import shutil
import struct
import subprocess
import threading
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.plan import build_plan
from assistant.plan.links import NEW_LINKS_PER_PAGE, LinkIdea, trips_too_many, violations
from assistant.plan.load import load_input
from assistant.plan.model import PlanInput
from assistant.plan.summary import TASK_ID, fallback_summary, guard, llm_summary
from assistant.plan.tasks import RULE_TASK, TASK_TYPES, Task, dedupe, group_by_page, prioritise, task_id
from assistant.rules import RULES
from assistant.services import Services
from assistant.settings import load_settings
from assistant.text import normalize_space
from tests.conftest import cli, db_rows

KEYS = {"id", "priority", "type", "pages", "action", "why", "impact", "effort", "evidence"}
LINK_TYPES = ("add-internal-link", "link-orphan", "refresh-old-content")
FOCUS = ("/blog/maps/", "/blog/pipelines/")


@pytest.fixture(scope="module")
def written(go_ws: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    ws = go_ws[0]
    out = tmp_path_factory.mktemp("plan")
    files = {}
    for fmt in ("json", "html", "md", "csv"):
        files[fmt] = out / f"plan.{fmt}"
        extra = [] if fmt in ("json", "html") else [a for p in FOCUS for a in ("--to", p)]
        with pytest.MonkeyPatch.context() as mp:     # every link to the focus pages, however unsure (on go-blog
            if extra:                                # none of them reaches the default [suggest] min_confidence)
                mp.setenv("ASSISTANT_SUGGEST__MIN_CONFIDENCE", "0")
            result = cli("--workspace", str(ws), "plan", "-o", str(files[fmt]), "--top", "0", *extra)
        assert result.exit_code == 0, result.output
        assert f"wrote {files[fmt]}" in result.output
    return files


@pytest.fixture(scope="module")
def plan_json(written: dict[str, Path]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(written["json"].read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def plan_input(go_ws: tuple[Path, dict[str, Any]]) -> PlanInput:
    return load_input(Services(load_settings(None, workspace=go_ws[0])))


def link_tasks(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in plan["tasks"] if t["type"] in LINK_TYPES and "sentence" in t["evidence"]]


def test_all_four_formats_are_written(written: dict[str, Path], plan_json: dict[str, Any]) -> None:
    # since_last_crawl: present when the shared workspace was crawled again by another test (assistant.diff)
    assert set(plan_json) - {"since_last_crawl"} == {"site", "generated_at", "summary", "tasks"}
    assert plan_json["site"].startswith("http://127.0.0.1:") and plan_json["summary"]
    md = written["md"].read_text(encoding="utf-8")
    assert md.startswith("# Link action plan for ") and "## Tasks" in md
    rows = list(csv.DictReader(io.StringIO(written["csv"].read_text(encoding="utf-8"))))
    assert rows and set(rows[0]) >= {"priority", "id", "type", "action", "impact", "effort"}
    assert all(json.loads(r["evidence"]) is not None for r in rows)
    focus_rows = [r for r in rows if r["type"] == "add-internal-link"]
    assert focus_rows and all(r["pages"].split()[1].endswith(FOCUS) for r in focus_rows)
    html = written["html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    for forbidden in ("<link ", "src=\"http", "@import", "url(http"):
        assert forbidden not in html, forbidden        # self-contained: nothing fetched when opened


def test_tasks_are_well_formed_and_sorted(plan_json: dict[str, Any]) -> None:
    tasks = plan_json["tasks"]
    assert len(tasks) >= 20
    assert [t["priority"] for t in tasks] == list(range(1, len(tasks) + 1))
    ratios = [t["impact"] / t["effort"] for t in tasks]
    assert all(a >= b - 1e-6 for a, b in itertools.pairwise(ratios)), "not sorted by impact/effort"
    assert len({t["id"] for t in tasks}) == len(tasks)
    for t in tasks:
        assert set(t) == KEYS
        assert t["type"] in TASK_TYPES and 0 <= t["impact"] <= 100 and 1 <= t["effort"] <= 5
        assert t["action"] and t["why"] and t["pages"]
    assert "add-internal-link" in Counter(t["type"] for t in tasks)


def test_link_actions_are_verbatim_from_the_source(go_ws: tuple[Path, dict[str, Any]],
                                                   plan_json: dict[str, Any]) -> None:
    tasks = link_tasks(plan_json)
    assert len(tasks) >= 10
    texts = {r["url"]: normalize_space(r["main_text"] or "")
             for r in db_rows(go_ws[0], "SELECT url, main_text FROM pages WHERE main_text IS NOT NULL")}
    for t in tasks:
        ev = t["evidence"]
        source, target = t["pages"]
        assert (ev["source"], ev["target"]) == (source, target)
        assert ev["anchor"] in ev["sentence"], t
        assert ev["sentence"] in texts[source], t
        assert f"in the sentence “{ev['sentence']}”, link “{ev['anchor']}” to " in t["action"]


def test_no_page_gets_more_links_than_the_limits(plan_json: dict[str, Any], plan_input: PlanInput) -> None:
    tasks = link_tasks(plan_json)
    added = Counter(t["pages"][0] for t in tasks)
    assert max(added.values()) <= NEW_LINKS_PER_PAGE
    audit = plan_input.audit
    links = Counter(x.source for x in audit.links)
    content = Counter(x.source for x in audit.links if x.placement == "content")
    for source, n in added.items():
        words = audit.pages[source].word_count
        assert not trips_too_many(links[source] + n, content[source] + n, words, audit), source
    assert len({(t["pages"][0], t["pages"][1]) for t in tasks}) == len(tasks)       # one link per pair
    # the rules themselves, re-run with the plan's links added, find nothing new
    ideas = [LinkIdea(t["evidence"]["source"], t["evidence"]["target"], t["evidence"]["anchor"],
                      t["evidence"]["sentence"], 0.0, 0.0) for t in tasks]
    assert violations(audit, ideas) == []


def test_ids_are_stable_across_runs(plan_json: dict[str, Any], plan_input: PlanInput) -> None:
    again = build_plan(plan_input, generated_at="2026-01-01T00:00:00+00:00")
    assert [t.id for t in again.tasks] == [t["id"] for t in plan_json["tasks"]]
    assert again.as_dict()["tasks"][0] == plan_json["tasks"][0]


def test_every_rule_maps_to_a_task_type() -> None:
    assert set(RULE_TASK) == set(RULES)
    assert set(RULE_TASK.values()) <= set(TASK_TYPES)


def test_dedupe_merges_the_same_change() -> None:
    a = Task("fix-broken-link", ["https://x.test/gone/", "https://x.test/a/"], "Fix it.", "Broken.", 60.0, 1,
             {"findings": ["broken-internal-link"]})
    b = Task("fix-broken-link", ["https://x.test/a/", "https://x.test/gone/"], "Fix it.", "Also seen.", 40.0, 1,
             {"findings": ["redirected-internal-link"]})
    c = Task("remove-nofollow", ["https://x.test/a/"], "Remove.", "Nofollow.", 30.0, 1)
    merged = prioritise(dedupe([a, b, c]))
    assert [t.type for t in merged] == ["fix-broken-link", "remove-nofollow"]
    assert merged[0].evidence["findings"] == ["broken-internal-link", "redirected-internal-link"]
    assert merged[0].impact == 60.0 and "Also seen." in merged[0].why
    assert merged[0].id == task_id("fix-broken-link", ["http://other.host/a/", "http://other.host/gone/"])


def test_many_link_fixes_on_one_page_are_one_task() -> None:
    def broken(i: int, source: str = "https://x.test/req/") -> Task:
        return Task("fix-broken-link", [f"https://x.test/m/{i}/", source], f"Fix {i}.", "Broken.", 70.0, 1,
                    {"findings": ["broken-internal-link"], "severity": "high", "target": f"https://x.test/m/{i}/",
                     "sources": [source], "links": 2})
    others = [broken(100, "https://x.test/a/"), broken(101, "https://x.test/b/")]
    tasks = group_by_page([broken(i) for i in range(12)] + others)
    assert len(tasks) == 3 and others[0] in tasks and others[1] in tasks
    group = next(t for t in tasks if t not in others)
    assert group.pages[0] == "https://x.test/req/" and len(group.pages) == 13
    assert group.action.startswith("On /req/, fix the 24 broken links to 12 pages (/m/0/, ")
    assert group.impact > 70.0 and group.evidence["links"] == 24
    assert len(group_by_page([broken(i) for i in range(9)])) == 9           # a few stay tasks of their own


def test_format_json_prints_the_plan(go_ws: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SUGGEST__MIN_CONFIDENCE", "0")      # see written(): every link to the focus page
    result = cli("--workspace", str(go_ws[0]), "plan", "--to", FOCUS[0], "--format", "json", "--top", "5")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert 1 <= len(plan["tasks"]) <= 5 and plan["summary"]
    assert all(any(p.endswith(FOCUS[0]) for p in t["pages"]) for t in plan["tasks"])


def test_bad_arguments_are_one_clear_line(go_ws: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    ws = str(go_ws[0])
    bad = cli("--workspace", ws, "plan", "-o", str(tmp_path / "plan.txt"))
    assert bad.exit_code == 2 and "plan.txt" in bad.output and "'.txt'" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "plan.txt").exists()
    for args, words in ((["-o", str(tmp_path / "nowhere" / "p.md")], "does not exist"),
                        ([], "-o FILE"), (["--format", "md"], "needs -o"),
                        (["--to", "/no/such/page/", "--format", "json"], "not a page")):
        result = cli("--workspace", ws, "plan", *args)
        assert result.exit_code == 2 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output


CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHARTS = ("chart pagerank", "chart depth", "chart anchors", "chart neighbourhood")


def chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed (./install.sh --test installs it when run as root)")
    return found


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of pixel bytes) of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r) for r in rows]


def colours(rows: list[bytes], bpp: int = 4, step: int = 7) -> set[bytes]:
    return {row[i:i + 3] for row in rows[::step] for i in range(0, len(row) - bpp + 1, bpp * step)}


def test_html_report_renders_with_its_charts(written: dict[str, Path], tmp_path: Path) -> None:
    exe = chromium()
    url = written["html"].resolve().as_uri()
    profile = tmp_path / "profile"
    dom = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    for chart in CHARTS:
        assert f'class="{chart}"' in dom, chart
    assert dom.count("<tr>") >= 20 and 'class="sorted-' not in dom        # the table, unsorted until clicked
    shot = tmp_path / "plan.png"
    subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1280,2000",
                    url], capture_output=True, timeout=120, check=True)
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    bpp = len(rows[0]) // width
    seen = colours(rows, bpp)
    assert len(seen) >= 20, f"the screenshot looks blank ({len(seen)} colours)"
    top = colours(rows[:150], bpp, 3)
    assert len(top) >= 5                                                      # the header band is drawn


# --------------------------------------------------------------------------- the summary paragraph

def _tasks() -> list[Task]:
    return prioritise([Task("fix-broken-link", ["https://x.test/gone/", "https://x.test/a/"], "Fix the link.",
                            "Broken.", 70.0, 1, {"severity": "high"}),
                       Task("add-internal-link", ["https://x.test/a/", "https://x.test/b/"], "Link it.", "Gain.",
                            40.0, 1, {"sentence": "A b.", "target": "https://x.test/b/"}, anchor="b")])


def test_fallback_summary_cites_existing_tasks() -> None:
    tasks = _tasks()
    text = fallback_summary("https://x.test/", tasks, 2)
    assert guard(text, tasks) is None
    assert tasks[0].id in text and "1 broken link target to fix" in text
    assert "empty" in fallback_summary("https://x.test/", [], 0)


@pytest.mark.parametrize(("text", "problem"), [
    ("Start with {0}, then {1}.", None),
    ("Start with {0}; never buy links or join link exchanges.", None),
    ("Start with t-00000000.", "do not exist"),
    ("Start with the broken link.", "cites no task id"),
    ("Do {0}, then buy a few backlinks from a blog network.", "dealing in links"),
    ("Do {0} and propose a link exchange to partners.", "dealing in links"),
    ("Do {0} and order some sponsored posts.", "dealing in links"),
])
def test_llm_summary_is_guarded(text: str, problem: str | None) -> None:
    tasks = _tasks()
    text = text.format(*(t.id for t in tasks))
    written, why = llm_summary(lambda system, user, schema: {"summary": text}, "https://x.test/", tasks, 2)
    if problem is None:
        assert written == text and why == ""
    else:
        assert written is None and problem in why


class FakeOpenAI(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that cites the first task id of the prompt (or advises buying links)."""

    reply = "cite"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        first = TASK_ID.search(user)
        cited = first.group(0) if first else "t-00000000"
        summary = (f"Start with {cited}: it routes authority to the maps post." if FakeOpenAI.reply == "cite"
                   else f"Do {cited}, then buy backlinks from a link farm to rank faster.")
        content = json.dumps({"summary": summary, "cited": []})
        data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                        "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_llm_summary_through_an_openai_endpoint(go_ws: tuple[Path, dict[str, Any]], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("ASSISTANT_LLM__PROVIDER", "openai")
    monkeypatch.setenv("ASSISTANT_LLM__BASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    monkeypatch.setenv("ASSISTANT_SUGGEST__MIN_CONFIDENCE", "0")      # see written(): every link to the focus page
    try:
        args = ("--workspace", str(go_ws[0]), "plan", "--to", FOCUS[0], "--top", "5", "--llm-summary")
        FakeOpenAI.reply = "cite"
        good = cli(*args, "-o", str(tmp_path / "good.json"))
        assert good.exit_code == 0, good.output
        plan = json.loads((tmp_path / "good.json").read_text())
        assert plan["summary"] == f"Start with {plan['tasks'][0]['id']}: it routes authority to the maps post."
        FakeOpenAI.reply = "buy"
        bad = cli(*args, "-o", str(tmp_path / "bad.json"))
        assert bad.exit_code == 0 and "LLM summary not used" in bad.output and "dealing in links" in bad.output
        assert json.loads((tmp_path / "bad.json").read_text())["summary"].startswith("This plan for ")
    finally:
        httpd.shutdown()
        httpd.server_close()
