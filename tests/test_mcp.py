"""`assistant mcp` through the MCP SDK's own client: stdio (the server spawned as desktop clients spawn it) and
streamable HTTP on loopback. The tools' results are what the CLI's ``--format json`` prints, with provenance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from assistant.services import Services
from assistant.settings import load_settings
from assistant.tools import Options, Toolbox, ToolError
from tests.conftest import cli, cli_json, free_port, mini_workspace

TARGET = "/blog/12years/"
TOOLS = {"find_pages", "page", "links", "backlinks", "audit", "suggest", "plan"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """20 go-blog posts ingested with vectors once, plus a small backlink export: (workspace, site URL)."""
    root = tmp_path_factory.mktemp("mcp")
    with mini_workspace(root, 20) as (workspace, url):
        export = root / "backlinks.csv"
        export.write_text("Source URL,Target URL,Anchor\n" + "".join(
            f"https://{d}.example/post,{url}{TARGET.lstrip('/')},twelve years of Go\n" for d in ("news", "dev")))
        result = cli("--workspace", str(workspace), "backlinks", "import", str(export))
        assert result.exit_code == 0, result.output
        yield workspace, url


def spawn(ws: Path, *extra: str) -> StdioServerParameters:
    """`assistant mcp` as a desktop client starts it: the command, its args, the workspace in the environment."""
    return StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp", *extra],
                                 env={"ASSISTANT_WORKSPACE": str(ws), "ANONYMIZED_TELEMETRY": "False"})


@asynccontextmanager
async def stdio_session(ws: Path, *extra: str) -> AsyncIterator[ClientSession]:
    async with stdio_client(spawn(ws, *extra)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def run(fn: Any) -> Any:
    return anyio.run(fn)


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    out: dict[str, Any] = result.structured_content
    assert json.loads(result.content[0].text) == out          # text for clients that read only text: the same JSON
    return out


# ---------------------------------------------------------------------------------------------- stdio

def test_stdio_lists_tools_and_answers_as_the_cli(ws: tuple[Path, str]) -> None:
    workspace, url = ws

    async def go() -> tuple[Any, ...]:
        async with stdio_session(workspace) as s:
            listed = (await s.list_tools()).tools
            to = await s.call_tool("suggest", {"target": TARGET, "limit": 5})
            frm = await s.call_tool("suggest", {"source": url + "blog/11years/", "limit": 4})
            audit = await s.call_tool("audit", {})
            orphans = await s.call_tool("audit", {"rules": ["orphan-page"]})
            page = await s.call_tool("page", {"url": TARGET})
            return listed, to, frm, audit, orphans, page

    listed, to, frm, audit, orphans, page = run(go)
    by_name = {t.name: t for t in listed}
    assert set(by_name) == TOOLS                          # no ingest without --allow-ingest, no outreach without files
    box = Toolbox(Services(load_settings(None, workspace=workspace)))
    for t in box.tools():
        assert by_name[t.name].input_schema == t.schema()       # the layer's schema, derived once from the types
        assert by_name[t.name].description == t.description and len(t.description) > 80
        assert by_name[t.name].annotations.read_only_hint is True
    props = by_name["suggest"].input_schema["properties"]
    assert set(props) == {"target", "source", "all_important", "limit"}
    assert props["limit"]["type"] == "integer" and props["limit"]["minimum"] == 1

    ws_arg = ("--workspace", str(workspace))
    got = structured(to)
    assert got["result"] == cli_json(*ws_arg, "suggest", "--to", TARGET, "--limit", "5")
    assert got["result"] and all(s["target_url"] == url + TARGET.lstrip("/") for s in got["result"])
    assert got["workspace"] == str(workspace) and got["run"] == 1 and got["crawl_source"] == url + "sitemap.xml"
    assert got["crawled_at"].startswith(time.strftime("%Y-", time.gmtime())) and "suggest" in got["engine"]
    assert structured(frm)["result"] == cli_json(*ws_arg, "suggest", "--from", "/blog/11years/", "--limit", "4")
    findings = structured(audit)["result"]
    assert findings and findings == cli_json(*ws_arg, "audit")
    only = structured(orphans)["result"]
    assert only == cli_json(*ws_arg, "audit", "--rule", "orphan-page") and {f["rule"] for f in only} == {"orphan-page"}
    facts = structured(page)["result"]
    row = next(r for r in cli_json(*ws_arg, "pages", "--all") if r["url"] == url + TARGET.lstrip("/"))
    assert {k: facts[k] for k in row} == row
    assert facts["backlinks"]["total"] == 2 and facts["backlinks"]["referring_domains"] == 2


def test_bad_arguments_are_tool_errors_of_one_sentence(ws: tuple[Path, str]) -> None:
    workspace = ws[0]

    async def go() -> list[Any]:
        async with stdio_session(workspace) as s:
            out = [await s.call_tool("suggest", {"target": "/blog/no-such-post/"}),
                   await s.call_tool("suggest", {"target": "https://evil.example/"}),
                   await s.call_tool("suggest", {"target": TARGET, "limit": "ten"}),
                   await s.call_tool("suggest", {}),
                   await s.call_tool("audit", {"rules": ["no-such-rule"]}),
                   await s.call_tool("links", {"to": TARGET, "placement": "sidebar"}),
                   await s.call_tool("nope", {})]
            out.append(await s.call_tool("page", {"url": TARGET}))     # the server is still there
            return out

    *errors, alive = run(go)
    texts = [e.content[0].text for e in errors]
    assert all(e.is_error for e in errors) and not alive.is_error
    assert all("\n" not in t and "Traceback" not in t and len(t) < 400 for t in texts), texts
    assert "/blog/no-such-post/ is not a page of this workspace" in texts[0]
    assert "https://evil.example/ is not a page of this workspace" in texts[1]
    assert "argument 'limit'" in texts[2] and "'ten'" in texts[2]
    assert "exactly one of `target`, `source` or `all_important`" in texts[3]
    assert "unknown rule id(s) no-such-rule" in texts[4]
    assert "argument 'placement'" in texts[5]
    assert "no tool 'nope'" in texts[6]


def test_no_workspace_is_a_tool_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"

    async def go() -> tuple[Any, Any]:
        async with stdio_session(missing) as s:
            summary = await s.read_resource("workspace://summary")
            return await s.call_tool("find_pages", {"query": "go"}), summary

    result, summary = run(go)
    assert result.is_error and f"no workspace at {missing}" in result.content[0].text
    assert "run `assistant ingest SOURCE`" in json.loads(summary.contents[0].text)["problem"]
    assert not missing.exists()


def test_resource_prompt_and_find_pages(ws: tuple[Path, str]) -> None:
    workspace, url = ws

    async def go() -> tuple[Any, Any, Any, Any]:
        async with stdio_session(workspace) as s:
            summary = await s.read_resource("workspace://summary")
            prompt = await s.get_prompt("link_plan", {"page": TARGET})
            found = await s.call_tool("find_pages", {"query": TARGET, "limit": 3})
            topic = await s.call_tool("find_pages", {"query": "generics playground"})
            return summary, prompt, found, topic

    summary, prompt, found, topic = run(go)
    data = json.loads(summary.contents[0].text)
    assert data["counts"]["html_pages"] == 20 and len(data["top_pages"]) == 10 and set(data["tools"]) == TOOLS
    text = prompt.messages[0].content.text
    assert TARGET in text and "`suggest`" in text and "buying" in text
    first = structured(found)["result"][0]
    assert first["url"] == url + TARGET.lstrip("/") and first["match"] == "exact"
    hits = structured(topic)["result"]
    assert hits and all(r["match"] >= 1 for r in hits)


# ---------------------------------------------------------------------------------------------- HTTP

def test_http_needs_its_token_and_answers_as_the_cli(ws: tuple[Path, str], tmp_path: Path) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    workspace, _url = ws
    port, token = free_port(), "s3cret-token-for-the-test"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "--workspace", str(workspace), "mcp", "--http",
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "ASSISTANT_MCP_TOKEN": token})
    endpoint = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                anonymous = httpx.post(endpoint, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                                       headers={"Accept": "application/json, text/event-stream"}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
        wrong = httpx.post(endpoint, json={}, headers={"Authorization": "Bearer not-it"}, timeout=5)
        assert wrong.status_code == 401

        async def go() -> tuple[list[str], Any]:
            client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
            async with client, streamable_http_client(endpoint, http_client=client) as (read, write), \
                    ClientSession(read, write) as s:
                await s.initialize()
                names = [t.name for t in (await s.list_tools()).tools]
                return names, await s.call_tool("suggest", {"target": TARGET, "limit": 3})

        names, suggested = run(go)
        assert set(names) == TOOLS
        assert structured(suggested)["result"] == cli_json("--workspace", str(workspace), "suggest", "--to", TARGET,
                                                           "--limit", "3")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_non_loopback_needs_a_token_or_insecure(ws: tuple[Path, str]) -> None:
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        result = cli("--workspace", str(ws[0]), "mcp", "--http", "--host", host, "--port", str(free_port()))
        assert result.exit_code == 2
        assert f"refusing to serve MCP on {host} without --token" in result.output
        assert len(result.output.strip().splitlines()) == 1


# ---------------------------------------------------------------------------------------------- the layer

def test_ingest_only_when_allowed_and_only_the_own_site(ws: tuple[Path, str]) -> None:
    workspace, url = ws
    services = Services(load_settings(None, workspace=workspace))
    assert "ingest" not in {t.name for t in Toolbox(services).tools()}
    with pytest.raises(ToolError, match="no tool 'ingest'"):
        Toolbox(services).call("ingest", {})
    box = Toolbox(services, Options(allow_ingest=True))
    assert next(t for t in box.tools() if t.name == "ingest").read_only is False
    with pytest.raises(ToolError, match="is not a public page of this workspace's site"):
        box.call("ingest", {"url": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(ToolError, match="is not a public page of this workspace's site"):
        box.call("ingest", {"url": url + "blog/12years/"})          # our own pages, but on loopback: refused too
    before = cli_json("--workspace", str(workspace), "pages")
    done = box.call("ingest", {})
    assert done["result"]["source"] == url + "sitemap.xml" and "ingest" in done["engine"]
    assert cli_json("--workspace", str(workspace), "pages") == before


def test_plan_and_outreach_tools(ws: tuple[Path, str], tmp_path: Path) -> None:
    workspace = ws[0]
    services = Services(load_settings(None, workspace=workspace))
    planned = Toolbox(services).call("plan", {"top": 5})
    assert "plan" in planned["engine"] and len(planned["result"]["tasks"]) == 5
    printed = cli_json("--workspace", str(workspace), "plan", "--top", "5")
    assert planned["result"]["tasks"] == printed["tasks"] and planned["result"]["summary"] == printed["summary"]
    assert "outreach_prospects" not in {t.name for t in Toolbox(services).tools()}
    listed = tmp_path / "prospects.txt"
    listed.write_text("https://casino-bonus.xyz/post\n")          # excluded by its domain: nothing is fetched
    box = Toolbox(services, Options(prospects=[listed]))
    (row,) = box.call("outreach_prospects", {})["result"]
    assert row["status"] == "excluded" and "spammy domain" in row["reason"]


# ---------------------------------------------------------------------------------------------- chat with tools

class ScriptedEndpoint:
    """An OpenAI-compatible chat endpoint on loopback that plays a tools-capable model: to a question it answers
    with a call of ``page`` for the page the question names; to that call's result, with a sentence built from
    the record it got back (its Link Score and content inlinks) and a sentence advising to buy links. Every
    request body is kept."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(body)
        last = body["messages"][-1]
        message: dict[str, Any] = {"role": "assistant", "content": "Hello."}
        if last["role"] == "user" and body.get("tools"):
            path = next(w for w in last["content"].split() if w.startswith("/")).rstrip("?.")
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "page", "arguments": json.dumps({"url": path})}}]}
        elif last["role"] == "tool":
            pages, records = last["content"].split("\nRecords: ", 1)
            n = pages.split("[", 1)[1].split("]", 1)[0]
            rec = json.loads(records)
            message["content"] = (f"The page [{n}] has a Link Score of {rec['link_score']} and "
                                  f"{rec['content_inlinks']} content inlinks. You should buy backlinks from a link "
                                  f"seller to raise it [{n}].")
        return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "message": message,
                             "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedEndpoint]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    scripted = ScriptedEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            out = scripted.reply(body)
            data = json.dumps(out).encode()
            kind = "application/json"
            if body.get("stream"):                # the lead streams: the same message as one chunk
                chunk = {**out, "object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": out["choices"][0]["message"], "finish_reason": "stop"}]}
                data, kind = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode(), "text/event-stream"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    for key, value in {"PROVIDER": "openai", "MODEL": "scripted", "TOOLS": "auto",
                       "BASE_URL": f"http://127.0.0.1:{httpd.server_address[1]}/v1"}.items():
        monkeypatch.setenv(f"ASSISTANT_LLM__{key}", value)
    try:
        yield scripted
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_ask_answers_through_a_tool_call_and_the_guard_still_holds(ws: tuple[Path, str],
                                                                  endpoint: ScriptedEndpoint) -> None:
    from assistant.chain.guard import RULE_TEXT

    workspace, url = ws
    page_url = url + TARGET.lstrip("/")
    question = f"Compare the internal links of {TARGET} and /blog/11years/."      # no fixed intent
    out = cli_json("--workspace", str(workspace), "ask", question)
    assert out["intent"] == "page-facts"            # the router found only the first page it names
    offered = {t["function"]["name"] for t in endpoint.requests[0]["tools"]}
    assert offered == TOOLS                    # the read-only tools, with the layer's schemas
    (call,) = out["tool_calls"]
    assert call["tool"] == "page" and call["ok"] and call["arguments"] == {"url": TARGET}
    assert call["result"]["url"] == page_url
    tool_message = endpoint.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    record = json.loads(tool_message["content"].split("\nRecords: ", 1)[1])
    assert record["link_score"] == call["result"]["link_score"]        # the model read the tool's record
    answer = out["answer"]
    n = next(c["n"] for c in out["citations"] if c["url"] == page_url)
    assert f"[{n}] has a Link Score of {record['link_score']}" in answer
    assert "buy backlinks" not in answer and RULE_TEXT["paid-link"] in answer


def test_chat_shows_each_tool_call_as_a_line(ws: tuple[Path, str], endpoint: ScriptedEndpoint) -> None:
    result = cli("--workspace", str(ws[0]), "chat", input=f"How do {TARGET} and /blog/11years/ compare?\n")
    assert result.exit_code == 0, result.output
    assert f"page(url='{TARGET}') → 1 record" in result.output
    assert "buy backlinks" not in result.output
    line = json.loads((ws[0] / "chat.jsonl").read_text().splitlines()[-1])
    assert line["tool_calls"][0]["tool"] == "page"


def test_the_slack_bot_answers_through_a_tool_call(ws: tuple[Path, str], endpoint: ScriptedEndpoint) -> None:
    """The bot's conversations get the same toolbox as `assistant ask` (one for every thread)."""
    from assistant.services import Services
    from assistant.settings import load_settings
    from assistant.slack.bot import Bot

    bot = Bot(Services(load_settings(None, workspace=ws[0])))
    out = bot.ask("C1:1.0", f"Compare the internal links of {TARGET} and /blog/11years/.")
    assert [c["tool"] for c in out["tool_calls"]] == ["page"] and "buy backlinks" not in out["answer"]
    assert bot.tools() is bot.tools() is not None


def test_listed_intents_and_tools_off_keep_the_router(ws: tuple[Path, str], endpoint: ScriptedEndpoint,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    listed = cli_json("--workspace", str(ws[0]), "ask", f"Which pages should link to {TARGET}?")
    assert listed["intent"] == "link-to" and "tool_calls" not in listed and listed["suggestions"]
    monkeypatch.setenv("ASSISTANT_LLM__TOOLS", "off")
    general = cli_json("--workspace", str(ws[0]), "ask", f"Compare the internal links of {TARGET} and /blog/11years/.")
    assert general["intent"] == "page-facts" and "tool_calls" not in general
    assert len(endpoint.requests) == 2 and all("tools" not in r for r in endpoint.requests)
