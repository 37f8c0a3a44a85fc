#!/usr/bin/env python3
"""One llama.cpp runtime on the packaged GGUF: load time, prompt and generation speed, first-token latency
(a benchmark: it prints, it never asserts).

    python bench/llm_runtime.py RUNTIME [--model GGUF] [--threads 2] [--reps 3] [--json]

RUNTIME is one of
  endpoint          what the tool runs: `python -m assistant.llm.serve --parent` (xllamacpp's llama.cpp server,
                    its own process) on loopback, through the tool's OpenAI-compatible client (LocalChatModel)
  xllamacpp         xllamacpp's server in this process, called directly (handle_chat_completions)
  llama-cpp-python  llama_cpp.Llama in this process (imported only for this one; run it with the Python of a
                    venv that has it, e.g. /tmp/lcp-venv/bin/python bench/llm_runtime.py llama-cpp-python)

load      the model loaded and ready to answer (endpoint: the server process started and ready);
prompt    tokens/s reading a ~700-token prompt that shares nothing with the one before;
gen       tokens/s writing (128 tokens, the first one left out);
first     seconds to the first streamed piece of a chat question: prompts/ask.md's system prompt already
          evaluated (a chat session's second question), ~250 new tokens of question and facts.
Each figure is the median of --reps runs. The same OpenMP wait policy is used for every runtime.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Messages = list[dict[str, str]]

FACTS = "\n".join(
    [f'Target [1] "Context cancellation in Go servers" (found by path; {3} referring domains). '
     "5 pages that do not link to it yet should:"]
    + [f'- [{i}] "Go concurrency patterns, part {i}" should link to [1] (mentions \'context\' unlinked; '
       f"shares the topics goroutines, deadlines and request-scoped values)" for i in range(2, 7)])
COUNT = [{"role": "system", "content": "You answer tersely."},
         {"role": "user", "content": "Count from 1 to 300, separated by commas."}]


def long_prompt(run: int) -> Messages:
    """~700 tokens that share no prefix with another run's (the run number comes first)."""
    words = " ".join(f"run{run} item{i} internal links pass authority between related pages;" for i in range(70))
    return [{"role": "user", "content": f"Run {run}. Summarise in one word: {words}"}]


def chat_prompt(question: str) -> Messages:
    from assistant.llm.prompts import parse  # the file itself: another runtime's venv lacks the package

    prompt = parse("ask", (ROOT / "prompts" / "ask.md").read_text(encoding="utf-8"))
    system, user = prompt.render(question=question, facts=FACTS, passages="(none)")
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class Runtime:
    """stream(messages, max_tokens) -> the text pieces; prompt_tokens(messages) -> how many tokens."""

    load_s: float
    stream: Callable[[Messages, int], Iterator[str]]
    count: Callable[[Messages], int]


def endpoint(model: str, threads: int) -> Runtime:
    from langchain_core.messages import HumanMessage, SystemMessage

    from assistant.llm.local_model import LocalChatModel

    t0 = time.perf_counter()
    llm = LocalChatModel(model_path=model, context_tokens=4096, threads=threads, temperature=0.2)
    llm.client()
    rt = Runtime()
    rt.load_s = time.perf_counter() - t0
    kinds = {"system": SystemMessage, "user": HumanMessage}

    def stream(messages: Messages, max_tokens: int) -> Iterator[str]:
        for chunk in llm.stream([kinds[m["role"]](content=m["content"]) for m in messages], max_tokens=max_tokens):
            if chunk.text:
                yield str(chunk.text)

    rt.stream = stream
    rt.count = lambda messages: _usage(llm, messages)
    return rt


def _usage(llm: Any, messages: Messages) -> int:
    import httpx

    at = llm.endpoint()
    r = httpx.post(at.url + "/chat/completions", headers={"Authorization": f"Bearer {at.key}"}, timeout=600,
                   json={"messages": messages, "max_tokens": 1, "model": at.model})
    return int(r.json()["usage"]["prompt_tokens"])


def xllamacpp(model: str, threads: int) -> Runtime:
    import queue
    import threading

    from assistant.llm.serve import start

    t0 = time.perf_counter()
    server = start(model, n_ctx=4096, threads=threads)
    rt = Runtime()
    rt.load_s = time.perf_counter() - t0

    def stream(messages: Messages, max_tokens: int) -> Iterator[str]:
        pieces: queue.Queue[str | None] = queue.Queue()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            for choice in chunk.get("choices") or []:
                if text := (choice.get("delta") or {}).get("content"):
                    pieces.put(text)
            return False

        def run() -> None:
            server.handle_chat_completions({"messages": messages, "max_tokens": max_tokens, "stream": True,
                                            "temperature": 0.2}, on_chunk)
            pieces.put(None)

        threading.Thread(target=run, daemon=True).start()
        while (piece := pieces.get()) is not None:
            yield piece

    rt.stream = stream
    rt.count = lambda messages: int(server.handle_chat_completions(
        {"messages": messages, "max_tokens": 1})["usage"]["prompt_tokens"])
    return rt


def llama_cpp_python(model: str, threads: int) -> Runtime:
    from llama_cpp import Llama

    t0 = time.perf_counter()
    llama = Llama(model_path=model, n_ctx=4096, n_threads=threads, n_threads_batch=threads, verbose=False)
    rt = Runtime()
    rt.load_s = time.perf_counter() - t0

    def stream(messages: Messages, max_tokens: int) -> Iterator[str]:
        for chunk in llama.create_chat_completion(messages=messages, max_tokens=max_tokens, stream=True,
                                                  temperature=0.2):
            if text := chunk["choices"][0]["delta"].get("content"):
                yield text

    rt.stream = stream
    rt.count = lambda messages: int(llama.create_chat_completion(messages=messages, max_tokens=1)["usage"][
        "prompt_tokens"])
    return rt


RUNTIMES = {"endpoint": endpoint, "xllamacpp": xllamacpp, "llama-cpp-python": llama_cpp_python}


def timed(rt: Runtime, messages: Messages, max_tokens: int) -> tuple[float, float, int]:
    """(seconds to the first piece, seconds from the first piece to the last, pieces)."""
    start = time.perf_counter()
    first = last = 0.0
    n = 0
    for _piece in rt.stream(messages, max_tokens):
        last = time.perf_counter() - start
        if n == 0:
            first = last
        n += 1
    return first, last - first, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runtime", choices=sorted(RUNTIMES))
    ap.add_argument("--model", default="", help="GGUF file (default: the packaged model)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="one JSON line instead of text")
    args = ap.parse_args()

    model = args.model
    if not model:
        from assistant.llm.model import model_path

        model = str(model_path())
    from assistant.llm.local import openmp_env

    os.environ.update(openmp_env(args.threads))       # the policy the tool gives its server, before any import
    rt = RUNTIMES[args.runtime](model, args.threads)

    prompt_rates, gen_rates, firsts = [], [], []
    for run in range(args.reps):
        messages = long_prompt(run)
        n_prompt = rt.count(long_prompt(1000 + run))          # the same length, not the same prefix
        first, _rest, _n = timed(rt, messages, 1)
        prompt_rates.append(n_prompt / first)
        _first, rest, n = timed(rt, COUNT, 128)
        gen_rates.append((n - 1) / rest if n > 1 and rest > 0 else 0.0)
        timed(rt, chat_prompt("Which pages should link to /blog/warm-up/?"), 1)       # the system prompt cached
        first, _rest, _n = timed(rt, chat_prompt(f"Which pages should link to /blog/context-{run}/?"), 40)
        firsts.append(first)
    result = {"runtime": args.runtime, "load_s": round(rt.load_s, 2),
              "prompt_tok_s": round(statistics.median(prompt_rates), 1),
              "gen_tok_s": round(statistics.median(gen_rates), 1),
              "first_token_s": round(statistics.median(firsts), 2),
              "prompt_tokens": n_prompt, "threads": args.threads,
              "load_average": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.runtime}: load {result['load_s']:.2f} s, prompt {result['prompt_tok_s']:.1f} tok/s "
              f"({n_prompt} tokens), generation {result['gen_tok_s']:.1f} tok/s, first token "
              f"{result['first_token_s']:.2f} s (median of {args.reps}; {args.threads} threads; load average "
              f"{result['load_average']:.2f} on {os.cpu_count()} CPUs)")
    sys.stdout.flush()
    os._exit(0)       # skip the runtimes' teardown


if __name__ == "__main__":
    sys.exit(main())
