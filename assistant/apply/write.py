"""The edits as a unified diff, and written in place: atomically, and never over a file changed since it was read."""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from pathlib import Path

from assistant.apply.edits import Change, Result


def diff(result: Result) -> str:
    """A unified diff of every changed file (paths relative to the source folder, ``a/`` and ``b/`` prefixes:
    ``git apply`` and ``patch -p1`` take it)."""
    out: list[str] = []
    for change in sorted(result.changes, key=lambda c: c.file.rel):
        before = change.before.splitlines(keepends=True)
        after = change.after().splitlines(keepends=True)
        for line in difflib.unified_diff(before, after, f"a/{change.file.rel}", f"b/{change.file.rel}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def replace_atomically(path: Path, text: str) -> None:
    """Write ``text`` beside ``path`` and rename it over: readers see the old file or the new, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(result: Result) -> list[str]:
    """Writes every change whose file still has the content the diff was computed from; the outcomes of a file
    that changed meanwhile (or cannot be written) become ``skipped`` with the reason. Returns the files written."""
    written = []
    for change in result.changes:
        problem = unchanged(change)
        if problem is None:
            try:
                replace_atomically(change.file.path, change.after())
                written.append(change.file.rel)
                continue
            except OSError as exc:
                problem = f"cannot write {change.file.rel}: {exc.strerror or exc}"
        tasks = {e.task for e in change.edits}
        for o in result.outcomes:
            if o.status == "applied" and o.file == change.file.rel and o.task in tasks:
                o.status, o.reason = "skipped", problem
    return written


def unchanged(change: Change) -> str | None:
    try:
        now = hashlib.sha256(change.file.path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"cannot read {change.file.rel}: {exc.strerror or exc}"
    return None if now == change.digest else f"{change.file.rel} changed since the diff was computed: not touched"
