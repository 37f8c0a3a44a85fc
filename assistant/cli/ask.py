"""`assistant ask "QUESTION"`: one grounded answer with numbered citations (JSON for machines)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json
from assistant.cli.show import run_streaming

if TYPE_CHECKING:
    from assistant.chain.answer import Conversation
    from assistant.services import Services


def conversation(services: Services, use_llm: bool) -> Conversation:
    """A conversation over the workspace (the model is built on first use, only when ``use_llm``)."""
    from assistant.chain.answer import Conversation
    from assistant.chain.facts import Workspace

    if not services.db.counts()["html_pages"]:
        raise UserError(f"workspace {services.workspace} holds no pages: run `assistant ingest SOURCE` first")
    from assistant.chain.tools import enabled
    from assistant.tools import Toolbox

    tools = Toolbox(services) if use_llm and enabled(services.settings.llm) else None
    return Conversation(Workspace(services), (lambda: services.llm) if use_llm else None, tools=tools)


@friendly
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="the question, in plain words")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table (text) or json")] = Format.table,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="let the model phrase the answer")] = True,
) -> None:
    """Ask about the site's links: which pages should link to X, what X should link to, audit, outreach, facts."""
    if not question.strip():
        raise UserError("the question is empty")
    talk = conversation(state(ctx).services(), llm)
    if fmt is Format.json:
        emit_json(talk.ask(question).as_dict())
        return
    run_streaming(talk, question)
