"""The ``openai`` provider: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp's server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import openai
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.llm.errors import LLMError, first_line, guarded

if TYPE_CHECKING:
    from assistant.settings import LLMSettings

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
# llama.cpp server's own request fields (no OpenAI client argument): sent in the body as they are
LLAMA_FIELDS = ("top_k", "min_p", "repeat_penalty", "cache_prompt", "n_probs", "json_schema", "grammar", "id_slot")


class OpenAIChatModel(ChatOpenAI):
    """``ChatOpenAI`` whose failures are LLMError s, speaking each endpoint's dialect.

    ``compat`` (a non-OpenAI server at ``base_url``): send ``max_tokens``, not ``max_completion_tokens`` (which
    llama.cpp's server ignores, so answers would run to the end of the context), and pass
    ``{"type": "json_object", "schema": …}`` as it is (that server rejects ``json_schema``). OpenAI itself gets
    that response_format as ``json_schema``, and llama.cpp's own fields (``top_k``, ``cache_prompt``, …) go in
    the request body. ``label`` names the model in error messages instead of its name and URL.
    """

    compat: bool = False
    label: str = ""

    @property
    def where(self) -> str:
        return self.label or f"model {self.model_name!r} at {self.openai_api_base or OPENAI_DEFAULT_URL}"

    def _get_request_payload(self, input_: LanguageModelInput, *, stop: list[str] | None = None,
                             **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        fmt = payload.get("response_format")
        if self.compat:
            if "max_completion_tokens" in payload:
                payload["max_tokens"] = payload.pop("max_completion_tokens")
            extra = {k: payload.pop(k) for k in LLAMA_FIELDS if k in payload}
            if extra:
                payload["extra_body"] = {**(payload.get("extra_body") or {}), **extra}
        elif isinstance(fmt, dict) and fmt.get("type") == "json_object" and "schema" in fmt:
            payload["response_format"] = {"type": "json_schema",
                                          "json_schema": {"name": "reply", "schema": fmt["schema"], "strict": False}}
        return payload

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        try:
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        except Exception as exc:
            raise self._error(exc) from None

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        # closing the generation closes the HTTP response, so the server stops generating
        yield from guarded(super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs), self._error)

    def _error(self, exc: Exception) -> LLMError:
        where = self.where
        if isinstance(exc, LLMError):
            return exc
        if isinstance(exc, openai.APITimeoutError):
            hint = "" if self.label else " ([llm] timeout)"
            return LLMError(f"{where} did not answer within {self.request_timeout} s{hint}")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach {where}: {first_line(exc.__cause__ or exc)}")
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"{where} rejected the API key (OPENAI_API_KEY)")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"{where} answered HTTP {exc.status_code}: {first_line(Exception(exc.message))}")
        return LLMError(f"{where} failed: {first_line(exc)}")


def build(settings: LLMSettings, key: str) -> OpenAIChatModel:
    """The ``openai`` provider's model: ``[llm] base_url`` (a compatible server) or OpenAI itself with ``key``."""
    return OpenAIChatModel(base_url=settings.base_url or None, model=settings.model,
                           api_key=SecretStr(key or "not-needed"), timeout=settings.timeout, max_retries=1,
                           max_completion_tokens=settings.max_tokens, temperature=settings.temperature,
                           compat=bool(settings.base_url),
                           use_responses_api=False if settings.base_url else None)
