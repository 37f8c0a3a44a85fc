"""One answer on the terminal, as `ask` and `chat` show it.

The engines answer first and at once: for a list question (link-to, link-from, audit, follow-up) their list is
printed as soon as it is ready, while the model is still reading the facts. The model's lead then streams
into a live region below it, and when it ends the region is replaced by the guarded lead: the reader sees one
answer, never a lead and then its correction. Off a terminal only the final text is printed (soft-wrapped, as
every answer line).
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING

from assistant.cli.output import stdout

if TYPE_CHECKING:
    from rich.live import Live

    from assistant.chain.answer import Answer, Conversation
    from assistant.chain.facts import Facts


def print_citations(answer: Answer) -> None:
    out = stdout()
    if answer.citations:
        out.print()
        for c in answer.citations:
            out.print(f"[{c['n']}] {c['title']} — {c['url']}", markup=False, highlight=False, soft_wrap=True)


def print_answer(answer: Answer) -> None:
    """A finished answer (no model streaming) and its sources."""
    stdout().print(answer.answer, markup=False, highlight=False, soft_wrap=True)
    print_citations(answer)


def run_streaming(talk: Conversation, question: str, use_llm: bool = True) -> Answer:
    """Ask, show the engines' list at once and the model's lead as it comes; Ctrl-C stops the lead (the
    answer then ends with what the guard keeps of it)."""
    from rich.live import Live
    from rich.text import Text

    from assistant.chain.answer import LISTED
    from assistant.chain.facts import Facts
    from assistant.chain.tools import ToolCall

    out = stdout()
    stop = threading.Event()
    items: queue.Queue[Facts | str | ToolCall | BaseException | None] = queue.Queue()
    talk.on_tool_call = items.put          # the model's tool calls ([llm] tools), shown as they are made

    def work() -> None:
        try:
            items.put(talk.begin(question))
            for piece in talk.lead(stop, use_llm):
                items.put(piece)
        except BaseException as exc:
            items.put(exc)
        items.put(None)

    worker = threading.Thread(target=work, daemon=True, name="answer")
    worker.start()
    facts: Facts | None = None
    live: Live | None = None
    shown: list[str] = []
    error: BaseException | None = None
    while True:
        try:
            item = items.get()
        except KeyboardInterrupt:
            stop.set()
            out.print("[dim][stopped][/dim]")
            continue
        if item is None:
            break
        if isinstance(item, BaseException):
            error = item
        elif isinstance(item, ToolCall):
            out.print(f"  {item.line}", style="dim", markup=False, highlight=False, soft_wrap=True)
        elif isinstance(item, Facts):
            facts = item
            if facts.intent in LISTED:
                out.print(facts.fallback, markup=False, highlight=False, soft_wrap=True)
            if out.is_terminal:
                live = Live(Text(""), console=out, auto_refresh=False, vertical_overflow="visible")
                live.start()
        elif live is not None:
            shown.append(item)
            live.update(Text("".join(shown)), refresh=True)
    worker.join()
    if facts is None:            # the engines failed: nothing was asked
        assert error is not None
        raise error
    answer = talk.finish(stopped=stop.is_set())
    final = answer.lead if facts.intent in LISTED else answer.answer
    final = ("\n" if final and facts.intent in LISTED else "") + final
    if live is not None:
        live.update(Text(final), refresh=True)
        live.stop()
    elif final:              # off a terminal: the final text once, unwrapped like every other answer line
        out.print(final, markup=False, highlight=False, soft_wrap=True)
    if error is not None:
        answer.problems.append(str(error))
        out.print(f"[dim](the model failed: {error}; the engines' answer stands)[/dim]")
    print_citations(answer)
    return answer
