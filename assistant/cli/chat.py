"""`assistant chat`: the interactive terminal chat.

The engines' list shows at once and the model's lead streams below it (:mod:`assistant.cli.show`); Ctrl-C
stops a running lead, Ctrl-D or /quit leaves. The model and the engines' indexes load in the background from the start
(:mod:`assistant.chain.warm`); a question asked before they are ready waits for them and says so.
Follow-ups use the conversation ("and what anchor should the second one use?").
Questions and answers are kept in WORKSPACE/chat.jsonl and the prompt's line history in
WORKSPACE/chat_history. Without a terminal, questions are read line by line from standard input.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.app.ask import conversation
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import progress_bar, stdout
from assistant.cli.show import print_answer, run_streaming

if TYPE_CHECKING:
    from collections.abc import Iterator

    from assistant.chain.answer import Answer, Conversation
    from assistant.services import Services

HELP = """Ask in plain words, e.g. "Which pages should link to /blog/x/?", "What should /blog/y/ link to?",
"What's wrong with my internal links?", "How can I earn backlinks?". Follow-ups: "and the second one?".
  /suggest URL   pages that should link to URL        /audit        the audit's most severe findings
  /plan FILE     write the action plan (.md .csv .json .html)
  /sources       the pages the last answer cites      /help         this help      /quit  leave (or Ctrl-D)
Ctrl-C stops an answer while it is being written."""


def lines(history: Path) -> Iterator[str]:
    """Questions: a prompt with history and editing on a terminal, else stdin line by line."""
    if not sys.stdin.isatty():
        for line in sys.stdin:
            yield line.rstrip("\n")
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    session: PromptSession[str] = PromptSession(history=FileHistory(str(history)))
    while True:
        try:
            yield session.prompt("you> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def command(talk: Conversation, services: Services, line: str) -> bool:
    """Run one slash command; False to leave."""
    out = stdout()
    name, _, arg = line[1:].partition(" ")
    arg = arg.strip()
    if name in ("quit", "exit", "q"):
        return False
    if name == "help":
        out.print(HELP, markup=False, highlight=False)
    elif name == "sources":
        last = talk.last
        if last is None or not last.citations:
            out.print("No sources yet.")
        for c in last.citations if last else []:
            out.print(f"[{c['n']}] {c['title']} — {c['url']}", markup=False, highlight=False, soft_wrap=True)
    elif name == "suggest":
        if not arg:
            out.print("usage: /suggest URL")
        else:
            print_answer(talk.ask(f"Which pages should link to {arg}?", use_llm=False))
    elif name == "audit":
        print_answer(talk.ask("What are the audit's most severe problems?", use_llm=False))
    elif name == "plan":
        if not arg:
            out.print("usage: /plan FILE (.md, .csv, .json or .html)")
        else:
            from assistant.app.plan import write_plans

            try:
                with progress_bar(transient=True) as bar:
                    result = write_plans(services, [Path(arg)], step=bar.step)
            except (UserError, OSError, ValueError) as exc:
                out.print(f"error: {exc}", markup=False)
            else:
                out.print(f"wrote {arg}: {len(result.tasks)} tasks", markup=False)
    else:
        out.print(f"unknown command /{name}: try /help", markup=False)
    return True


def save(path: Path, answer: Answer) -> None:
    record = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "question": answer.question,
              **answer.as_dict(), "stopped": answer.stopped}
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


@friendly
def chat(
    ctx: typer.Context,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="let the model phrase the answers")] = True,
) -> None:
    """Chat with the assistant about the site's links (Ctrl-C stops an answer, Ctrl-D leaves)."""
    from assistant.chain.warm import Warmup

    services = state(ctx).services()
    from assistant.tools import Toolbox

    talk = conversation(services, llm, Toolbox.for_conversation(services, llm))
    warm = Warmup(talk.ws, (lambda: services.llm) if llm else None).start()
    out = stdout()
    interactive = sys.stdin.isatty()
    if interactive:
        out.print("[bold]link-assistant chat[/bold] — /help for commands, Ctrl-D to leave.")
    services.workspace.mkdir(parents=True, exist_ok=True)
    transcript = services.workspace / "chat.jsonl"
    loading = "loading the model…" if llm else "loading the site's indexes…"
    try:
        for line in lines(services.workspace / "chat_history"):
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                if not command(talk, services, line):
                    break
                continue
            if not interactive:
                out.print(f"you> {line}", markup=False, highlight=False)
            warm.wait(lambda: out.print(f"[dim]({loading})[/dim]"))
            save(transcript, run_streaming(talk, line))
            out.print()
    finally:
        warm.cancel()
