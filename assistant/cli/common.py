"""What every command shares: the CLI state (settings, services) and friendly errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer

from assistant.app import UserError as UserError  # raised by the use cases and the commands
from assistant.services import Services
from assistant.settings import ConfigError, Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class State:
    config: Path | None = None
    workspace: Path | None = None
    _services: Services | None = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        if self.workspace is not None:
            overrides.setdefault("workspace", self.workspace)
        return load_settings(self.config, **overrides)

    def services(self, **overrides: Any) -> Services:
        if self._services is None:
            self._services = Services(self.settings(**overrides))
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = State()
        ctx.find_root().obj = obj
    return obj


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Known failures become one line on stderr and exit status 2: never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except _known_errors() as exc:     # evaluated only when something was raised
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def _known_errors() -> tuple[type[Exception], ...]:
    """The failures :func:`friendly` reports in one line, imported only when one may have happened (the ingest
    sources' module alone costs a fifth of a second of start-up)."""
    from assistant.ingest.sources import SourceError
    from assistant.llm import LLMError
    from assistant.store.embedder import EmbedderError
    from assistant.store.lock import WorkspaceBusy
    from assistant.store.vectors import StoreError

    return UserError, ConfigError, SourceError, EmbedderError, WorkspaceBusy, StoreError, LLMError
