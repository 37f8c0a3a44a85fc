"""Extraction off the ingest thread: a pool of processes so pages are parsed on every core.

A page's bytes go in, a :class:`Parsed` (what extraction found and the main text's chunks) or the reason it
could not be read comes out. With one process (or for small crawls) it runs in the calling thread.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from assistant.ingest.extract import ExtractError, decode_html, extract
from assistant.ingest.lifeline import die_with_parent
from assistant.records import Extracted
from assistant.text import Chunk, chunk_text


@dataclass(frozen=True)
class Failed:
    """Why a page's bytes could not be read as HTML (picklable, unlike an exception with two args)."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Parsed:
    """A page read: what extraction found, and its main text's chunks (none when the page is not indexable)."""

    extracted: Extracted
    chunks: list[Chunk]


def read_html(content: bytes, content_type: str, url: str, trailing_slash: str) -> Extracted | Failed:
    try:
        return extract(decode_html(content, content_type), url, trailing_slash)
    except ExtractError as exc:
        return Failed(exc.reason, exc.detail)
    except RecursionError:
        return Failed("unparsable", "the HTML nests too deeply to parse")


def extract_bytes(content: bytes, content_type: str, url: str, trailing_slash: str,
                  chunk_tokens: int) -> Parsed | Failed:
    """:func:`read_html`, then the chunks (in the worker: chunking costs the ingest thread nothing)."""
    ex = read_html(content, content_type, url, trailing_slash)
    if isinstance(ex, Failed):
        return ex
    indexable = not ex.noindex and (ex.canonical is None or ex.canonical == url)
    return Parsed(ex, chunk_text(ex.main_text, chunk_tokens) if indexable and ex.main_text else [])


def _worker_init() -> None:
    """In each worker: die with the process that forked it (the fork server, which exits with us)."""
    if not die_with_parent():
        os._exit(0)


class Extractor:
    """Runs :func:`extract_bytes` in worker processes.

    They come from a fork server (a fresh interpreter that has imported the extraction code once), never
    from this process: a plain fork would copy our threads' locks — onnxruntime's, Chroma's — and a worker
    whose garbage collector then frees such an object hangs for ever (seen in the test suite).
    """

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes or (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        if self.processes > 1 and "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["assistant.ingest.extract"])
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context, initializer=_worker_init)

    def __call__(self, content: bytes, content_type: str, url: str, trailing_slash: str,
                 chunk_tokens: int) -> Parsed | Failed:
        pool = self._pool
        if pool is not None:
            try:
                return pool.submit(extract_bytes, content, content_type, url, trailing_slash, chunk_tokens).result()
            except BrokenProcessPool:
                self._pool = None      # a worker died (a crash in a C parser): carry on in-process
                return Failed("extract-crash", "the HTML parser crashed on this page")
        return extract_bytes(content, content_type, url, trailing_slash, chunk_tokens)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
