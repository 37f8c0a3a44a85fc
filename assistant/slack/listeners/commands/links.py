"""``/links QUESTION`` and ``/links plan``: the slash command.

The ack answers within Slack's 3 s with an ephemeral line (help, "not enabled here", or "Working on it…").
The lazy part posts the question as a parent message ("@user asked: …") and the answer in its thread, so
the channel sees both and follow-ups (@mentions in the thread) continue the same conversation. A question
naming a URL the bot won't use is refused privately (ephemeral): nothing is posted in the channel.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from assistant.slack.blocks import SECTION_CHARS, escape, plain
from assistant.slack.bot import BUSY, HELP, SORRY, is_plan, mention, reply
from assistant.slack.safety import NOT_ALLOWED, trusted_response_url

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from assistant.slack.bot import Bot

log = logging.getLogger("assistant.slack")
WORKING = "Working on it…"


def ack_text(bot: Bot, command: dict[str, Any]) -> str:
    """The ephemeral line the ack carries: fast, no workspace access."""
    if not bot.allows(command.get("channel_id", ""), command.get("user_id", ""), direct=is_direct(command)):
        return NOT_ALLOWED
    question = plain(command.get("text", ""))
    if not question or question.lower() in ("help", "?"):
        return HELP
    return WORKING


def answer(bot: Bot, client: WebClient, command: dict[str, Any], respond: Respond | None = None) -> None:
    """The lazy part: the question as a parent message, then the answer (or plan.md) in its thread."""
    if ack_text(bot, command) != WORKING:
        return                                     # the ack said all there is to say
    channel, user = command.get("channel_id", ""), command.get("user_id", "")
    question = plain(command.get("text", ""))
    try:
        refused = bot.refusal(question)
    except Exception:
        log.exception("checking a /links question failed")
        refused = SORRY
    if refused:
        tell(client, command, respond, refused, bot.api_url)
        return
    head = (f"{mention(user)} asked for the link plan" if is_plan(question)
            else f"{mention(user)} asked: {escape(question[:SECTION_CHARS - 100])}")
    try:
        parent = str(client.chat_postMessage(channel=channel, text=head, unfurl_links=False)["ts"])
    except Exception as exc:
        error = getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or type(exc).__name__
        log.warning("cannot post in Slack channel %s: %s", channel, error)
        tell(client, command, respond, f"I can't post in this channel ({error}): invite me with `/invite` and "
             "ask again.", bot.api_url)
        return
    reply(bot, client, channel, parent, f"{channel}:{parent}", question)


def tell(client: WebClient, command: dict[str, Any], respond: Respond | None, text: str, api_url: str) -> None:
    """A private line to the user: through the command's response_url when it is Slack's, else
    chat.postEphemeral."""
    try:
        if respond is not None and trusted_response_url(command.get("response_url", ""), api_url):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postEphemeral(channel=command.get("channel_id", ""), user=command.get("user_id", ""),
                                      text=text)
    except Exception:
        log.exception("telling a Slack user failed")


def is_direct(command: dict[str, Any]) -> bool:
    return str(command.get("channel_id", "")).startswith("D") or command.get("channel_name") == "directmessage"


def register(app: App, bot: Bot) -> None:
    def ack_links(ack: Ack, command: dict[str, Any]) -> None:
        ack(response_type="ephemeral", text=ack_text(bot, command))

    def answer_links(client: WebClient, command: dict[str, Any], respond: Respond) -> None:
        if ack_text(bot, command) == WORKING and not bot.later(lambda: answer(bot, client, command, respond)):
            tell(client, command, respond, BUSY, bot.api_url)

    app.command("/links")(ack=ack_links, lazy=[answer_links])
