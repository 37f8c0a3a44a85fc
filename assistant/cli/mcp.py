"""`assistant mcp [--http --host H --port P --token T]`: the engines as tools for MCP clients (Claude Desktop,
Cursor, VS Code agents). stdio by default (what desktop clients spawn); ``--http`` serves the streamable HTTP
transport at ``http://HOST:PORT/mcp``, and refuses an address other than loopback without a bearer token
(``--token`` or ``ASSISTANT_MCP_TOKEN``) or an explicit ``--insecure``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import UserError, friendly, state


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@friendly
def mcp(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="serve streamable HTTP at /mcp instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="HTTP: the address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP: the port to listen on")] = 8848,
    token: Annotated[str | None, typer.Option(
        envvar="ASSISTANT_MCP_TOKEN", show_envvar=True,
        help="HTTP: the bearer token every request must carry (prefer the environment variable)")] = None,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="HTTP: allow a non-loopback address without a token (anyone reaching it reads the data)")
    ] = False,
    allow_ingest: Annotated[bool, typer.Option(
        "--allow-ingest", help="offer the `ingest` tool: re-crawl the workspace's own site")] = False,
    prospects: Annotated[list[Path] | None, typer.Option(
        "--prospects", "-p", help="prospect lists for the `outreach_prospects` tool (repeatable)")] = None,
    competitors: Annotated[list[Path] | None, typer.Option(
        "--competitors", help="competitor backlink exports for `outreach_prospects` (repeatable)")] = None,
) -> None:
    """Serve the workspace's engines as MCP tools: find_pages, page, links, backlinks, audit, suggest, plan, ..."""
    if http and not 1 <= port <= 65535:
        raise UserError(f"--port {port} is not a port (1-65535)")
    if http and not is_loopback(host) and not token and not insecure:
        raise UserError(f"refusing to serve MCP on {host} without --token (bearer auth; or ASSISTANT_MCP_TOKEN) or "
                        "--insecure: anyone who reaches that address could read the workspace")
    for path in [*(prospects or []), *(competitors or [])]:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
    from assistant.mcp.server import serve_http, serve_stdio
    from assistant.tools import Options, Toolbox

    box = Toolbox(state(ctx).services(), Options(allow_ingest, list(prospects or []), list(competitors or [])))
    if not http:
        serve_stdio(box)
        return
    where = f"http://{host}:{port}/mcp"
    typer.echo(f"assistant mcp: serving {where} (workspace {box.workspace}; "
               f"{'bearer token required' if token else 'no token'}; Ctrl-C stops)", err=True)
    try:
        serve_http(box, host, port, token)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        typer.echo("assistant mcp: stopped", err=True)
