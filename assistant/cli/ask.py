"""`assistant ask "QUESTION"`: one grounded answer with numbered citations (JSON for machines)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json, stdout

if TYPE_CHECKING:
    from assistant.chain.answer import Answer, Conversation
    from assistant.services import Services


def conversation(services: Services, use_llm: bool) -> Conversation:
    """A conversation over the workspace (the model is built on first use, only when ``use_llm``)."""
    from assistant.chain.answer import Conversation
    from assistant.chain.facts import Workspace

    if not services.db.counts()["html_pages"]:
        raise UserError(f"workspace {services.workspace} holds no pages: run `assistant ingest SOURCE` first")
    return Conversation(Workspace(services), (lambda: services.llm) if use_llm else None)


def print_answer(answer: Answer, shown: str = "") -> None:
    """The answer and its sources; ``shown`` is the lead already streamed to the screen, not repeated when
    the guard kept it as it was."""
    out = stdout()
    lead = shown.strip()
    if lead and answer.answer.startswith(lead):
        rest = answer.answer[len(lead):].strip()
        out.print()
    else:
        if lead:
            out.print("\n[dim](corrected by the guard rules)[/dim]")
        rest = answer.answer
    if rest:
        out.print(("\n" if lead else "") + rest, markup=False, highlight=False, soft_wrap=True)
    if answer.citations:
        out.print()
        for c in answer.citations:
            out.print(f"[{c['n']}] {c['title']} — {c['url']}", markup=False, highlight=False, soft_wrap=True)


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
    out = stdout()
    shown = []
    for piece in talk.stream(question):
        shown.append(piece)
        out.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
    print_answer(talk.finish(), "".join(shown))
