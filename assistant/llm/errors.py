"""What every LLM module shares: :class:`LLMError` (one line for the user) and the helpers that make one."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

T = TypeVar("T")


class LLMError(Exception):
    """A provider failed (model missing, endpoint unreachable, bad JSON); the message is one line for the user."""


def guarded(items: Iterator[T], error: Callable[[Exception], LLMError]) -> Generator[T, None, None]:
    """``items`` (a model's generation) with each failure turned into an :class:`LLMError` by ``error``
    (an LLMError passes as it is); closing this generator closes the generation, so the model or the HTTP
    response stops producing."""
    try:
        while True:
            try:
                item = next(items)
            except StopIteration:
                return
            except LLMError:
                raise
            except Exception as exc:
                raise error(exc) from None
            yield item
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name if it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
