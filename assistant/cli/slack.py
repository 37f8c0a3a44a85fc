"""`assistant slack [--http --port P | --socket]`: the bot in the team's Slack.

Tokens come from the environment only (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN) and are never
printed. Socket Mode is the default when SLACK_APP_TOKEN is set (no public URL needed); otherwise the bot
serves Slack's Events API at http://HOST:PORT/slack/events, behind the team's HTTPS proxy.
"""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.app.workspace import require_pages
from assistant.cli.common import UserError, friendly, state


@friendly
def slack(
    ctx: typer.Context,
    http: Annotated[bool | None, typer.Option(
        "--http/--socket", help="serve HTTP at /slack/events, or connect in Socket Mode "
                                "(default: Socket Mode when SLACK_APP_TOKEN is set)")] = None,
    port: Annotated[int, typer.Option(help="HTTP mode: the port to listen on")] = 3000,
    host: Annotated[str, typer.Option(help="HTTP mode: the address to bind (0.0.0.0 = every interface)")
                    ] = "127.0.0.1",
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="let the model phrase the answers")] = True,
) -> None:
    """Answer `/links`, @mentions and direct messages in Slack with the same answers as `assistant ask`."""
    from assistant.secrets import slack_tokens
    from assistant.services import SlackError
    from assistant.slack.app import bot_of, create_app, run_http, run_socket
    from assistant.slack.safety import install_redaction

    tokens = slack_tokens()
    bot_token, secret, app_token = tokens.bot, tokens.signing, tokens.app
    install_redaction([bot_token, secret, app_token])
    use_http = http if http is not None else not app_token
    if not bot_token:
        raise UserError("SLACK_BOT_TOKEN is not set: export the bot token (xoxb-…) from the app's "
                        "OAuth & Permissions page")
    if use_http and not secret:
        raise UserError("SLACK_SIGNING_SECRET is not set: export the signing secret from the app's Basic "
                        "Information page (HTTP mode checks every request with it)")
    if not use_http and not app_token:
        raise UserError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with "
                        "connections:write, or run with --http")
    if not 1 <= port <= 65535:
        raise UserError(f"--port {port} is not a port (1-65535)")
    services = state(ctx).services()
    require_pages(services)

    app = None

    def ready(where: str) -> None:
        if app is not None:
            bot_of(app).warm()      # the model and the indexes load in the background from now on
        typer.echo(f"assistant slack: answering on {where} (workspace {services.workspace}; Ctrl-C stops)",
                   err=True)

    try:
        app = create_app(services, use_llm=llm, token=bot_token, signing_secret=secret)
        if use_http:
            run_http(app, host, port, ready)
        else:
            run_socket(app, app_token, ready)
    except SlackError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:              # the port is taken, the address is not ours
        where = f"listen on {host}:{port}" if use_http else "run in Socket Mode"
        raise UserError(f"cannot {where}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        typer.echo("assistant slack: stopped", err=True)
    finally:
        if app is not None:
            bot_of(app).stop_warm()
