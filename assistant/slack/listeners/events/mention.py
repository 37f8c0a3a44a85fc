"""``@assistant QUESTION`` in a channel: the answer in the question's thread.

A mention inside a thread continues that thread's conversation (follow-ups such as "and the second one?"
after a ``/links`` answer). "@assistant plan" uploads plan.md to the thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.slack.blocks import plain, text_messages
from assistant.slack.bot import event_listener, post, reply
from assistant.slack.safety import NOT_ALLOWED

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from assistant.slack.bot import Bot


def answer(bot: Bot, client: WebClient, event: dict[str, Any], event_id: str | None = None) -> None:
    """Reply in the thread of the mention (the thread it was written in, or a new one under it)."""
    if not bot.first_time(event_id) or event.get("bot_id"):
        return
    channel, user = str(event.get("channel", "")), str(event.get("user", ""))
    thread = str(event.get("thread_ts") or event.get("ts", ""))
    if not bot.allows(channel, user):
        post(bot, client, channel, thread, text_messages(NOT_ALLOWED))
        return
    reply(bot, client, channel, thread, f"{channel}:{thread}", plain(str(event.get("text", ""))))


def register(app: App, bot: Bot) -> None:
    ack_mention, answer_mention = event_listener(bot, answer)
    app.event("app_mention")(ack=ack_mention, lazy=[answer_mention])
