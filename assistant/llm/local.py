"""The local model as an endpoint the tool starts itself: ``python -m assistant.llm.serve --parent`` on
127.0.0.1, a free port and a random API key, one per model file, context size and thread count, started on
first use and shared by everything in the process (:func:`endpoint`).

Why a process of its own rather than xllamacpp's server in this one: loading the model holds the GIL for
the whole load (the chat's prompt and the index builds of the warm-up would stall for those seconds, where
in a child they run beside it on the other core), and llama.cpp's server takes over SIGINT and SIGTERM, which
the chat uses to stop an answer. The child is in a session of its own (Ctrl-C in the terminal does not reach
it) and ends when its standard input closes, so it never outlives the tool.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from assistant.llm.errors import LLMError
from assistant.llm.serve import KEY_ENV, cpu_threads

ALIAS = "local"
LOAD_TIMEOUT = 600.0       # seconds for the model to load (a cold disk, a loaded machine)


@dataclass(frozen=True)
class Endpoint:
    url: str               # the OpenAI-compatible base URL, http://127.0.0.1:PORT/v1
    key: str               # the API key the server wants
    model: str             # the model name it answers to
    load_s: float          # how long the model took to load


def openmp_env(threads: int) -> dict[str, str]:
    """How llama.cpp's OpenMP threads wait for each other (read once, when the server starts).

    libgomp's default spins ~300k rounds at every barrier; on a busy machine the spinning thread holds the core
    its partner needs and generation drops from 24 to under 1 token/s (2 cores). Spinning 10k rounds keeps the
    idle speed; when the machine is already loaded, not spinning at all (PASSIVE) degrades best (5 vs 2 tokens/s
    with six busy processes; idle it costs a third of the generation speed). The user's own settings win.
    """
    if "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ:
        return {}
    try:
        busy = os.getloadavg()[0] >= threads
    except (AttributeError, OSError):  # no load average (Windows)
        busy = False
    return {"OMP_WAIT_POLICY": "PASSIVE"} if busy else {"GOMP_SPINCOUNT": "10000"}


class LocalServer:
    """One model server child: started by :meth:`start` (at once), ready after :meth:`wait`."""

    def __init__(self, path: str, n_ctx: int, threads: int) -> None:
        self.path, self.n_ctx, self.threads = path, n_ctx, cpu_threads(threads)
        self.key = secrets.token_urlsafe(24)
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._ready: Endpoint | None = None
        self._error = ""
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return Path(self.path).name

    def start(self) -> None:
        if self.proc is not None:
            return
        self._log = tempfile.TemporaryFile(prefix="assistant-llm-")  # noqa: SIM115 (the server's log, kept)
        env = {**os.environ, KEY_ENV: self.key, **openmp_env(self.threads)}
        cmd = [sys.executable, "-m", "assistant.llm.serve", "--parent", "--model", self.path, "--ctx",
               str(self.n_ctx), "--threads", str(self.threads), "--alias", ALIAS]
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                         env=env, start_new_session=True)
        except OSError as exc:
            raise LLMError(f"cannot start the local model server: {exc.strerror or exc}") from None
        out = self.proc.stdout
        assert out is not None
        threading.Thread(target=lambda: self._lines.put(out.readline()), daemon=True,
                         name="assistant-llm-ready").start()

    def wait(self, timeout: float = LOAD_TIMEOUT, cancelled: threading.Event | None = None) -> Endpoint:
        """The endpoint once the model is loaded; LLMError (one line) when it cannot be."""
        with self._lock:
            if self._ready is not None:
                return self._ready
            if self._error:
                raise LLMError(self._error)
            self.start()
            deadline = time.monotonic() + timeout
            while True:
                try:
                    line = self._lines.get(timeout=0.2)
                    break
                except queue.Empty:
                    if cancelled is not None and cancelled.is_set():
                        raise LLMError("cancelled while the local model was loading") from None
                    if time.monotonic() > deadline:
                        self.close()
                        self._error = f"the local model {self.name} did not load within {timeout:.0f} s"
                        raise LLMError(self._error) from None
            try:
                said = json.loads(line) if line.strip() else {}
            except ValueError:
                said = {}
            if "url" not in said:
                self._error = f"cannot load the local model {self.path}: {said.get('error') or self._why()}"
                self.close()
                raise LLMError(self._error)
            self._ready = Endpoint(str(said["url"]), self.key, str(said.get("model", ALIAS)),
                                   float(said.get("load_s", 0.0)))
            return self._ready

    @property
    def ready(self) -> bool:
        return self._ready is not None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_reason(self) -> str:
        """Why the server is gone ('' while it runs)."""
        if self.proc is None or self.proc.poll() is None:
            return ""
        return f"the local model server exited (code {self.proc.returncode}): {self._why()}"

    def _why(self) -> str:
        """The last line the server wrote to its log, or its exit code."""
        text = ""
        if self._log is not None:
            try:
                self._log.seek(0)
                text = self._log.read()[-4000:].decode("utf-8", "replace")
            except (OSError, ValueError):
                text = ""
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        if lines:
            return lines[-1]
        code = self.proc.poll() if self.proc is not None else None
        return f"it exited with code {code}" if code is not None else "it said nothing"

    def close(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()          # --parent: the server ends when its input closes
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


_servers: dict[tuple[str, int, int], LocalServer] = {}
_servers_lock = threading.Lock()


def server(path: str, n_ctx: int, threads: int) -> LocalServer:
    """The shared server for this model, context size and thread count (started, not necessarily ready); one
    that was serving and has exited since is replaced by a new one (one that failed to load keeps its error)."""
    key = (path, n_ctx, cpu_threads(threads))
    with _servers_lock:
        found = _servers.get(key)
        if found is not None and found.ready and not found.alive():
            found.close()
            found = None
        if found is None:
            if not _servers:
                atexit.register(close_all)
            found = _servers[key] = LocalServer(path, n_ctx, threads)
            found.start()
        return found


def endpoint(path: str, n_ctx: int, threads: int, cancelled: threading.Event | None = None) -> Endpoint:
    """The running server's endpoint for this model (started and loaded on first use)."""
    return server(path, n_ctx, threads).wait(cancelled=cancelled)


def exit_reason(path: str, n_ctx: int, threads: int) -> str:
    """Why the shared server for this model stopped after serving ('' while it runs, or if it never did)."""
    with _servers_lock:
        found = _servers.get((path, n_ctx, cpu_threads(threads)))
    return found.exit_reason() if found is not None and found.ready else ""


def close_all() -> None:
    with _servers_lock:
        for s in _servers.values():
            s.close()
        _servers.clear()
