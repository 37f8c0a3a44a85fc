"""Warm start for the chat and the Slack bot: the model and the engines' indexes load in a background thread
while the user types the first question.

:class:`Warmup` starts the local model's server first (it loads in a process of its own, beside this one),
builds the workspace's indexes meanwhile (:meth:`~assistant.chain.facts.Workspace.warm`), then has the model
read the answer prompt's system part once, so the first question evaluates only its own part. A question
asked before the warm-up ends calls :meth:`Warmup.wait` (which says so, e.g. "loading the model…") and gets
the same answer as later: the warm-up never fails a question; what went wrong is logged, and the question
then meets the same error in its own load (the engines' answer still comes when the model fails).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from assistant.llm import LLMError, complete_text

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.chain.facts import Workspace

T = TypeVar("T")
log = logging.getLogger("assistant.warm")
PRIME_QUESTION = "Hello?"


class Warmup:
    """Loads ``llm()`` (when given) and the workspace's indexes in a daemon thread from :meth:`start`."""

    def __init__(self, ws: Workspace, llm: Callable[[], BaseChatModel] | None = None) -> None:
        self.ws = ws
        self.llm = llm
        self.problems: list[str] = []
        self.timings: dict[str, float] = {}
        self._cancelled = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Warmup:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="assistant-warmup")
            self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, notice: Callable[[], object] | None = None, timeout: float | None = None) -> bool:
        """Wait for the warm-up (calling ``notice`` first when it is still running); False on timeout."""
        if self._thread is None or self._done.is_set():
            return True
        if notice is not None:
            notice()
        return self._done.wait(timeout)

    def cancel(self, timeout: float = 10.0) -> None:
        """Stop after the build under way (the rest is built on demand) and wait for it up to ``timeout``."""
        self._cancelled.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _step(self, name: str, fn: Callable[[], T]) -> T | None:
        if self._cancelled.is_set():
            return None
        start = time.perf_counter()
        try:
            return fn()
        except Exception as exc:        # a question meets it again in its own load, and says so
            self.problems.append(f"{name}: {exc}")
            log.warning("warm-up: %s failed: %s", name, exc)
            return None
        finally:
            self.timings[name] = time.perf_counter() - start

    def _run(self) -> None:
        try:
            model = None
            if self.llm is not None:
                model = self._step("model", self._start_model)
            self._step("indexes", lambda: self.ws.warm(self._cancelled))
            if model is not None:
                self._step("prompt", lambda: self._prime(model))
        finally:
            self._done.set()

    def _start_model(self) -> BaseChatModel | None:
        assert self.llm is not None
        model = self.llm()
        start = getattr(model, "start", None)
        if start is None:               # a remote endpoint: nothing to load, no request to spend
            return None
        start()                         # the server loads in its own process while the indexes build here
        return model

    def _prime(self, model: BaseChatModel) -> None:
        """Wait for the model, then have it read the answer prompt's system part (kept in its prompt cache)."""
        from assistant.llm.prompts import load

        endpoint = getattr(model, "endpoint", None)
        if endpoint is not None:
            try:
                endpoint(self._cancelled)
            except LLMError:
                if self._cancelled.is_set():
                    return
                raise
        system, _user = load("ask").render(question=PRIME_QUESTION, facts="", passages="(none)")
        complete_text(model, system, PRIME_QUESTION, max_tokens=1)
