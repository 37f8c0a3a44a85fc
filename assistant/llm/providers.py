"""The chat-model providers behind :func:`build_llm`, as a table (:data:`PROVIDERS`), one code path: every model
is an OpenAI-compatible endpoint (:mod:`assistant.llm.endpoint`). ``local`` is the one the tool starts itself:
llama.cpp's server on loopback, run by xllamacpp (:mod:`assistant.llm.local`; its chat model is
:mod:`assistant.llm.local_model`); ``openai`` is any other (OpenAI, Ollama, vLLM, a llama.cpp server).

Both are langchain ``BaseChatModel`` s and raise :class:`~assistant.llm.LLMError` (one line, naming the model or
endpoint) for any provider failure. JSON output: pass ``response_format={"type": "json_object", "schema": {...}}``
as a call keyword or through ``.bind(...)``; llama.cpp's server constrains generation to the schema.

The table's rows are :data:`assistant.llmnames.PROVIDERS`'s names, below the settings, which allow exactly those as
``[llm] provider``; a name without a builder here fails on import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.llm.errors import LLMError
from assistant.llmnames import PROVIDERS as NAMES
from assistant.secrets import openai_key

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import LLMSettings

__all__ = ["PROVIDERS", "Provider", "build_llm", "describe"]


@dataclass(frozen=True)
class Provider:
    build: Callable[[LLMSettings], BaseChatModel]
    help: str


def _local(settings: LLMSettings) -> BaseChatModel:
    from assistant.llm.local_model import build

    return build(settings)


def _openai(settings: LLMSettings) -> BaseChatModel:
    key = openai_key()
    if not key and not settings.base_url:
        raise LLMError("[llm] provider 'openai' with no base_url needs OPENAI_API_KEY in the environment")
    from assistant.llm.endpoint import build

    return build(settings, key)


_BUILDERS: dict[str, Callable[[LLMSettings], BaseChatModel]] = {"local": _local, "openai": _openai}
PROVIDERS: dict[str, Provider] = {name: Provider(_BUILDERS[name], text) for name, text in NAMES.items()}


def build_llm(settings: LLMSettings) -> BaseChatModel:
    """The chat model ``[llm]`` describes: ``local`` (the packaged or configured GGUF) or ``openai`` (an endpoint)."""
    provider = PROVIDERS.get(settings.provider)
    if provider is None:
        raise LLMError(f"[llm] provider {settings.provider!r} is not one of: {', '.join(PROVIDERS)}")
    return provider.build(settings)


def describe(llm: BaseChatModel) -> str:
    """A short name for messages: the model and where it runs."""
    return str(getattr(llm, "where", type(llm).__name__))
