"""Direct messages: every message a person writes to the bot is a question, answered in its thread.

One conversation per direct-message channel, threads or not, so follow-ups work however the user replies.
Messages from bots (the bot's own answers included) and subtypes (edits, deletions, joins) are ignored, and
so are messages in channels (those reach the bot as @mentions).
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


def is_question(event: dict[str, Any]) -> bool:
    """A person's new message in a direct message with the bot."""
    return (event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")
            and bool(event.get("user")))


def answer(bot: Bot, client: WebClient, event: dict[str, Any], event_id: str | None = None) -> None:
    if not is_question(event) or not bot.first_time(event_id):
        return
    channel, user = str(event.get("channel", "")), str(event.get("user", ""))
    thread = str(event.get("thread_ts") or event.get("ts", ""))
    if not bot.allows(channel, user, direct=True):
        post(bot, client, channel, thread, text_messages(NOT_ALLOWED))
        return
    reply(bot, client, channel, thread, channel, plain(str(event.get("text", ""))))


def register(app: App, bot: Bot) -> None:
    ack_message, answer_message = event_listener(bot, answer)

    def direct_question(event: dict[str, Any]) -> bool:
        return is_question(event)

    app.event("message", matchers=[direct_question])(ack=ack_message, lazy=[answer_message])
    app.event("message")(ack_message)                # other messages: acked and ignored (no "unhandled" log)
