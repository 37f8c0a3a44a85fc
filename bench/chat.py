#!/usr/bin/env python3
"""Time to first token and to the full answer of `ask`/`chat` with the configured model (a benchmark: it
prints, it never asserts).

    python bench/chat.py --workspace WS [--questions N] [--no-wait]

The chat's warm-up runs first (assistant.chain.warm: the model's server starts, the engines' indexes build
beside it, the model reads the system prompt once), as when a chat session starts; then each question is timed
from the moment it is asked: routing, the engines, retrieval, prompt evaluation, the first streamed piece, the
last one and the guard. "First output" is when the chat shows something to read: the engines' list for a
list question (it is printed before the model's lead, assistant.cli.show), else the model's first token.
``--no-wait``: the first question is asked at once, while the warm-up runs (it waits
for it, as in the chat), so its time includes what is left of the warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = ["Which pages should link to {path}?", "What should {path} link to?",
             "What are the most severe problems of my internal links?", "What does the site say about {word}?"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True, type=Path)
    ap.add_argument("--questions", type=int, default=4)
    ap.add_argument("--no-wait", action="store_true", help="ask the first question while the warm-up runs")
    args = ap.parse_args()

    from urllib.parse import urlsplit

    from assistant.chain.answer import LISTED, Conversation
    from assistant.chain.facts import Workspace
    from assistant.chain.warm import Warmup
    from assistant.services import Services
    from assistant.settings import load_settings

    services = Services(load_settings(None, workspace=args.workspace))
    t0 = time.perf_counter()
    ws = Workspace(services)
    warm = Warmup(ws, lambda: services.llm).start()
    talk = Conversation(ws, lambda: services.llm)
    if not args.no_wait:
        warm.wait()
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in warm.timings.items())
        print(f"warm-up {time.perf_counter() - t0:.2f} s ({steps}; {len(ws.data.pages)} pages)"
              + (f"; problems: {warm.problems}" if warm.problems else ""))
    first: list[float] = []
    full: list[float] = []
    output: list[float] = []
    for i in range(args.questions):
        if i == 0 and args.no_wait:
            start = time.perf_counter()
            warm.wait(lambda: print("(loading the model…)"))
        pages = sorted(ws.data.pages)
        page = pages[(i * 7919) % len(pages)]
        title_word = next((w for w in ws.title(page).split() if len(w) > 5), "links")
        q = QUESTIONS[i % len(QUESTIONS)].format(path=urlsplit(page).path, word=title_word)
        if not (i == 0 and args.no_wait):
            start = time.perf_counter()
        facts = talk.begin(q)
        # the chat shows the engines' list now (assistant.cli.show); a question without a list shows the model's
        shown = time.perf_counter() - start if facts.intent in LISTED else None
        got_first = None
        for _piece in talk.lead():
            if got_first is None:
                got_first = time.perf_counter() - start
        answer = talk.finish()
        total = time.perf_counter() - start
        first.append(got_first if got_first is not None else total)
        output.append(shown if shown is not None else first[-1])
        full.append(total)
        print(f"{output[-1]:6.2f} s first output, {first[-1]:6.2f} s model's first token, {total:6.2f} s full"
              f"  [{answer.intent}] {q}")
    print(f"median: first output {statistics.median(output):.2f} s, model's first token "
          f"{statistics.median(first):.2f} s, full answer {statistics.median(full):.2f} s "
          f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
