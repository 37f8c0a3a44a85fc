"""The ``assistant`` command: global options and command registration."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import (
    apply,
    ask,
    audit,
    backlinks,
    chat,
    demo,
    diff,
    ingest,
    inspect,
    mcp,
    outreach,
    plan,
    runs,
    slack,
    suggest,
    traffic,
    watch,
)
from assistant.cli.common import State

app = typer.Typer(
    name="assistant",
    help="Link strategy assistant: ingest a site, then ask where its links should go.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", "-w", envvar="ASSISTANT_WORKSPACE", help="Workspace folder [default: ./.assistant]")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar="ASSISTANT_CONFIG", help="config.toml to read")] = None,
) -> None:
    quiet_libraries()
    state = State(config=config, workspace=workspace)
    ctx.obj = state
    ctx.call_on_close(state.close)


def quiet_libraries() -> None:
    """Our warnings go to stderr; extraction libraries' per-page chatter does not."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("trafilatura", "htmldate", "courlan", "chromadb", "httpx", "onnxruntime"):
        logging.getLogger(name).setLevel(logging.ERROR)


app.command("ingest")(ingest.ingest)
app.command("pages")(inspect.pages)
app.command("links")(inspect.links)
app.command("audit")(audit.audit)
app.command("suggest")(suggest.suggest)
app.command("plan")(plan.plan)
app.command("apply")(apply.apply)
app.command("outreach")(outreach.outreach)
app.command("ask")(ask.ask)
app.command("chat")(chat.chat)
app.command("demo")(demo.demo)
app.command("slack")(slack.slack)
app.command("runs")(runs.runs)
app.command("diff")(diff.diff)
app.command("watch")(watch.watch)
app.command("mcp")(mcp.mcp)
app.add_typer(backlinks.app, name="backlinks")
app.add_typer(traffic.app, name="traffic")


def main() -> None:
    app()
