"""Chat with tool calls: a capable model calls the engines' tools (:mod:`assistant.tools`) to answer.

With ``[llm] tools = "auto"`` and a model behind an OpenAI-compatible endpoint (``provider = "openai"``), ``ask``
and ``chat`` let the model call the read-only tools through the OpenAI tools API (langchain's ``bind_tools``) for
a question outside the fixed intents (the router's ``general``, or ``page facts`` when it only found the page a
question names: "compare the internal links of /a/ and /b/"), where the router alone would retrieve passages or
describe one page; the listed intents keep their engines' answer and lead. At most :data:`MAX_CALLS` calls per
question, then the model must answer. The tools still decide (the suggestion engine, the rules, the graph); the
model picks which to call and phrases their records. Each result reaches the model with its workspace pages
numbered as the answer's sources ([n], continuing the routed facts' numbering), and the records join the
evidence, so the guard checks the final answer as it checks every answer: citations name sources, URLs are
workspace pages, quoted phrases exist, no paid-link or anchor-stuffing advice.

The local 0.5B model keeps the deterministic router (``auto`` is off for ``provider = "local"``): on
``bench/tool_calls.py``'s ten questions it made no tool call through the API (0 of 10); it wrote a call as JSON
text instead every time, naming a right tool in 2 of 10, with invented arguments ("type", a made-up URL).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from assistant.llm.prompts import load

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from assistant.chain.facts import Facts
    from assistant.settings import LLMSettings
    from assistant.suggest import SiteData

MAX_CALLS = 6
RESULT_CHARS = 4000         # one tool result as the model reads it (a long audit is cut, the records say so)
RECORDS = 12                # records of a list result shown to the model


class ToolError(Exception):
    """A call the tool cannot answer (unknown page, no workspace, bad argument): one sentence for the caller."""


class ToolSpec(Protocol):
    """One tool as the loop offers it to the model (:class:`assistant.tools.Tool` is one)."""

    @property
    def read_only(self) -> bool: ...

    @property
    def fetches(self) -> bool: ...

    def openai(self) -> dict[str, Any]: ...


class ToolSet(Protocol):
    """What the loop needs of the tools (:class:`assistant.tools.Toolbox` is one; the tools, above the engines, use
    the use cases, so the chain names this protocol and the surface hands the toolbox in)."""

    def tools(self) -> Sequence[ToolSpec]: ...

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """The tool's records in their provenance; raises :class:`ToolError` for a call the model can mend."""
        ...

    def overview(self) -> dict[str, dict[str, Any]]: ...

    def site(self) -> SiteData: ...


def enabled(settings: LLMSettings) -> bool:
    """Whether questions go through the tool loop: ``auto`` = an endpoint (``openai``), not the local 0.5B model."""
    return settings.tools == "on" or (settings.tools == "auto" and settings.provider == "openai")


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    ok: bool
    note: str                   # "5 records" or the tool error's sentence
    result: Any = None

    @property
    def line(self) -> str:
        """One line for the chat: ``suggest(target='/x/') → 5 records``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        return f"{self.name}({args}) → {self.note}"

    def as_dict(self) -> dict[str, Any]:
        return {"tool": self.name, "arguments": self.arguments, "ok": self.ok, "note": self.note,
                "result": self.result}


@dataclass
class Loop:
    """One question's tool loop: the calls made, and the model's final text (unguarded)."""

    calls: list[ToolCall] = field(default_factory=list)
    text: str = ""


def bound(llm: BaseChatModel, box: ToolSet) -> Any:
    """``llm`` with the read-only tools bound (``bind_tools`` where the model class has it, else the same
    OpenAI ``tools`` list as a call keyword)."""
    specs = [t.openai() for t in box.tools() if t.read_only and not t.fetches]
    try:
        return llm.bind_tools(specs)
    except NotImplementedError:         # a wrapper model (the local one) forwards keywords to its client
        return llm.bind(tools=specs)


def run(llm: BaseChatModel, box: ToolSet, question: str, facts: Facts, history: list[tuple[str, str]] | None = None,
        on_call: Callable[[ToolCall], None] | None = None, stop: threading.Event | None = None,
        max_tokens: int = 300) -> Loop:
    """Let the model call tools (at most :data:`MAX_CALLS`), then answer. Pages the results name become
    ``facts``' sources and the results its evidence, for the guard."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    system, user = load("ask_tools").render(question=question, facts="\n".join(facts.sheet) or "(nothing)",
                                            passages="\n".join(facts.passages) or "(none)")
    messages: list[BaseMessage] = [SystemMessage(system)]
    messages += [HumanMessage(t) if role == "human" else AIMessage(t) for role, t in history or []]
    messages.append(HumanMessage(user))
    model = bound(llm, box).bind(max_tokens=max_tokens)
    loop = Loop()
    while not (stop is not None and stop.is_set()):
        final = len(loop.calls) >= MAX_CALLS          # the limit reached: the model answers without tools
        reply = (llm.bind(max_tokens=max_tokens) if final else model).invoke(messages)
        wanted = [] if final else list(getattr(reply, "tool_calls", []) or [])
        if not wanted:
            loop.text = str(reply.text).strip()
            break
        messages.append(reply)
        for want in wanted:
            ref = want.get("id") or want["name"]
            if len(loop.calls) >= MAX_CALLS:
                messages.append(ToolMessage("not run: the limit of tool calls for one question is reached",
                                            tool_call_id=ref))
                continue
            call = _call(box, want["name"], dict(want.get("args") or {}))
            loop.calls.append(call)
            if on_call is not None:
                on_call(call)
            messages.append(ToolMessage(_for_model(box, call, facts), tool_call_id=ref))
    return loop


def _call(box: ToolSet, name: str, arguments: dict[str, Any]) -> ToolCall:
    try:
        out = box.call(name, arguments)
    except ToolError as exc:
        return ToolCall(name, arguments, False, str(exc))
    result = out["result"]
    return ToolCall(name, arguments, True, f"{len(result)} records" if isinstance(result, list) else "1 record",
                    result)


def _for_model(box: ToolSet, call: ToolCall, facts: Facts) -> str:
    """What the model reads of a result: its workspace pages as numbered sources, then the records (cut to
    fit). The pages become ``facts``' sources (their text, for checking quotes) and the records its evidence."""
    if not call.ok:
        return f"error: {call.note}"
    result = call.result
    shown = result[:RECORDS] if isinstance(result, list) else result
    body = json.dumps(shown, ensure_ascii=False)
    facts.sheet.append(body)
    rows, texts = box.overview(), box.site().pages
    pages = []
    for url in dict.fromkeys(u for u in _urls(shown) if u in rows):
        page = texts.get(url)
        n = facts.cite(url, rows[url]["title"] or url, page.text if page is not None else "")
        pages.append(f"[{n}] {url}")
    more = f"\n({len(result) - RECORDS} more records not shown)" if isinstance(result, list) and \
        len(result) > RECORDS else ""
    return "Pages: " + ("; ".join(pages) or "none") + "\nRecords: " + body[:RESULT_CHARS] + more


def _urls(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _urls(v)
    elif isinstance(value, list):
        for v in value:
            yield from _urls(v)
