"""The use cases, one module each, above the engines and below every surface.

:mod:`.workspace` (check it holds pages, its headline numbers), :mod:`.ingest`, :mod:`.plan`, :mod:`.outreach`
and :mod:`.ask` (a conversation over the workspace) are what `assistant`'s commands, the Slack bot, the MCP
server and the tools call: a surface parses its input, calls the use case and renders the result. Use cases
never import rich or typer: progress reaches them as a :data:`Step` callback (``step(name, done, total)``, as
:func:`assistant.outreach.run` takes it), remarks as a :data:`Notice`, and a problem the user can fix is a
:class:`UserError` (one line; the CLI prints it and exits with status 2).
"""

from __future__ import annotations

from collections.abc import Callable

Step = Callable[[str, int, int | None], None]      # step NAME is at DONE of TOTAL (None: not known yet)
Notice = Callable[[str], None]                       # a remark for the user (printed on stderr by the CLI)


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def no_step(name: str, done: int, total: int | None) -> None:
    """The step callback of a caller that shows no progress."""


def no_notice(text: str) -> None:
    """The notice callback of a caller that shows no remarks."""
