"""`assistant mcp`: the tool layer (:mod:`assistant.tools`) published over the Model Context Protocol.

Built on the official SDK's ``MCPServer`` (the SDK's FastMCP, renamed in mcp 2.x). Each tool of the toolbox is
published with the layer's own name, docstring and JSON schema; a call runs in a worker thread through
:meth:`~assistant.tools.box.Toolbox.call` and answers with the provenance envelope as structured content (and the
same JSON as text, for clients that read only text). Arguments are checked by the layer first, so a wrong type,
an unknown page or a missing workspace is a tool error of one sentence, never a crash. One resource
(``workspace://summary``) and one prompt (``link_plan``) complete it.

Transports: stdio (what desktop clients spawn) and streamable HTTP, where :class:`BearerAuth` answers 401 to any
request without the server's token.
"""

from __future__ import annotations

import hmac
import inspect
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError as SDKToolError
from mcp.server.mcpserver.tools import Tool as SDKTool
from mcp_types import CallToolResult, TextContent, ToolAnnotations

from assistant.tools import Tool, Toolbox, ToolError

INSTRUCTIONS = """Tools over one website's link data, already crawled into a local workspace: its pages, internal
links (content or navigation), imported backlinks and traffic, and deterministic engines (link audit, internal-link
suggestions, an action plan). Resolve what the user calls a page with find_pages, then use page, links, suggest,
audit or plan. Every result carries its provenance (workspace, crawl date, engine). Cite page URLs from the results;
never advise buying, selling or exchanging links."""

PROMPT = """Make an internal-link plan for the page {page} of the site in this workspace.

1. Call `page` with url={page!r} for its facts (Link Score, click depth, inlinks, backlinks, traffic).
2. Call `links` with to={page!r} and placement "content" to see who links to it in the text now.
3. Call `suggest` with target={page!r} for the pages that should link to it, and with source={page!r} for the links
   it should add.
4. Call `audit` and keep the findings whose urls include the page.

Then write the plan as numbered steps, most valuable first: for each new link the source page, the anchor and
the sentence it goes in (verbatim from the suggestion), and why (the suggestion's reasons or the finding's
message). Cite the URLs the tools returned. Do not advise buying, selling or exchanging links, or using the same
exact-match anchor everywhere."""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Server(MCPServer[Any]):
    """The SDK's server with the toolbox's argument check in front of every call (one-sentence errors)."""

    def __init__(self, box: Toolbox) -> None:
        super().__init__("link-assistant", instructions=INSTRUCTIONS, tools=[publish(box, t) for t in box.tools()],
                         log_level="WARNING")
        self.box = box

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            self.box.get(name).validate(arguments)
        except ToolError as exc:
            raise SDKToolError(str(exc)) from None
        return await super().call_tool(name, arguments, context)


def publish(box: Toolbox, t: Tool) -> SDKTool:
    """``t`` as the SDK's tool: a function with ``t``'s signature (less the toolbox) that calls the toolbox."""

    async def run(**arguments: Any) -> CallToolResult:
        try:
            out = await anyio.to_thread.run_sync(box.call, t.name, arguments)
        except ToolError as exc:
            raise SDKToolError(str(exc)) from None
        text = json.dumps(out, ensure_ascii=False, indent=1)
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=out)

    run.__signature__ = inspect.Signature(t.parameters, return_annotation=CallToolResult)  # type: ignore[attr-defined]
    run.__name__ = t.name
    hints = ToolAnnotations(title=t.name.replace("_", " "), read_only_hint=t.read_only,
                            destructive_hint=False, idempotent_hint=True, open_world_hint=t.fetches)
    sdk = SDKTool.from_function(run, name=t.name, description=t.description, annotations=hints,
                                structured_output=False)
    return sdk.model_copy(update={"parameters": t.schema()})


def build_server(box: Toolbox) -> Server:
    server = Server(box)

    @server.resource("workspace://summary", name="workspace-summary", mime_type="application/json",
                     description="The workspace: its site, last crawl, page/link/backlink counts, top pages.")
    def summary() -> str:
        return json.dumps(box.summary(), ensure_ascii=False, indent=1)

    @server.prompt(name="link_plan", description="An internal-link plan for one page, built from the tools.")
    def link_plan(page: str) -> str:
        return PROMPT.format(page=page)

    return server


class BearerAuth:
    """ASGI middleware: HTTP requests must carry ``Authorization: Bearer TOKEN`` (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            got = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(got, self.expected):
                body = json.dumps({"error": "unauthorized",
                                   "error_description": "this MCP server needs its bearer token"}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"www-authenticate", b'Bearer realm="link-assistant"'),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def serve_stdio(box: Toolbox) -> None:
    build_server(box).run("stdio")


def serve_http(box: Toolbox, host: str, port: int, token: str | None) -> None:
    """Serve streamable HTTP at ``http://HOST:PORT/mcp`` until interrupted."""
    import uvicorn

    app: ASGIApp = build_server(box).streamable_http_app(host=host)
    if token:
        app = BearerAuth(app, token)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
