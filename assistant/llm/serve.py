"""A GGUF model behind an OpenAI-compatible endpoint on loopback: llama.cpp's own server, run in-process by
xllamacpp (prebuilt wheels, no compiler).

    python -m assistant.llm.serve [--model GGUF] [--ctx 4096] [--threads 0] [--port 0] [--alias local] [--parent]

When the model is loaded it prints one JSON line, ``{"url": "http://127.0.0.1:PORT/v1", "model": ALIAS,
"load_s": …}`` (or ``{"error": "…"}`` and exits 1), then serves until SIGTERM or SIGINT, or, with ``--parent``,
until its standard input closes: the tool starts its local model so (:mod:`assistant.llm.local`), and the
server ends with the tool however the tool ends. Clients must send the API key in ``ASSISTANT_LLM_KEY`` when
it is set. ``--verbose`` keeps llama.cpp's log (one ``launch_slot_`` line per request) on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from typing import Any

KEY_ENV = "ASSISTANT_LLM_KEY"
PROMPT_CACHE_MIB = 256     # other prompts' KV states kept in RAM for reuse (the 0.5B model: 12 KB a token)


def cpu_threads(configured: int = 0) -> int:
    """``configured`` or the CPUs this process may run on (llama.cpp's own default is half the cores)."""
    if configured:
        return configured
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def server_params(model: str, *, n_ctx: int = 4096, threads: int = 0, host: str = "127.0.0.1", port: int = 0,
                  alias: str = "local", api_key: str = "", verbose: bool = False) -> Any:
    """xllamacpp's ``CommonParams`` for one model served to one client at a time.

    One slot (``n_parallel``): the whole context and every core for one answer; requests queue. The slot keeps
    its prompt (``cache_prompt``), so a request sharing a prefix with the last one (the same system prompt, a
    longer conversation) evaluates only the rest.
    """
    import xllamacpp  # type: ignore[import-untyped]

    p = xllamacpp.CommonParams()
    p.model.path = model
    p.model_alias = {alias}
    p.n_ctx = n_ctx
    p.n_parallel = 1
    n = cpu_threads(threads)
    p.cpuparams.n_threads = n
    p.cpuparams_batch.n_threads = n
    p.hostnames = [host]
    p.port = port
    p.api_keys = [api_key] if api_key else []
    p.cache_prompt = True
    p.cache_ram_mib = PROMPT_CACHE_MIB
    p.ui = False
    p.fit_params = False   # fitting to device memory reads the model once more (1.7 s); a CPU has room
    p.verbosity = 3 if verbose else 0
    return p


def start(model: str, **kwargs: Any) -> Any:
    """An ``xllamacpp.Server`` with ``model`` loaded and listening (see :func:`server_params`).

    Loading holds the GIL for its whole duration and the server takes over SIGINT and SIGTERM (to stop its own
    loop): which is why the tool runs it in a process of its own.
    """
    import xllamacpp

    return xllamacpp.Server(server_params(model, **kwargs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.llm.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="", help="GGUF file (default: the packaged model)")
    ap.add_argument("--ctx", type=int, default=4096, help="context window, tokens")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: every CPU this process may use)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--alias", default="local", help="the model name clients send")
    ap.add_argument("--parent", action="store_true", help="serve until standard input closes")
    ap.add_argument("--verbose", action="store_true", help="llama.cpp's log on standard error")
    args = ap.parse_args(argv)

    def say(**fields: Any) -> None:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()

    t0 = time.perf_counter()
    try:
        from assistant.llm.errors import LLMError, first_line
        from assistant.llm.model import model_path

        try:
            path = model_path(args.model)
            server = start(str(path), n_ctx=args.ctx, threads=args.threads, host=args.host, port=args.port,
                           alias=args.alias, api_key=os.environ.get(KEY_ENV, ""), verbose=args.verbose)
        except ModuleNotFoundError as exc:
            say(error=f"the local model runtime is missing ({exc}): pip install 'xllamacpp>=2026.10'")
            return 1
        except LLMError as exc:
            say(error=str(exc))
            return 1
        except Exception as exc:  # xllamacpp: RuntimeError("Failed to init server, …"); llama.cpp logs why
            say(error=first_line(exc))
            return 1
    except KeyboardInterrupt:
        return 130
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):          # take them back from llama.cpp's server
        signal.signal(sig, lambda *_: done.set())
    if args.parent:
        signal.signal(signal.SIGINT, signal.SIG_IGN)      # the tool's Ctrl-C stops an answer, not its model

        def orphaned() -> None:
            sys.stdin.buffer.read()
            done.set()

        threading.Thread(target=orphaned, daemon=True).start()
    say(url=server.listening_address + "/v1", model=args.alias, load_s=round(time.perf_counter() - t0, 3),
        pid=os.getpid())
    while not done.wait(1.0):
        pass
    sys.stdout.flush()
    os._exit(0)          # the OS frees the model at once; llama.cpp's teardown would only take longer


if __name__ == "__main__":
    sys.exit(main())
