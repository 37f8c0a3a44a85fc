"""The two chat-model providers behind :func:`build_llm`: llama.cpp in-process (here) and any OpenAI-compatible
endpoint (:mod:`assistant.llm.endpoint`, imported only when configured: the openai package is slow to import).

Both are langchain ``BaseChatModel`` s and raise :class:`~assistant.llm.LLMError` (one line, naming the model or
endpoint) for any provider failure. JSON output: pass ``response_format={"type": "json_object", "schema": {...}}``
as a call keyword or through ``.bind(...)``; llama.cpp (in-process or server) constrains generation to the schema.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import SecretStr

from assistant.llm import LLMError, first_line, guarded
from assistant.llm.model import model_path

if TYPE_CHECKING:
    from llama_cpp import Llama

    from assistant.settings import LLMSettings

_ROLES = {"system": "system", "human": "user", "ai": "assistant", "chat": "user"}
_SAMPLING = ("top_p", "top_k", "min_p", "seed", "repeat_penalty", "presence_penalty", "frequency_penalty")


def build_llm(settings: LLMSettings) -> BaseChatModel:
    """The chat model ``[llm]`` describes: ``local`` (llama.cpp in-process) or ``openai`` (an endpoint)."""
    if settings.provider == "local":
        path = model_path(settings.model_path)
        return LocalChatModel(model_path=str(path), context_tokens=settings.context_tokens, threads=settings.threads,
                              temperature=settings.temperature, max_tokens=settings.max_tokens)
    if settings.provider == "openai":
        key = os.environ.get("OPENAI_API_KEY", "")
        if not key and not settings.base_url:
            raise LLMError("[llm] provider 'openai' with no base_url needs OPENAI_API_KEY in the environment")
        from assistant.llm.endpoint import OpenAIChatModel

        return OpenAIChatModel(base_url=settings.base_url or None, model=settings.model,
                               api_key=SecretStr(key or "not-needed"), timeout=settings.timeout, max_retries=1,
                               max_completion_tokens=settings.max_tokens, temperature=settings.temperature,
                               compat=bool(settings.base_url),
                               use_responses_api=False if settings.base_url else None)
    raise LLMError(f"[llm] provider {settings.provider!r} is not one of: local, openai")


def describe(llm: BaseChatModel) -> str:
    """A short name for messages: the model and where it runs."""
    return str(getattr(llm, "where", type(llm).__name__))


# --- local: llama.cpp in-process -------------------------------------------------------------------------------


@dataclass
class _Loaded:
    """One llama.cpp model and the lock that serialises generations on it (one context, one sequence)."""

    llama: Llama
    lock: threading.Lock = field(default_factory=threading.Lock)
    owner: int | None = None


_models: dict[tuple[str, int, int], _Loaded] = {}
_models_lock = threading.Lock()


def cpu_threads(configured: int = 0) -> int:
    """``configured`` or the CPUs this process may run on (llama.cpp's own default is half the cores)."""
    if configured:
        return configured
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _openmp_wait_policy(threads: int) -> None:
    """How llama.cpp's OpenMP threads wait for each other (read once, when llama_cpp is first imported).

    libgomp's default spins ~300k rounds at every barrier; on a busy machine the spinning thread holds the core
    its partner needs and generation drops from 24 to under 1 token/s (2 cores). Spinning 10k rounds keeps the
    idle speed; when the machine is already loaded, not spinning at all (PASSIVE) degrades best (5 vs 2 tokens/s
    with six busy processes; idle it costs a third of the generation speed). The user's own settings win.
    """
    if "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ:
        return
    try:
        busy = os.getloadavg()[0] >= threads
    except (AttributeError, OSError):  # no load average (Windows)
        busy = False
    if busy:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    else:
        os.environ["GOMP_SPINCOUNT"] = "10000"


def _load(path: str, n_ctx: int, threads: int) -> _Loaded:
    key = (path, n_ctx, threads)
    with _models_lock:
        if key not in _models:
            _openmp_wait_policy(threads)
            from llama_cpp import Llama

            try:
                llama = Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                              verbose=False)
            except Exception as exc:  # llama.cpp raises ValueError("Failed to load model from file: …")
                raise LLMError(f"cannot load the local model {path}: {first_line(exc)}") from None
            if not _models:
                atexit.register(_close_all)
            _models[key] = _Loaded(llama)
        return _models[key]


def _close_all() -> None:
    """Free the models while the interpreter is intact (llama.cpp's __del__ at shutdown prints a traceback)."""
    with _models_lock:
        for loaded in _models.values():
            if loaded.lock.acquire(blocking=False):  # never free a model a daemon thread is still using
                loaded.llama.close()
        _models.clear()


class LocalChatModel(BaseChatModel):
    """A chat model on one in-process ``llama_cpp.Llama``, loaded once per process and shared by all instances.

    Generations on a model are serialised by a lock; a second generation started by the thread that is still
    streaming one raises LLMError instead of deadlocking. llama.cpp keeps the evaluated prompt, so a call that
    shares a prefix with the previous one (same system prompt, a longer conversation) only evaluates the rest.
    """

    model_path: str
    context_tokens: int = 4096
    threads: int = 0
    temperature: float = 0.2
    max_tokens: int = 400

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def where(self) -> str:
        return f"local model {Path(self.model_path).name}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "context_tokens": self.context_tokens,
                "temperature": self.temperature, "max_tokens": self.max_tokens}

    def loaded(self) -> _Loaded:
        """The shared llama.cpp model for this path and context size (loaded on first use)."""
        return _load(self.model_path, self.context_tokens, cpu_threads(self.threads))

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "messages": [_message_dict(m) for m in messages],
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens") or self.max_tokens,
            "stop": stop or kwargs.get("stop") or [],
        }
        request.update({k: kwargs[k] for k in _SAMPLING if k in kwargs})
        if fmt := kwargs.get("response_format"):
            request["response_format"] = _llama_format(fmt)
        return request

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        request = self._request(messages, stop, kwargs)
        with self._generating() as llama:
            try:
                out = cast(dict[str, Any], llama.create_chat_completion(**request))
            except Exception as exc:
                raise self._error(exc) from None
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        message = AIMessage(content=choice["message"].get("content") or "", usage_metadata={
            "input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0),
            "total_tokens": usage.get("total_tokens", 0)})
        return ChatResult(generations=[ChatGeneration(message=message, generation_info={
            "finish_reason": choice.get("finish_reason"), "model_name": Path(self.model_path).stem})])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs)
        with self._generating() as llama:
            try:
                chunks = cast(Iterator[dict[str, Any]], llama.create_chat_completion(**request, stream=True))
            except Exception as exc:
                raise self._error(exc) from None
            # closed before the lock is released, which frees llama.cpp's generator now
            with closing(guarded(chunks, self._error)) as pieces:
                for chunk in pieces:
                    choice = chunk["choices"][0]
                    text = choice["delta"].get("content") or ""
                    finish = choice.get("finish_reason")
                    if not text and not finish:
                        continue
                    piece = ChatGenerationChunk(message=AIMessageChunk(content=text),
                                                generation_info={"finish_reason": finish} if finish else None)
                    if run_manager and text:
                        run_manager.on_llm_new_token(text, chunk=piece)
                    yield piece

    def _generating(self) -> _Generating:
        return _Generating(self.loaded(), self.model_path)

    def _error(self, exc: Exception) -> LLMError:
        if isinstance(exc, LLMError):
            return exc
        hint = " ([llm] context_tokens)" if "context window" in str(exc) else ""
        return LLMError(f"{self.where} failed: {first_line(exc)}{hint}")


class _Generating:
    """Holds a model's lock for one generation; refuses re-entry from the thread that already holds it."""

    def __init__(self, loaded: _Loaded, path: str) -> None:
        self.loaded, self.path = loaded, path

    def __enter__(self) -> Llama:
        if self.loaded.owner == threading.get_ident():
            raise LLMError(f"local model {Path(self.path).name} is already generating in this thread "
                           "(finish or close the running stream first)")
        self.loaded.lock.acquire()
        self.loaded.owner = threading.get_ident()
        return self.loaded.llama

    def __exit__(self, *exc: object) -> None:
        self.loaded.owner = None
        self.loaded.lock.release()


def _message_dict(message: BaseMessage) -> dict[str, str]:
    role = _ROLES.get(message.type)
    if role is None:
        raise LLMError(f"the local model takes system, user and assistant messages, not {message.type!r}")
    return {"role": role, "content": str(message.text)}


def _llama_format(fmt: Any) -> dict[str, Any]:
    """llama.cpp's response_format: json_object (+ schema); OpenAI's json_schema form is translated."""
    if not isinstance(fmt, dict) or fmt.get("type") not in ("json_object", "json_schema", "text"):
        raise LLMError(f"unsupported response_format {fmt!r}: use {{'type': 'json_object', 'schema': {{…}}}}")
    if fmt["type"] == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        return {"type": "json_object", **({"schema": schema} if schema else {})}
    return cast(dict[str, Any], fmt)
