"""The Slack bot: `assistant slack` answers `/links`, @mentions and direct messages in the team's channels.

:mod:`~assistant.slack.app` builds the Bolt app over the workspace's services, :mod:`~assistant.slack.bot` holds the
bot's state and the helpers the handlers share, :mod:`~assistant.slack.blocks`
turns answers into Block Kit messages within Slack's limits, :mod:`~assistant.slack.safety` holds the
allowlists, the URL guard and the log redaction, and :mod:`~assistant.slack.listeners` the handlers.
slack_bolt is imported only when the bot is built, so the other commands start without it.
"""
