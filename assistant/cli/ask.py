"""`assistant ask "QUESTION"`: one grounded answer with numbered citations (JSON for machines)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.app.ask import conversation
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json
from assistant.cli.show import run_streaming


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
    from assistant.tools import Toolbox

    services = state(ctx).services()
    talk = conversation(services, llm, Toolbox.for_conversation(services, llm))
    if fmt is Format.json:
        emit_json(talk.ask(question).as_dict())
        return
    run_streaming(talk, question)
