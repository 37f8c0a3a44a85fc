"""The suggestion engine's derived cache in the workspace: ``WORKSPACE/cache/suggest-PART.npz``.

What a one-shot ``assistant suggest`` would otherwise rebuild from the workspace on every run — the site part
(pages, content links, PageRank, referring domains and the chunk vectors read out of Chroma) and the index part
(token strings, postings, title phrases, BM25) — is saved as plain numpy arrays (``np.savez``, read back with
``allow_pickle=False``: loading a cache file never runs code; text and mappings are UTF-8 JSON or packed strings).

Every file carries the :func:`fingerprint` of the workspace state it was derived from: the pages table's
aggregates (each stored, re-parsed or vanished page moves ``updated_at``; embedding moves the number of pages whose
vectors match their content), the ``meta`` table (``embed_model``, ``extractor_version``), the backlink tables,
the settings the vectors come from, and the code and library versions that derive the cache. A file with another
fingerprint, or one that cannot be read whole, is ignored and rebuilt (logged at debug): never used, never a
traceback. Writes go to a temporary file renamed over the old one (``os.replace``): a kill leaves the old file
or the new one, and two processes writing at once each rename a whole file. Nothing is written while an ingest
holds the workspace, or when the state moved while it was read.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from assistant.store.clients import Clients

log = logging.getLogger(__name__)

VERSION = 1
Arrays = Mapping[str, NDArray[Any]]
_PACKAGE = Path(__file__).resolve().parents[1]
# the code that derives what is cached: any change to it is another cache
_SOURCES = ("suggest", "graph.py", "sitegraph.py", "trafficdata.py", "text.py", "words.py", "rules/data.py",
            "store/graphdata.py", "store/queries.py", "store/vectors.py", "store/backlinks.py")
_LIBRARIES = ("bm25s", "networkx")
_code_key: str | None = None
STALE_TEMP = 3600.0      # a temporary file older than this is a killed writer's


def _code() -> str:
    """A digest of the deriving code's source files and of the libraries' versions (computed once)."""
    global _code_key
    if _code_key is None:
        h = hashlib.sha256(f"{VERSION} numpy {np.__version__}".encode())
        for name in _SOURCES:
            path = _PACKAGE / name
            for f in sorted(path.glob("*.py")) if path.is_dir() else [path]:
                with contextlib.suppress(OSError):
                    h.update(f.name.encode() + f.read_bytes())
        for lib in _LIBRARIES:
            spec = importlib.util.find_spec(lib)
            origin = spec.origin if spec is not None else None
            with contextlib.suppress(OSError, TypeError):
                st = os.stat(str(origin))
                h.update(f"{lib} {origin} {st.st_size} {st.st_mtime_ns}".encode())
        _code_key = h.hexdigest()
    return _code_key


def fingerprint(services: Clients) -> str:
    """The workspace state everything in the cache is derived from (cheap: a few aggregate queries)."""
    from assistant.store.queries import workspace_state

    state = workspace_state(services.db)
    s = services.settings
    config = [s.embed.model, s.store.collection, s.store.chroma_url]
    return hashlib.sha256(json.dumps([_code(), state, config], default=str).encode()).hexdigest()


def ingest_running(workspace: Path) -> bool:
    """Does a live process hold the workspace's lock (:class:`assistant.store.lock.WorkspaceLock` writes its pid
    there and empties the file when it lets go)? Read without locking, so that an ingest starting now never
    finds the workspace busy because of us."""
    try:
        holder = (workspace / "lock").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "(pid " not in holder:
        return False
    try:
        pid = int(holder.rsplit("(pid ", 1)[1].split(")", 1)[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


# ---------------------------------------------------------------------------------------------- encodings
def to_json(obj: Any) -> NDArray[np.uint8]:
    return np.frombuffer(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode(), dtype=np.uint8)


def from_json(arr: NDArray[Any]) -> Any:
    return json.loads(arr.tobytes().decode())


def pack_words(words: list[str]) -> NDArray[np.uint8]:
    """Strings without a line break (words, token strings, phrase keys) as one UTF-8 blob, one per line."""
    text = "\n".join(words)
    if text.count("\n") != max(len(words) - 1, 0):
        raise ValueError("a word holds a line break")
    return np.frombuffer(f"{len(words)}\n{text}".encode(), dtype=np.uint8)


def unpack_words(blob: NDArray[Any]) -> list[str]:
    head, _, text = blob.tobytes().decode().partition("\n")
    words = text.split("\n") if int(head) else []
    if len(words) != int(head):
        raise ValueError("packed words do not match their count")
    return words


# ---------------------------------------------------------------------------------------------- files
class Cache:
    """The cache files of one workspace state (``key``): :meth:`read` a part whole, or :meth:`write` one."""

    def __init__(self, directory: Path, key: str, writable: bool = True) -> None:
        self.directory = directory
        self.key = key
        self.writable = writable

    @classmethod
    def of(cls, services: Clients) -> Cache | None:
        """The cache of the workspace's current state; None when the state cannot be read."""
        try:
            key = fingerprint(services)
        except Exception as exc:  # an old or damaged database: the engine then works without a cache
            log.debug("suggest cache: no fingerprint (%s)", exc)
            return None
        return cls(services.workspace / "cache", key)

    def path(self, part: str) -> Path:
        return self.directory / f"suggest-{part}.npz"

    def read(self, part: str) -> dict[str, NDArray[Any]] | None:
        """Every array of ``part`` when its file is this state's and reads whole; None otherwise."""
        path = self.path(part)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                got = {name: npz[name] for name in npz.files}
            head = from_json(got.pop("_head"))
            if head != {"version": VERSION, "key": self.key, "part": part}:
                log.debug("suggest cache: %s is of another workspace state; rebuilding it", path.name)
                return None
            return got
        except Exception as exc:  # truncated, corrupt, foreign: rebuilt like a missing one
            log.debug("suggest cache: %s unreadable (%s: %s); rebuilding it", path.name, type(exc).__name__, exc)
            return None

    def write(self, part: str, arrays: Mapping[str, NDArray[Any]]) -> bool:
        """Save ``part`` atomically; False (logged at debug) when it cannot be, or should not be, written now."""
        workspace = self.directory.parent
        if not self.writable or ingest_running(workspace):
            return False
        tmp: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._sweep()
            fd, tmp = tempfile.mkstemp(prefix=f".suggest-{part}.", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "wb") as f:
                save: Any = np.savez     # its stubs type the arrays' names as its own keyword arguments
                save(f, _head=to_json({"version": VERSION, "key": self.key, "part": part}), **arrays)
            os.chmod(tmp, 0o644)          # as the workspace's other files (mkstemp makes it 0600)
            os.replace(tmp, self.path(part))
            return True
        except Exception as exc:  # read-only workspace, full disk: the next run builds it again
            log.debug("suggest cache: cannot write %s (%s)", part, exc)
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False

    def _sweep(self) -> None:
        """Remove temporary files that killed writers left behind."""
        now = time.time()
        for f in self.directory.glob(".suggest-*.tmp"):
            with contextlib.suppress(OSError):
                if now - f.stat().st_mtime > STALE_TEMP:
                    f.unlink()
