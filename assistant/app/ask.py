"""Ask: a conversation over the workspace (the same answers for `assistant ask`, the chat and the Slack bot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.app.workspace import require_pages

if TYPE_CHECKING:
    from assistant.chain.answer import Conversation
    from assistant.chain.tools import ToolSet
    from assistant.services import Services


def conversation(services: Services, use_llm: bool, tools: ToolSet | None = None) -> Conversation:
    """A conversation over the workspace (the model is built on first use, only when ``use_llm``; ``tools``: the
    engines as tools, which the surface builds with ``Toolbox.for_conversation``);
    :class:`~assistant.app.workspace.NoPages` when it holds no page."""
    from assistant.chain.answer import Conversation
    from assistant.chain.facts import Workspace

    require_pages(services)
    return Conversation(Workspace(services), (lambda: services.llm) if use_llm else None, tools=tools)
