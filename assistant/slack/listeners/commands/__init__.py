"""Slash commands: ``/links``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.slack.listeners.commands import links

if TYPE_CHECKING:
    from slack_bolt import App

    from assistant.slack.bot import Bot


def register(app: App, bot: Bot) -> None:
    links.register(app, bot)
