"""What keeps the bot safe in a shared channel: allowlists, the URL guard, and redaction of secrets in logs.

The bot never fetches a URL a question names: it answers from the workspace. Still, a question naming a URL
is answered only when :class:`~assistant.urlguard.URLGuard` (shared with the tools) allows it: a page of the
site on a public address. The same goes for the ``response_url`` a slash command brings: the bot posts to it
only when it is Slack's (or the configured Web API's host).

Tokens (``xoxb-…``, ``xapp-…``) and the signing secret are masked in every log record the process writes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from assistant.urlguard import URLGuard as URLGuard  # the guard the bot and the tools share
from assistant.urls import host_port

if TYPE_CHECKING:
    from assistant.settings import SlackSettings

TOKEN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")
MASK = "[redacted]"

NOT_ALLOWED = "I'm not enabled here: ask the workspace admin to add this channel (or you) to the bot's allowlist."


# ------------------------------------------------------------------------------------------------ allowlists

def allowed(settings: SlackSettings, channel: str, user: str, direct: bool = False) -> bool:
    """Whether ``user`` may ask in ``channel``. Empty lists allow everyone; ``allowed_channels`` governs
    channels, so a direct message (``direct``) needs only the user to be allowed."""
    if settings.allowed_users and user not in settings.allowed_users:
        return False
    return direct or not settings.allowed_channels or channel in settings.allowed_channels


def trusted_response_url(url: str, api_url: str = "") -> bool:
    """A slash command's ``response_url`` the bot may post to: https on Slack's hosts, or the configured
    Web API's own host (an enterprise grid's gateway, a test's fake)."""
    key = host_port(url)
    if key is None:
        return False
    host, _port = key
    if url.lower().startswith("https://") and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    return bool(api_url) and key == host_port(api_url)


# ------------------------------------------------------------------------------------------------ redaction

def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with Slack tokens and the given secrets masked."""
    out = TOKEN.sub(MASK, text)
    for secret in secrets:
        if secret and len(secret) >= 8:
            out = out.replace(secret, MASK)
    return out


class RedactingFilter(logging.Filter):
    """A handler filter masking tokens and secrets in the message, the traceback and the stack."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:                      # a bad format string: keep what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install_redaction(secrets: Iterable[str]) -> RedactingFilter:
    """Mask ``secrets`` and tokens on every handler of the root logger (where Bolt's, slack_sdk's and our
    records end up) and on logging's last-resort handler."""
    handlers = [*logging.getLogger().handlers, *([logging.lastResort] if logging.lastResort else [])]
    known = {s for h in handlers for f in h.filters if isinstance(f, RedactingFilter) for s in f.secrets}
    found = RedactingFilter(sorted(known | set(secrets)))
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(found)
    return found
