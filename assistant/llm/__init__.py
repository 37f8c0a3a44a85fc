"""The LLM layer: one provider seam (:func:`build_llm`, built in services), prompt templates, guards.

The helpers here are what the engines call: :func:`complete_text`, :func:`complete_json` (structured output
constrained by a JSON schema) and :func:`stream_text` (pieces as they come, stoppable). Every provider failure is an
:class:`LLMError` with a one-line message. langchain and the model's client are imported, and the local model
started, on first use, so commands that never ask the model start fast.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.llm.errors import LLMError, first_line, guarded

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from assistant.settings import LLMSettings

__all__ = ["LLMError", "build_llm", "complete_json", "complete_text", "first_line", "guarded", "schema_problem",
           "stream_text"]


def build_llm(settings: LLMSettings) -> BaseChatModel:
    """The chat model ``[llm]`` describes (``local``: the packaged or configured GGUF; ``openai``: an endpoint)."""
    from assistant.llm.providers import build_llm as build

    return build(settings)


def complete_text(llm: BaseChatModel, system: str, user: str, *, max_tokens: int = 300) -> str:
    """The model's answer to one system + user exchange, stripped."""
    return str(_invoke(llm, [("system", system), ("user", user)], max_tokens=max_tokens).text).strip()


def complete_json(llm: BaseChatModel, system: str, user: str, schema: dict[str, Any], *,
                  max_tokens: int = 300) -> dict[str, Any]:
    """A JSON object matching ``schema``'s top level (required keys, property types); one retry, else LLMError.

    The schema goes to the provider as ``response_format={"type": "json_object", "schema": schema}``, which
    llama.cpp's server (the local model's or another) enforces with a grammar; the reply is still parsed and
    checked here.
    """
    fmt = {"type": "json_object", "schema": schema}
    messages = [("system", system), ("user", user)]
    problem = ""
    for _attempt in range(2):
        reply = _invoke(llm, messages, max_tokens=max_tokens, response_format=fmt)
        text = str(reply.text).strip()
        try:
            data = json.loads(text)
        except ValueError as exc:
            problem = f"not JSON ({exc})"
        else:
            problem = schema_problem(data, schema)
            if not problem:
                return dict(data)
        if reply.response_metadata.get("finish_reason") == "length":
            problem += f", cut off at max_tokens={max_tokens}"
        messages = [("system", system), ("user", f"{user}\n\nReply with one JSON object only; "
                                                  f"the previous reply was invalid: {problem}.")]
    raise LLMError(f"{_describe(llm)} returned invalid JSON twice: {problem}")


def stream_text(llm: BaseChatModel, messages: list[tuple[str, str]], *, max_tokens: int = 300,
                stop: threading.Event | None = None) -> Iterator[str]:
    """Text pieces as the model produces them; ends early, freeing the generation, once ``stop`` is set.

    ``messages`` are (role, content) with role system, user or assistant. ``stop`` is checked between pieces
    (the model still finishes reading the prompt before its first piece).
    """
    if stop is not None and stop.is_set():
        return
    chunks = guarded(llm.stream(_messages(messages), max_tokens=max_tokens),
                     lambda exc: LLMError(f"{_describe(llm)} failed: {first_line(exc)}"))
    try:
        while stop is None or not stop.is_set():
            chunk = next(chunks, None)
            if chunk is None:
                return
            if text := str(chunk.text):
                yield text
    finally:
        chunks.close()


def schema_problem(data: Any, schema: dict[str, Any]) -> str:
    """What is wrong with ``data`` against the top level of ``schema`` ('' if nothing): object, required, types."""
    if not isinstance(data, dict):
        return f"expected a JSON object, got {type(data).__name__}"
    missing = [k for k in schema.get("required", []) if k not in data]
    if missing:
        return f"missing required keys {missing}"
    for key, spec in (schema.get("properties") or {}).items():
        if key in data and isinstance(spec, dict) and "type" in spec and not _has_type(data[key], spec["type"]):
            return f"{key!r} should be {spec['type']}, got {type(data[key]).__name__}"
    return ""


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}


def _has_type(value: Any, expected: str | list[str]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    for name in names:
        if isinstance(value, bool) and name in ("integer", "number"):
            continue
        if name == "integer" and isinstance(value, float) and value.is_integer():
            return True
        if isinstance(value, _JSON_TYPES.get(name, object)):
            return True
    return False


def _messages(pairs: list[tuple[str, str]]) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    out: list[BaseMessage] = []
    for role, content in pairs:
        if role not in kinds:
            raise LLMError(f"message role {role!r} is not one of: system, user, assistant")
        out.append(kinds[role](content=content))
    return out


def _invoke(llm: BaseChatModel, pairs: list[tuple[str, str]], **kwargs: Any) -> BaseMessage:
    try:
        return llm.invoke(_messages(pairs), **kwargs)
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(f"{_describe(llm)} failed: {first_line(exc)}") from None


def _describe(llm: BaseChatModel) -> str:
    from assistant.llm.providers import describe

    return describe(llm)
