"""A lazily built attribute that is built once even when several threads ask for it at the same time.

The chat and the Slack bot build the engines' indexes in a background thread while a question may already be
asking for them: :class:`once` makes the second caller wait for the build the first one started, then take its
result (``functools.cached_property`` would build it twice; it has no lock since Python 3.12).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

_locks_lock = threading.Lock()


def _lock(obj: Any, name: str) -> threading.RLock:
    """The lock of attribute ``name`` of ``obj`` (one per object and attribute, made on first use)."""
    with _locks_lock:
        locks: dict[str, threading.RLock] = obj.__dict__.setdefault("_once_locks", {})
        return locks.setdefault(name, threading.RLock())


class once(Generic[T]):
    """Like ``functools.cached_property``, with a lock per object and attribute around the first build."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> once[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | once[T]:
        if obj is None:
            return self
        cache = obj.__dict__
        if self.name in cache:
            return cache[self.name]  # type: ignore[no-any-return]
        with _lock(obj, self.name):
            if self.name not in cache:
                cache[self.name] = self.func(obj)
            return cache[self.name]  # type: ignore[no-any-return]


def locked(obj: object, name: str) -> threading.RLock:
    """The lock :class:`once` uses for ``obj``'s attribute ``name``: hold it around a hand-written lazy build
    of the same kind."""
    return _lock(obj, name)
