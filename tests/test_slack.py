"""The Slack bot: real Bolt dispatch of requests signed with Slack's algorithm (written out here with hmac),
against a loopback fake of the Web API that records every call; then `assistant slack --http` as a real
server process answering a signed `/links` with the local model.

One workspace: the first 30 go-blog posts, without embeddings (the engines answer; retrieval is not needed).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt.request import BoltRequest

from assistant.services import Services
from assistant.settings import SlackSettings, load_settings
from assistant.slack import blocks
from assistant.slack.app import create_app
from assistant.slack.bot import BUSY, MAX_PENDING, NO_PAGES, Bot
from assistant.slack.safety import NOT_ALLOWED, RedactingFilter, URLGuard, allowed, trusted_response_url
from tests.conftest import cli, db_rows, free_port
from tests.fake_slack import FakeSlack, limits, texts
from tests.sites import CORPORA, make_mini_site, rebase, serve

TOKEN = "xoxb-1111-2222-abcdefghijklmnop"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
LINK = re.compile(r"<(https?://[^|>]+)\|")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("slack")
    make_mini_site(CORPORA / "go-blog", root / "site", 30)
    with serve(root / "site") as url:
        rebase(root / "site", url)
        result = cli("--workspace", str(root / "ws"), "ingest", url + "sitemap.xml", "--no-embed")
        assert result.exit_code == 0, result.output
        yield root / "ws", url


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(TOKEN).running() as f:
        yield f


def services(ws: Path, fake: FakeSlack, **slack: Any) -> Services:
    return Services(load_settings(None, workspace=ws, slack={"api_url": fake.api_url, **slack}))


@pytest.fixture(scope="module")
def app(ws: tuple[Path, str], fake: FakeSlack) -> Any:
    return create_app(services(ws[0], fake), use_llm=False, token=TOKEN, signing_secret=SECRET)


def sign(body: str, secret: str = SECRET, ts: float | None = None) -> dict[str, str]:
    """Slack's request signing: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
    stamp = str(int(time.time() if ts is None else ts))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    kind = "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": f"v0={digest}", "content-type": kind}


def slash(fake: FakeSlack, text: str, channel: str, user: str = "U1") -> str:
    return urlencode({"token": "legacy", "team_id": "T0001", "channel_id": channel, "channel_name": "seo",
                      "user_id": user, "user_name": "ann", "command": "/links", "text": text,
                      "response_url": f"{fake.url}response/{channel}", "trigger_id": "1.2.3", "api_app_id": "A1"})


def event(kind: str, text: str, channel: str, ts: str, user: str = "U1", **extra: Any) -> str:
    ev = {"type": kind, "user": user, "text": text, "channel": channel, "ts": ts, "event_ts": ts, **extra}
    return json.dumps({"token": "legacy", "team_id": "T0001", "api_app_id": "A1", "type": "event_callback",
                       "event": ev, "event_id": f"Ev{channel}{ts}", "event_time": int(time.time()),
                       "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}]})


def dispatch(app: Any, body: str, **sign_args: Any) -> Any:
    return app.dispatch(BoltRequest(body=body, headers=sign(body, **sign_args)))


def cited(call: Any) -> set[str]:
    return set(LINK.findall(texts(call)))


def pages(ws: Path) -> set[str]:
    return {r["url"] for r in db_rows(ws, "SELECT url FROM pages")}


# ------------------------------------------------------------------------------------------- pure parts

def test_blocks_escape_link_and_split_to_slack_limits() -> None:
    evil = "Say <!channel> & <script> to <@U2>"
    suggestions = [{"source_url": f"http://x/s{i}/", "target_url": "http://x/t/", "anchor": "Say",
                    "sentence": evil + " " + "word " * 200, "reasons": ["why > because"]} for i in range(120)]
    answer = {"answer": "Lead " + "long " * 900 + "[1] [9]\n1. [1] → [2] with the anchor 'a' in \"b\"",
              "citations": [{"n": 1, "url": "http://x/t/?a=1&b=|2", "title": "T > | <b>"}],
              "intent": "link-to", "suggestions": suggestions,
              "findings": [{"rule": "orphan-page", "severity": "high", "urls": ["http://x/t/"], "message": evil,
                            "fix": "link it"}, {"rule": "stale", "severity": "low", "urls": [], "message": "m"}]}
    messages = blocks.answer_messages(answer)
    assert len(messages) > 1
    for m in messages:
        assert limits(m) is None and len(m["blocks"]) <= 50 and len(m["text"]) <= 40_000
    shown = "\n".join(m["text"] for m in messages)
    assert "<!channel>" not in shown and "<@U2>" not in shown and "&lt;!channel&gt; &amp; &lt;script&gt;" in shown
    assert "<http://x/t/?a=1&amp;b=%7C2|[1]>" in shown and "[9]" in shown        # uncited numbers stay text
    assert "1. [1] →" not in shown                                               # the list became cards
    assert shown.count("→") == 120 and "*Say*" in shown and ":red_circle: High* — 1 finding" in shown
    assert shown.index("High") < shown.index("Low")
    assert blocks.split_text("a <http://x/|one two> b", 20) == ["a", "<http://x/|one two>", "b"]


def test_plain_text_of_a_slack_message() -> None:
    assert blocks.plain("<@UBOT> what should <http://x.com/a|x.com/a> link to? &lt;3 <#C1|seo> <!here>") == \
        "what should http://x.com/a link to? <3 #seo"


def test_url_guard_allowlists_and_response_urls() -> None:
    guard = URLGuard(["https://blog.example.com/a/"], resolver=lambda h: ["93.184.216.34"])
    assert guard.refusal("which pages should link to https://BLOG.example.com./a/?") is None
    assert guard.refusal("what about /a/ and the home page, and should links use https:// at all?") is None
    for bad in ("http://blog.example.com/x", "https://evil.example/", "https://blog.example.com@127.0.0.1/",
                "https://blog.example.com:8443/", "ftp://blog.example.com/", "https://[::1", "file:///etc/passwd",
                "http://169.254.169.254/latest/meta-data/", "http://2130706433/", "http://[::ffff:10.0.0.1]/"):
        refused = guard.refusal(f"which pages should link to {bad}")
        assert refused and "blog.example.com" in refused, bad
    rebound = URLGuard(["https://blog.example.com/"], resolver=lambda h: ["93.184.216.34", "10.0.0.5"])
    assert rebound.refusal("link to https://blog.example.com/") is not None           # resolves to a private one
    assert URLGuard(["http://10.1.2.3/"]).refusal("link to http://10.1.2.3/") is not None
    open_, closed = SlackSettings(), SlackSettings(allowed_channels=["C1"], allowed_users=["U1"])
    assert allowed(open_, "C9", "U9") and allowed(closed, "C1", "U1") and allowed(closed, "D7", "U1", direct=True)
    assert not allowed(closed, "C2", "U1") and not allowed(closed, "C1", "U2") and not allowed(closed, "D7", "U2", True)
    assert trusted_response_url("https://hooks.slack.com/commands/T/1/x")
    assert not trusted_response_url("http://hooks.slack.com/commands/x")
    assert not trusted_response_url("https://169.254.169.254/x", "https://slack.com/api/")


def test_tokens_and_secret_are_masked_in_logs() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter([SECRET]))
    logger = logging.getLogger("test.slack.redaction")
    logger.addHandler(handler)
    try:
        logger.error("token %s secret %s app %s", TOKEN, SECRET, "xapp-1-A1-22-abc")
        try:
            raise RuntimeError(f"failed with {TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "boom" in text and "RuntimeError" in text and text.count("[redacted]") == 4
    assert TOKEN not in text and SECRET not in text and "xapp-1" not in text


def test_the_manifest_asks_for_what_the_bot_uses() -> None:
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack_manifest.yml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "files:write", "im:history"} <= scopes
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["socket_mode_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/links"]
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")


# ------------------------------------------------------------------------------------------- Bolt dispatch

def test_slash_command_answers_in_a_thread(app: Any, fake: FakeSlack, ws: tuple[Path, str]) -> None:
    resp = dispatch(app, slash(fake, "Which pages should link to /blog/appengine/?", "CSLASH"))
    assert resp.status == 200 and "Working on it" in resp.body
    parent, answer = fake.wait("chat.postMessage", 2, channel="CSLASH")
    assert parent.args["text"] == "<@U1> asked: Which pages should link to /blog/appengine/?"
    assert "thread_ts" not in parent.args and answer.args["thread_ts"] == parent.result["ts"]
    urls = cited(answer)
    assert ws[1] + "blog/appengine/" in urls and len(urls) >= 3 and urls <= pages(ws[0])
    assert "Anchor: “" in texts(answer) and answer.args["unfurl_links"] is False


def test_mention_and_a_follow_up_in_the_thread(app: Any, fake: FakeSlack, ws: tuple[Path, str]) -> None:
    dispatch(app, slash(fake, "Which pages should link to /blog/appengine/?", "CTHREAD"))
    parent, first = fake.wait("chat.postMessage", 2, channel="CTHREAD")
    second_anchor = re.findall(r"Anchor: “([^”]+)”", texts(first))[1]
    resp = dispatch(app, event("app_mention", "<@UBOT> and what anchor should the second one use?", "CTHREAD",
                               "1700009999.000001", thread_ts=parent.result["ts"]))
    assert resp.status == 200
    follow = fake.wait("chat.postMessage", 3, channel="CTHREAD")[2]
    assert follow.args["thread_ts"] == parent.result["ts"]
    assert "Suggestion 2" in texts(follow) and f"'{second_anchor}'" in texts(follow)
    dispatch(app, event("app_mention", "<@UBOT> What should /blog/cgo/ link to?", "CMENTION", "1700000001.000100"))
    reply = fake.wait("chat.postMessage", channel="CMENTION")[0]
    assert reply.args["thread_ts"] == "1700000001.000100"
    assert ws[1] + "blog/cgo/" in cited(reply) and cited(reply) <= pages(ws[0])


def test_direct_messages_answer_people_not_bots(app: Any, fake: FakeSlack, ws: tuple[Path, str]) -> None:
    dispatch(app, event("message", "I am a bot", "D1", "1700000002.000001", bot_id="B2", channel_type="im"))
    dispatch(app, event("message", "edited", "D1", "1700000002.000002", subtype="message_changed",
                        channel_type="im"))
    dispatch(app, event("message", "chatter in a channel", "CNOISE", "1700000002.000003", channel_type="channel"))
    resp = dispatch(app, event("message", "tell me about /blog/cgo/", "D1", "1700000002.000004", channel_type="im"))
    assert resp.status == 200
    reply = fake.wait("chat.postMessage", channel="D1")[0]
    assert reply.args["thread_ts"] == "1700000002.000004" and "words, published" in texts(reply)
    assert cited(reply) == {ws[1] + "blog/cgo/"}
    time.sleep(1)
    assert len(fake.of("chat.postMessage", channel="D1")) == 1 and not fake.of("chat.postMessage", channel="CNOISE")


def test_plan_is_uploaded_to_the_thread(app: Any, fake: FakeSlack, ws: tuple[Path, str]) -> None:
    dispatch(app, slash(fake, "plan", "CPLAN"))
    parent = fake.wait("chat.postMessage", channel="CPLAN")[0]
    assert parent.args["text"] == "<@U1> asked for the link plan"
    done = fake.wait("files.completeUploadExternal", channel_id="CPLAN", timeout=60)[0]
    assert done.args["thread_ts"] == parent.result["ts"] and "most valuable" in done.args["initial_comment"]
    asked = fake.of("files.getUploadURLExternal", filename="plan.md")
    assert asked and json.loads(done.args["files"])[0]["id"] == asked[-1].result["file_id"]
    upload = fake.of("upload", file_id=asked[-1].result["file_id"])[0]
    text = upload.raw.decode()
    assert text.startswith("#") and ws[1] + "blog/" in text
    dispatch(app, event("app_mention", "<@UBOT> the plan", "CPLAN2", "1700000003.000001"))
    assert fake.wait("files.completeUploadExternal", channel_id="CPLAN2", timeout=60)[0].args["thread_ts"] == \
        "1700000003.000001"


def test_bad_signature_and_replayed_timestamp_are_rejected(app: Any, fake: FakeSlack) -> None:
    before = len(fake.calls)
    body = slash(fake, "Which pages should link to /blog/cgo/?", "CBAD")
    assert dispatch(app, body, secret="not-the-secret").status == 401
    assert dispatch(app, body, ts=time.time() - 6 * 60).status == 401          # a captured request, replayed
    headers = sign(body)
    assert app.dispatch(BoltRequest(body=body + "&text=tampered", headers=headers)).status == 401
    time.sleep(1)
    assert len(fake.calls) == before


def test_urls_outside_the_site_are_refused_and_never_fetched(app: Any, fake: FakeSlack, ws: tuple[Path, str]) -> None:
    hits: list[str] = []

    class Trap(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    trap = ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    trap_url = f"http://127.0.0.1:{trap.server_address[1]}/secret"
    try:
        dispatch(app, slash(fake, "which pages should link to http://169.254.169.254/latest/meta-data/?", "CSSRF"))
        dispatch(app, slash(fake, f"what should {trap_url} link to?", "CSSRF"))
        refusals = fake.wait("response", 2)
        assert all("only look at pages of this site" in c.args["text"] for c in refusals)
        assert all(c.args["response_type"] == "ephemeral" for c in refusals)
        dispatch(app, event("app_mention", f"<@UBOT> what should <{ws[1]}blog/cgo/> link to?", "CSSRF2", "1.5"))
        dispatch(app, event("app_mention", "<@UBOT> tell me about <http://2130706433/|this>", "CSSRF2", "1.6"))
        replies = fake.wait("chat.postMessage", 2, channel="CSSRF2")
        assert all("only look at pages of this site" in texts(r) for r in replies)
    finally:
        trap.server_close()
    assert not fake.of("chat.postMessage", channel="CSSRF") and not hits


def test_a_slow_answer_is_still_acked_in_time(ws: tuple[Path, str], fake: FakeSlack) -> None:
    url = ws[1] + "blog/cgo/"

    def slow(key: str, question: str) -> dict[str, Any]:
        time.sleep(4)
        return {"answer": "Slow but sure [1].", "citations": [{"n": 1, "url": url, "title": "Cgo"}],
                "intent": "general"}

    slow_app = create_app(services(ws[0], fake), use_llm=False, token=TOKEN, signing_secret=SECRET, answer=slow)
    start = time.monotonic()
    resp = dispatch(slow_app, slash(fake, "anything at all", "CSLOW"))
    acked = time.monotonic() - start
    assert resp.status == 200 and "Working on it" in resp.body and acked < 3
    start = time.monotonic()
    assert dispatch(slow_app, event("app_mention", "<@UBOT> hi", "CSLOW2", "1.7")).status == 200
    assert time.monotonic() - start < 3
    parent, answer = fake.wait("chat.postMessage", 2, channel="CSLOW", timeout=30)
    assert "Slow but sure" in texts(answer) and answer.at - parent.at >= 3.5
    assert url in cited(answer)
    assert fake.wait("chat.postMessage", channel="CSLOW2", timeout=30)[0].args["thread_ts"] == "1.7"


def test_a_question_during_the_warm_up_is_told_to_wait_then_answered(
        ws: tuple[Path, str], fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot builds the engines' indexes in the background from the start (the site's load slowed to 3 s
    here); a question that comes meanwhile hears so in its thread, then gets the same answer as later."""
    import assistant.suggest

    real = assistant.suggest.load_site
    calls = []

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        time.sleep(3)
        return real(*args, **kwargs)

    monkeypatch.setattr(assistant.suggest, "load_site", slow_load)
    warm_app = create_app(services(ws[0], fake), use_llm=False, token=TOKEN, signing_secret=SECRET, warm=True)
    resp = dispatch(warm_app, slash(fake, "Which pages should link to /blog/appengine/?", "CWARM"))
    assert resp.status == 200
    parent, loading, answer = fake.wait("chat.postMessage", 3, channel="CWARM", timeout=60)
    assert "Loading the site's indexes…" in texts(loading)
    assert loading.args["thread_ts"] == answer.args["thread_ts"] == parent.result["ts"]
    urls = cited(answer)
    assert ws[1] + "blog/appengine/" in urls and len(urls) >= 3 and urls <= pages(ws[0])
    dispatch(warm_app, slash(fake, "Which pages should link to /blog/appengine/?", "CWARM2"))
    _parent, again = fake.wait("chat.postMessage", 2, channel="CWARM2", timeout=60)
    assert cited(again) == urls and len(calls) == 1             # no more waiting, and one load for both


def test_a_flood_of_questions_is_told_to_wait(ws: tuple[Path, str], fake: FakeSlack) -> None:
    release = threading.Event()

    def stuck(key: str, question: str) -> dict[str, Any]:
        release.wait(30)
        return {"answer": f"answered {question}", "citations": [], "intent": "general"}

    busy_app = create_app(services(ws[0], fake), use_llm=False, token=TOKEN, signing_secret=SECRET, answer=stuck)
    start = time.monotonic()
    for i in range(MAX_PENDING + 1):
        assert dispatch(busy_app, event("app_mention", f"<@UBOT> q{i}", "CFLOOD", f"3.{i}")).status == 200
    assert time.monotonic() - start < 3 * (MAX_PENDING + 1) / 4         # every ack came at once
    told = fake.wait("chat.postMessage", channel="CFLOOD", timeout=10)
    assert len(told) == 1 and BUSY in texts(told[0])
    release.set()
    answers = fake.wait("chat.postMessage", MAX_PENDING + 1, channel="CFLOOD")
    assert {t for a in answers for t in re.findall(r"answered (q\d+)", texts(a))} == {f"q{i}" for i in range(20)}


def test_allowlists(ws: tuple[Path, str], fake: FakeSlack) -> None:
    closed = create_app(services(ws[0], fake, allowed_channels=["CALLOWED"], allowed_users=["U1"]),
                        use_llm=False, token=TOKEN, signing_secret=SECRET)
    resp = dispatch(closed, slash(fake, "Which pages should link to /blog/cgo/?", "CNOPE"))
    assert resp.status == 200 and "not enabled here" in resp.body
    dispatch(closed, event("message", "tell me about /blog/cgo/", "D9", "1.8", user="U2", channel_type="im"))
    dispatch(closed, event("message", "tell me about /blog/cgo/", "D10", "1.9", user="U1", channel_type="im"))
    assert "words, published" in texts(fake.wait("chat.postMessage", channel="D10")[0])
    assert texts(fake.wait("chat.postMessage", channel="D9")[0]).count(NOT_ALLOWED.split(":")[0]) >= 1
    assert not fake.of("chat.postMessage", channel="CNOPE")


def test_handlers_work_without_bolt(ws: tuple[Path, str], fake: FakeSlack) -> None:
    bot = Bot(services(ws[0], fake), use_llm=False)
    messages = bot.answer_messages("C1:1.0", "What should /blog/cgo/ link to?")
    assert ws[1] + "blog/cgo/" in LINK.findall(messages[0]["text"]) and all(limits(m) is None for m in messages)
    assert "/links plan" in bot.answer_messages("C1:2.0", " ")[0]["text"]                  # nothing asked: help


def test_an_empty_workspace_gets_a_short_message(tmp_path: Path, fake: FakeSlack) -> None:
    empty = create_app(services(tmp_path / "empty", fake), use_llm=False, token=TOKEN, signing_secret=SECRET)
    dispatch(empty, event("app_mention", "<@UBOT> which pages should link to /x/?", "CEMPTY", "2.1"))
    assert NO_PAGES.split(":")[0] in texts(fake.wait("chat.postMessage", channel="CEMPTY")[0])


# ------------------------------------------------------------------------------------------- the command

def test_cli_errors_are_one_line(ws: tuple[Path, str], fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_SLACK__API_URL", fake.api_url)
    run = ("--workspace", str(ws[0]), "slack")
    result = cli(*run)
    assert result.exit_code == 2 and result.output.startswith("error: SLACK_BOT_TOKEN is not set")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong-token-0000")
    assert "error: SLACK_SIGNING_SECRET is not set" in cli(*run, "--http").output
    assert "error: SLACK_APP_TOKEN is not set" in cli(*run, "--socket").output
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    result = cli(*run, "--http", "--port", str(free_port()))
    assert result.exit_code == 2 and "error: Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)" in result.output
    assert "xoxb-wrong" not in result.output and SECRET not in result.output and "Traceback" not in result.output
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A1-refused-token")
    result = cli(*run)                                              # Socket Mode: SLACK_APP_TOKEN is set
    assert result.exit_code == 2, result.output
    assert "error: Slack refused SLACK_APP_TOKEN (apps.connections.open: invalid_auth)" in result.output
    assert "xapp-1-A1" not in result.output and TOKEN not in result.output


def test_http_mode_server_answers_a_signed_request(ws: tuple[Path, str], fake: FakeSlack, tmp_path: Path) -> None:
    """The bar: `assistant slack --http --port P` answers a signed `/links` with 200 and a threaded answer
    (the local model's lead, then the engines' list) citing workspace URLs; a bad signature gets 401."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ASSISTANT_"))}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, ASSISTANT_SLACK__API_URL=fake.api_url)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "--workspace", str(ws[0]), "slack", "--http",
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env)
    endpoint = f"http://127.0.0.1:{port}/slack/events"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        body = slash(fake, "Which pages should link to /blog/appengine/?", "CHTTP")
        start = time.monotonic()
        resp = httpx.post(endpoint, content=body, headers=sign(body), timeout=10)
        assert resp.status_code == 200 and time.monotonic() - start < 3 and "Working on it" in resp.text
        posted = fake.wait("chat.postMessage", 2, channel="CHTTP", timeout=240)
        if "Loading the model…" in texts(posted[1]):                  # asked while the bot warms up
            posted = fake.wait("chat.postMessage", 3, channel="CHTTP", timeout=240)
        parent, answer = posted[0], posted[-1]
        assert answer.args["thread_ts"] == parent.result["ts"]
        urls = cited(answer)
        assert ws[1] + "blog/appengine/" in urls and len(urls) >= 3 and urls <= pages(ws[0])
        assert httpx.post(endpoint, content=body, headers=sign(body, secret="wrong"), timeout=10).status_code == 401
        assert httpx.post(endpoint.replace("/slack/events", "/other"), content=body, timeout=10).status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert "answering on http://127.0.0.1" in output and TOKEN not in output and SECRET not in output
