"""The ``local`` provider's chat model: the llama.cpp server the tool starts itself (:mod:`assistant.llm.local`),
spoken to through the OpenAI-compatible client of :mod:`assistant.llm.endpoint`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr, SecretStr

from assistant.llm.errors import LLMError
from assistant.llm.model import model_path

if TYPE_CHECKING:
    from assistant.llm.endpoint import OpenAIChatModel
    from assistant.llm.local import Endpoint
    from assistant.settings import LLMSettings

LOCAL_TIMEOUT = 900.0      # seconds between two pieces of a local answer (a loaded 2-core machine is slow)


def build(settings: LLMSettings) -> BaseChatModel:
    """The packaged or configured GGUF, served by llama.cpp's server on loopback."""
    path = model_path(settings.model_path)
    return LocalChatModel(model_path=str(path), context_tokens=settings.context_tokens, threads=settings.threads,
                          temperature=settings.temperature, max_tokens=settings.max_tokens)


class LocalChatModel(BaseChatModel):
    """The local model: the endpoint the tool starts itself, loaded once per process and shared by every instance.

    The model loads on first use, or in the background from :meth:`start` (chat and Slack warm-up). The server
    answers one request at a time (others queue) and keeps the evaluated prompt, so a call that shares a prefix
    with the previous one (the same system prompt, a longer conversation) only evaluates the rest. Closing a
    stream closes its HTTP response, and the server stops generating.
    """

    model_path: str
    context_tokens: int = 4096
    threads: int = 0
    temperature: float = 0.2
    max_tokens: int = 400
    _client: OpenAIChatModel | None = PrivateAttr(default=None)
    _client_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-server"

    @property
    def where(self) -> str:
        return f"local model {Path(self.model_path).name}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "context_tokens": self.context_tokens,
                "temperature": self.temperature, "max_tokens": self.max_tokens}

    def start(self) -> None:
        """Begin loading the model in its server (returns at once)."""
        from assistant.llm.local import server

        server(self.model_path, self.context_tokens, self.threads)

    def endpoint(self, cancelled: threading.Event | None = None) -> Endpoint:
        """The loaded model's endpoint (waits for the load; LLMError when it fails)."""
        from assistant.llm.local import endpoint

        return endpoint(self.model_path, self.context_tokens, self.threads, cancelled)

    def client(self) -> OpenAIChatModel:
        """The OpenAI-compatible client of the running server (a new one if the server was restarted)."""
        self.start()
        from assistant.llm.endpoint import OpenAIChatModel  # 1-2 s of imports while the server loads

        at = self.endpoint()
        with self._client_lock:
            if self._client is None or self._client.openai_api_base != at.url:
                self._client = OpenAIChatModel(
                    base_url=at.url, model=at.model, api_key=SecretStr(at.key), timeout=LOCAL_TIMEOUT, max_retries=0,
                    max_completion_tokens=self.max_tokens, temperature=self.temperature, compat=True,
                    use_responses_api=False, label=self.where)
            return self._client

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        try:
            return self.client()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        except LLMError as exc:
            raise self._explained(exc) from None

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        try:
            # closing this generator closes the client's, which closes the HTTP response
            yield from self.client()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
        except LLMError as exc:
            raise self._explained(exc) from None

    def _explained(self, exc: LLMError) -> LLMError:
        """The client's error, with why the server is gone or which setting to raise."""
        from assistant.llm.local import exit_reason

        reason = exit_reason(self.model_path, self.context_tokens, self.threads)
        if reason:
            return LLMError(f"{self.where} failed: {reason}")
        if "context size" in str(exc):
            return LLMError(f"{exc} ([llm] context_tokens)")
        return exc
