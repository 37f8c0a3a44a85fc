"""One writer per workspace: an advisory lock file (released by the OS even after kill -9)."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType


class WorkspaceBusy(Exception):
    """Another process holds the workspace."""


class WorkspaceLock:
    def __init__(self, workspace: Path, what: str, wait: float = 0.0) -> None:
        self.path = workspace / "lock"
        self.what = what
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> WorkspaceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
                    os.close(fd)
                    raise WorkspaceBusy(
                        f"workspace {self.path.parent} is busy: {holder} is running; wait for it to finish "
                        f"or pass --wait SECONDS") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"`assistant {self.what}` (pid {os.getpid()})".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
