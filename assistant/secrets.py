"""The secrets, read from the environment in this one place: never from a config file, never printed.

``SLACK_BOT_TOKEN`` (xoxb-…), ``SLACK_SIGNING_SECRET`` and ``SLACK_APP_TOKEN`` (xapp-…) for the Slack bot and its
alerts; ``OPENAI_API_KEY`` for ``[llm] provider = "openai"``. Each is read when it is needed, so a test or a
shell that sets one later is seen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SLACK_BOT_TOKEN = "SLACK_BOT_TOKEN"
SLACK_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
SLACK_APP_TOKEN = "SLACK_APP_TOKEN"
OPENAI_API_KEY = "OPENAI_API_KEY"


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


@dataclass(frozen=True)
class SlackTokens:
    bot: str          # SLACK_BOT_TOKEN: the Web API
    signing: str      # SLACK_SIGNING_SECRET: checks HTTP mode's requests
    app: str          # SLACK_APP_TOKEN: Socket Mode

    def present(self) -> tuple[str, ...]:
        """The tokens that are set: what log redaction hides."""
        return tuple(s for s in (self.bot, self.signing, self.app) if s)


def slack_tokens() -> SlackTokens:
    return SlackTokens(_env(SLACK_BOT_TOKEN), _env(SLACK_SIGNING_SECRET), _env(SLACK_APP_TOKEN))


def openai_key() -> str:
    return os.environ.get(OPENAI_API_KEY, "")
