"""A loopback fake of Slack's Web API for the bot's tests: it records every call and answers like Slack.

``POST /api/<method>`` (form or JSON bodies, ``Authorization: Bearer``) for auth.test, chat.postMessage
(checking Slack's message limits), chat.postEphemeral, files.getUploadURLExternal, files.completeUploadExternal;
``POST /upload/<file id>`` takes the file's bytes; ``POST /response/<id>`` stands for a slash command's
response_url.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = "UBOT"
TEAM = "T0001"


@dataclass
class Call:
    method: str                              # "chat.postMessage", "upload", "response"
    args: dict[str, Any]
    raw: bytes = b""
    result: dict[str, Any] = field(default_factory=dict)      # what the fake answered
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.api_url = self.url + "api/"

    # ------------------------------------------------------------------ reading the record
    def of(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method
                    and all(c.args.get(k) == v for k, v in match.items())]

    def wait(self, method: str, count: int = 1, timeout: float = 30.0, **match: Any) -> list[Call]:
        """The calls of ``method`` matching ``match`` once there are ``count`` of them (fails after timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.of(method, **match)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} {method} call(s) matching {match} not seen in {timeout} s; "
                                     f"seen: {[(c.method, c.args.get('channel')) for c in self.calls]}")
            time.sleep(0.05)

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # ------------------------------------------------------------------ answering
    def answer(self, method: str, args: dict[str, Any], auth: str) -> dict[str, Any]:
        if auth != f"Bearer {self.token}":
            return {"ok": False, "error": "invalid_auth"}
        n = next(self._ids)
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "assistant",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": "BBOT", "is_enterprise_install": False}
        if method == "chat.postMessage":
            problem = limits(args)
            if problem:
                return {"ok": False, "error": problem}
            return {"ok": True, "channel": args.get("channel"), "ts": f"1700000{n:03d}.000100",
                    "message": {"text": args.get("text"), "user": BOT_USER}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000{n:03d}.000200"}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.url}upload/F{n}", "file_id": f"F{n}"}
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files", "[]"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path, _, query = self.path.partition("?")
                args: dict[str, Any] = dict(parse_qsl(query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw or b"{}"))
                elif path.startswith("/api/"):
                    args.update(parse_qsl(raw.decode("utf-8")))
                if path.startswith("/api/"):
                    method = path.removeprefix("/api/")
                    if isinstance(args.get("blocks"), str):
                        args["blocks"] = json.loads(args["blocks"])
                    result = fake.answer(method, args, self.headers.get("Authorization", ""))
                    fake.record(Call(method, args, raw, result))
                    self._reply(result)
                elif path.startswith("/upload/"):
                    fake.record(Call("upload", {"file_id": path.rsplit("/", 1)[1]}, raw))
                    self._reply(f"OK - {len(raw)}")
                elif path.startswith("/response/"):
                    fake.record(Call("response", args, raw))
                    self._reply("ok")
                else:
                    self.send_response(404)
                    self.end_headers()

            def _reply(self, body: dict[str, Any] | str) -> None:
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    @contextmanager
    def running(self) -> Iterator[FakeSlack]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def limits(args: dict[str, Any]) -> str | None:
    """Slack's error for a message over its limits (None when within them)."""
    blocks: list[dict[str, Any]] = args.get("blocks") or []
    if len(str(args.get("text") or "")) > 40_000:
        return "msg_too_long"
    if len(blocks) > 50:
        return "invalid_blocks"
    for b in blocks:
        texts = [b.get("text", {}).get("text", "")] + [e.get("text", "") for e in b.get("elements", [])]
        if any(len(t) > 3000 for t in texts) or len(b.get("elements", [])) > 10:
            return "invalid_blocks"
    return None


def texts(call: Call) -> str:
    """All the text a chat.postMessage call shows (its text and its blocks' text)."""
    parts = [str(call.args.get("text") or "")]
    for b in call.args.get("blocks") or []:
        parts.append(str(b.get("text", {}).get("text", "")))
        parts.extend(str(e.get("text", "")) for e in b.get("elements", []))
    return "\n".join(parts)


def when(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
