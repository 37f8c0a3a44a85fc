"""The bot's listeners, one sub-package per kind of request; each module has ``register(app, bot)``.

Listeners ack at once and answer in a lazy listener; the work is done by plain functions over the injected
:class:`~assistant.slack.bot.Bot` and Web API client, so the handlers can be tested without Bolt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.slack.listeners import commands, events

if TYPE_CHECKING:
    from slack_bolt import App

    from assistant.slack.bot import Bot


def register(app: App, bot: Bot) -> None:
    commands.register(app, bot)
    events.register(app, bot)
