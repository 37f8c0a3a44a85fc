"""The Bolt app: the listeners registered over a :class:`~assistant.slack.bot.Bot`, and the two ways to run it.

The bot's state and the handlers' helpers live in :mod:`assistant.slack.bot`; the listeners import that, so
nothing imports this module but the command that starts the bot.

HTTP mode serves ``POST /slack/events`` on a threading http.server bound to ``--host`` (Bolt checks the
signature and rejects stale timestamps with 401); Socket Mode connects out with the app-level token.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from assistant.secrets import slack_tokens
from assistant.services import SlackError, slack_api_base, slack_web_client
from assistant.slack.bot import AnswerFn, Bot
from assistant.slack.safety import install_redaction, redact

if TYPE_CHECKING:
    from slack_bolt import App

    from assistant.services import Services

log = logging.getLogger("assistant.slack")

PATH = "/slack/events"
MAX_BODY = 1_000_000                                     # Slack's payloads are a few KB


def create_app(services: Services, *, use_llm: bool = True, answer: AnswerFn | None = None,
               token: str | None = None, signing_secret: str | None = None,
               token_verification: bool = True, warm: bool = False) -> App:
    """The Bolt app over ``services``: tokens from the arguments or SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET,
    the Web API at ``[slack] api_url`` when set, the listeners registered. ``answer`` replaces the chain
    (tests use a slow one); ``use_llm=False`` answers with the engines alone; ``warm`` starts loading the
    model and the indexes at once, in the background."""
    from slack_bolt import App
    from slack_sdk.errors import SlackApiError

    from assistant.slack.listeners import register

    env = slack_tokens()
    token = token if token is not None else env.bot
    secret = signing_secret if signing_secret is not None else env.signing
    if not token:
        raise SlackError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from the app's OAuth & Permissions page")
    secrets = tuple(s for s in (token, secret, env.app) if s)
    install_redaction(secrets)
    api_url = slack_api_base(services.settings.slack.api_url)
    client = slack_web_client(token, api_url)
    if token_verification:
        try:
            client.auth_test()
        except SlackApiError as exc:
            raise SlackError(f"Slack refused SLACK_BOT_TOKEN (auth.test: {exc.response.get('error')})") from None
        except OSError as exc:
            raise SlackError(f"cannot reach the Slack Web API at {client.base_url}: "
                             f"{redact(str(getattr(exc, 'reason', exc)), secrets)}") from None
    app = App(client=client, signing_secret=secret, process_before_response=False,
              token_verification_enabled=token_verification, name="assistant")
    bot = Bot(services, use_llm, answer, api_url, secrets)
    register(app, bot)
    _bots[app] = bot
    if warm:
        bot.warm()
    return app


_bots: weakref.WeakKeyDictionary[App, Bot] = weakref.WeakKeyDictionary()


def bot_of(app: App) -> Bot:
    """The bot :func:`create_app` registered on ``app``."""
    return _bots[app]


def make_server(app: App, host: str = "127.0.0.1", port: int = 3000, path: str = PATH) -> ThreadingHTTPServer:
    """An HTTP server handing ``POST path`` to Bolt (one thread per request; anything else is 404)."""
    from slack_bolt.request import BoltRequest

    class Handler(BaseHTTPRequestHandler):
        timeout = 15                       # a client that stalls mid-request does not hold a thread

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http: " + format, *args)

        def do_GET(self) -> None:
            self._send(404, {}, "")

        def do_POST(self) -> None:
            request_path, _, query = self.path.partition("?")
            if request_path != path:
                self._send(404, {}, "")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._send(413 if length > MAX_BODY else 400, {}, "")
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
            self._send(response.status, response.headers, response.body)

        def _send(self, status: int, headers: dict[str, Any], body: str | dict[str, Any]) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
            self.send_response(status)
            for name, values in headers.items():
                if name.lower() != "content-length":
                    for value in values if isinstance(values, list | tuple) else [values]:
                        self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def run_http(app: App, host: str, port: int, ready: Callable[[str], None] | None = None) -> None:
    """Serve the Events API endpoint until interrupted."""
    server = make_server(app, host, port)
    try:
        if ready is not None:
            ready(f"http://{host}:{server.server_address[1]}{PATH}")
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def run_socket(app: App, app_token: str, ready: Callable[[str], None] | None = None) -> None:
    """Connect to Slack in Socket Mode and handle requests until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    handler = SocketModeHandler(app, app_token)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        raise SlackError(f"Slack refused SLACK_APP_TOKEN (apps.connections.open: {exc.response.get('error')})"
                         ) from None
    except OSError as exc:
        raise SlackError(f"cannot open a Socket Mode connection: {redact(str(exc), (app_token,))}") from None
    if ready is not None:
        ready("Socket Mode")
    try:
        threading.Event().wait()
    finally:
        handler.close()  # type: ignore[no-untyped-call]
