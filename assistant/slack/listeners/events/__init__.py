"""Events: ``app_mention`` in channels and ``message`` in direct messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.slack.listeners.events import mention, message

if TYPE_CHECKING:
    from slack_bolt import App

    from assistant.slack.bot import Bot


def register(app: App, bot: Bot) -> None:
    mention.register(app, bot)
    message.register(app, bot)
