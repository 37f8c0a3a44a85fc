"""Ingest's vectors made and written in a process of their own.

On two cores, embedding and Chroma's writes in a thread of the ingest process cost the crawl half of its speed:
both hold the interpreter lock the fetch threads and the SQLite writer need (go-blog: 4.5 s with vectors against 2.9
without). Here a child interpreter (``python -m assistant.ingest.vectorproc``) builds the embedder and the Chroma
store from the same :class:`~assistant.services.Services` and answers the ingest's calls over a pipe; the ingest
process never imports Chroma.

The child dies with its parent (``PR_SET_PDEATHSIG``) and exits when the pipe closes, so a killed ingest leaves no
writer behind; what it wrote before is what :func:`~assistant.ingest.embedding.reconcile` checks on the next run.
An error in the child comes back as the same kind of error with its message (a Chroma server that cannot be
reached is a :class:`~assistant.store.vectors.StoreError` here as it is in-process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from assistant.settings import ConfigError
from assistant.store.embedder import EmbedderError
from assistant.store.vectors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from assistant.ingest.embedding import EmbedJob, LocalWriter
    from assistant.settings import EmbedSettings, Settings, StoreSettings

ERRORS: dict[str, type[Exception]] = {e.__name__: e for e in (StoreError, EmbedderError, ConfigError)}
# the child's entry point: beside services.py (it builds the embedder and the Chroma client as the ingest process
# would), so that ingest imports nothing above it
CHILD = "assistant.vectorchild"
Build = Callable[["Path", "EmbedSettings", "StoreSettings"], "LocalWriter"]


class ProcessWriter:
    """A :class:`~assistant.ingest.embedding.VectorWriter` whose work runs in a child process."""

    def __init__(self, settings: Settings) -> None:
        self._lock = threading.Lock()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close(), after the child)
        to_child, self._child_in = os.pipe()
        self._child_out, from_child = os.pipe()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", CHILD, str(to_child), str(from_child),
             str(settings.workspace)],      # the workspace in its command line: `ps` says whose writer it is
            pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._stderr, close_fds=True)
        os.close(to_child)
        os.close(from_child)
        self._send = Connection(self._child_in, readable=False)
        self._recv = Connection(self._child_out, writable=False)
        self._send.send((settings.workspace, settings.embed, settings.store))   # what the writer is built from

    def _call(self, op: str, *args: Any) -> Any:
        with self._lock:
            try:
                self._send.send((op, args))
                reply = self._recv.recv()
            except (EOFError, OSError):
                raise StoreError(f"the vector writer process stopped (exit code {self._proc.wait()}): "
                                 f"{self._tail()}") from None
        if reply[0] == "error":
            raise ERRORS.get(reply[1], StoreError)(reply[2])
        return reply[1]

    def _tail(self) -> str:
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    def write(self, jobs: Sequence[EmbedJob]) -> None:
        self._call("write", list(jobs))

    def ids(self) -> set[str]:
        return set(self._call("ids"))

    def delete(self, ids: Sequence[str]) -> None:
        self._call("delete", list(ids))

    def reset(self) -> None:
        self._call("reset")

    def count(self) -> int:
        return int(self._call("count"))

    def close(self) -> None:
        """End the child and wait for it: its Chroma files are closed after this. Not under the lock: a call in
        hand on another thread (an interrupted ingest) is finished by the child, then ends with the pipe."""
        if self._send.closed:
            return
        self._send.close()
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        with self._lock:
            self._recv.close()
        self._stderr.close()


def serve(argv: list[str], build: Build) -> None:
    """The child's loop on the pipes named by ``argv``: build the writer (``build``) from the settings sent
    first, then answer calls until the pipe closes."""
    recv, send = Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False)
    workspace, embed, store_settings = recv.recv()
    writer: LocalWriter | None = None
    failure: tuple[str, str] | None = None
    try:
        writer = build(workspace, embed, store_settings)
        writer.warm()
    except Exception as exc:  # every later call answers with it: the ingest process raises it where it asks
        failure = (type(exc).__name__, str(exc))
    while True:
        try:
            op, args = recv.recv()
        except EOFError:
            break
        if failure is not None or writer is None:
            send.send(("error", *(failure or ("StoreError", "no vector store"))))
            continue
        try:
            send.send(("ok", getattr(writer, op)(*args)))
        except Exception as exc:
            send.send(("error", type(exc).__name__, str(exc)))
