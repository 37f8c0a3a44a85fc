"""The chain behind `ask`, `chat` and the Slack bot (langchain LCEL):

question → :func:`~assistant.chain.intent.route` → :func:`~assistant.chain.facts.gather` (the engines) →
``prompts/ask.md`` → the LLM → :func:`~assistant.chain.guard.check` → :class:`Answer` with numbered citations.

The model phrases a short lead; the engines' own list (suggestions, findings) follows it verbatim, so an
answer is complete and correct even when the model is weak, slow, absent (``use_llm=False``) or fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.chain.facts import Facts, Workspace, gather
from assistant.chain.guard import check, cited, tidy
from assistant.chain.intent import Intent, route
from assistant.llm import LLMError
from assistant.llm.prompts import load

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

    from assistant.chain.tools import ToolCall, ToolSet

MAX_TOKENS = 120
# intents whose engine list is the substance of the answer: it follows the model's lead verbatim
LISTED = {Intent.link_to, Intent.link_from, Intent.audit, Intent.follow_up, Intent.outreach, Intent.traffic}
# The engines resolve follow-ups ("the second one") from the last answer's facts; the model sees the last
# exchange only where the question is conversational, so other prompts stay short (first token ≤ 2 s).
CONVERSATIONAL = {Intent.follow_up, Intent.general, Intent.page}
HISTORY_CHARS = 200
# with [llm] tools, a capable model answers these by calling the tools (chain/tools.py): no fixed pattern placed
# the question (general), or only the page it names was found (page facts); the listed intents keep their engines
TOOL_INTENTS = {Intent.general, Intent.page}


@dataclass
class Answer:
    question: str
    answer: str
    intent: Intent
    citations: list[dict[str, Any]] = field(default_factory=list)
    facts: Facts | None = None
    problems: list[str] = field(default_factory=list)
    stopped: bool = False
    lead: str = ""            # the model's guarded lead alone ("" without one): the part the engines did not write
    tool_calls: list[dict[str, Any]] = field(default_factory=list)     # the model's tool calls ([llm] tools)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"answer": self.answer, "citations": self.citations, "intent": str(self.intent)}
        if self.facts is not None and self.facts.suggestions:
            out["suggestions"] = [s.as_dict() for s in self.facts.suggestions]
        if self.facts is not None and self.facts.findings:
            out["findings"] = [f.as_dict() for f in self.facts.findings]
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        return out


def ask_chain(llm: BaseChatModel, max_tokens: int = MAX_TOKENS) -> Runnable[dict[str, Any], str]:
    """prompt (``prompts/ask.md``, strict variables, earlier turns between system and user) | llm | text."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.runnables import RunnableLambda

    prompt = load("ask")

    def messages(inp: dict[str, Any]) -> list[tuple[str, str]]:
        system, user = prompt.render(question=inp["question"], facts=inp["facts"], passages=inp["passages"])
        return [("system", system), *inp.get("history", []), ("human", user)]

    return RunnableLambda(messages) | llm.bind(max_tokens=max_tokens) | StrOutputParser()


class Conversation:
    """Questions over one workspace, keeping the context follow-ups need ("and the second one?")."""

    def __init__(self, workspace: Workspace, llm: Callable[[], BaseChatModel] | None,
                 max_tokens: int = MAX_TOKENS, tools: ToolSet | None = None) -> None:
        self.ws = workspace
        self.tools = tools                   # the model may call these (chain/tools.py) instead of the fixed lead
        self.on_tool_call: Callable[[ToolCall], None] | None = None
        self._calls: list[ToolCall] = []
        self._llm = llm
        self.max_tokens = max_tokens
        self.turns: list[Answer] = []
        self._chain: Runnable[dict[str, Any], str] | None = None
        self._pending: tuple[str, Facts, list[str]] = ("", Facts(Intent.general), [])

    @property
    def last(self) -> Answer | None:
        return self.turns[-1] if self.turns else None

    def chain(self) -> Runnable[dict[str, Any], str] | None:
        if self._llm is None:
            return None
        if self._chain is None:
            self._chain = ask_chain(self._llm(), self.max_tokens)
        return self._chain

    def prepare(self, question: str) -> Facts:
        previous = self.last.facts if self.last is not None else None
        r = route(question, self.ws.refs, has_previous=bool(previous and previous.suggestions))
        return gather(self.ws, r, question, previous)

    def begin(self, question: str) -> Facts:
        """Run the engines for ``question`` (fast, deterministic); then :meth:`lead` and :meth:`finish`.

        The chat shows the engines' part (:attr:`Facts.fallback`) at once, while the model reads the facts."""
        facts = self.prepare(question)
        self._pending = (question, facts, [])
        return facts

    def lead(self, stop: threading.Event | None = None, use_llm: bool = True) -> Iterator[str]:
        """The model's lead for the question :meth:`begin` began, as it comes (nothing when the model is not
        used or has nothing to phrase)."""
        question, facts, pieces_so_far = self._pending
        self._calls = []
        if self.tools is not None and use_llm and self._llm is not None and facts.intent in TOOL_INTENTS:
            yield from self._tool_lead(question, facts, stop)
            return
        chain = self.chain() if use_llm else None
        if chain is None or facts.intent in (Intent.policy, Intent.outreach) or not facts.sheet:
            return
        inputs = {"question": question, "facts": "\n".join(facts.sheet),
                  "passages": "\n".join(facts.passages) or "(none)",
                  "history": self._history() if facts.intent in CONVERSATIONAL else []}
        pieces = chain.stream(inputs)
        try:
            for piece in pieces:
                if stop is not None and stop.is_set():
                    break
                pieces_so_far.append(piece)
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def stream(self, question: str, stop: threading.Event | None = None, use_llm: bool = True) -> Iterator[str]:
        """:meth:`begin` then :meth:`lead`; then :meth:`finish`."""
        self.begin(question)
        yield from self.lead(stop, use_llm)

    def finish(self, stopped: bool = False) -> Answer:
        """The guarded answer for the question :meth:`stream` began."""
        question, facts, pieces = self._pending
        lead, problems = self._guarded("".join(pieces), facts, question)
        body = facts.fallback
        # the engines' part follows the lead when it is the substance, or supplies the citations the lead lacks
        text = f"{lead}\n\n{body}" if lead and (facts.intent in LISTED or not cited(lead)) else lead or body
        numbers = cited(text)
        by_n = {s.n: s for s in facts.sources}
        citations = [{"n": n, "url": by_n[n].url, "title": by_n[n].title} for n in numbers if n in by_n]
        answer = Answer(question, text, facts.intent, citations, facts, problems, stopped, lead,
                        [c.as_dict() for c in self._calls])
        self.turns.append(answer)
        return answer

    def ask(self, question: str, stop: threading.Event | None = None, use_llm: bool = True) -> Answer:
        """Ask and wait for the whole answer (a failing model leaves the engines' answer, with the error
        among the answer's problems)."""
        try:
            for _ in self.stream(question, stop, use_llm):
                pass
        except LLMError as exc:
            answer = self.finish()
            answer.problems.append(str(exc))
            return answer
        return self.finish(stopped=bool(stop and stop.is_set()))

    def _tool_lead(self, question: str, facts: Facts, stop: threading.Event | None) -> Iterator[str]:
        """The model's answer after its tool calls (one piece; the calls go to :attr:`on_tool_call` as made)."""
        from assistant.chain.tools import run

        assert self.tools is not None and self._llm is not None

        def made(call: ToolCall) -> None:
            self._calls.append(call)
            if self.on_tool_call is not None:
                self.on_tool_call(call)

        loop = run(self._llm(), self.tools, question, facts, self._history(), made, stop)
        if loop.text:
            self._pending[2].append(loop.text)
            yield loop.text

    def _guarded(self, text: str, facts: Facts, question: str) -> tuple[str, list[str]]:
        text = tidy(text)
        if not text:
            return "", []
        known = set(self.ws.data.pages)
        evidence = [s.text for s in facts.sources] + facts.sheet + [question]
        checked = check(text, {s.n: s.url for s in facts.sources}, known, evidence,
                        titles={s.n: s.title for s in facts.sources})
        return checked.text, checked.problems

    def _history(self) -> list[tuple[str, str]]:
        if not self.turns:
            return []
        turn = self.turns[-1]
        return [("human", turn.question), ("ai", turn.answer[:HISTORY_CHARS])]
