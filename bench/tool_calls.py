#!/usr/bin/env python3
"""How well a model calls the engines' tools (assistant/chain/tools.py): a benchmark, it prints and never asserts.

    python bench/tool_calls.py --workspace WS [--base-url URL --model NAME]   # default: the local packaged model

Ten questions about the workspace's pages, each with the tools that answer it. Per question: the calls the
model made, whether each call's arguments were valid (the tool ran), whether a right tool was among them, the
seconds, whether the guarded answer kept a citation, and (a small model's habit) whether it wrote a call as
JSON text instead of making it. The pages are the workspace's three most linked posts.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    ("Which pages should link to {a}?", {"suggest"}),
    ("What internal links should {b} add?", {"suggest"}),
    ("Are there orphan pages on this site?", {"audit"}),
    ("What is the Link Score and click depth of {a}?", {"page"}),
    ("Which pages link to {a} in their text?", {"links"}),
    ("Compare the internal links of {a} and {b}.", {"links", "page"}),
    ("Why does {c} get so little authority?", {"page", "links"}),
    ("Find the post about {word}.", {"find_pages"}),
    ("What should I fix first on this site?", {"plan", "audit"}),
    ("Does {b} link to {a}?", {"links"}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True, type=Path)
    ap.add_argument("--base-url", default="", help="an OpenAI-compatible endpoint (default: the local model)")
    ap.add_argument("--model", default="local")
    args = ap.parse_args()

    from assistant.chain.facts import Facts
    from assistant.chain.guard import check, cited
    from assistant.chain.intent import Intent
    from assistant.chain.tools import run
    from assistant.services import Services
    from assistant.settings import load_settings
    from assistant.tools import Toolbox

    llm_cfg = {"provider": "openai", "base_url": args.base_url, "model": args.model} if args.base_url else {}
    services = Services(load_settings(None, workspace=args.workspace, llm=llm_cfg))
    box = Toolbox(services)
    rows = sorted((r for r in box.overview().values() if r["indexable"] and r["words"]),
                  key=lambda r: (-r["content_inlinks"], r["url"]))
    a, b, c = (urlsplit(r["url"]).path for r in rows[:3])
    word = (rows[0]["title"] or "go").split()[0]
    llm = services.llm
    llm.invoke("hi", max_tokens=1)      # the model loaded before the first timed question
    totals = {"questions": 0, "called": 0, "valid": 0, "calls": 0, "right": 0, "cited": 0, "in_text": 0,
              "in_text_right": 0}
    for template, right in QUESTIONS:
        question = template.format(a=a, b=b, c=c, word=word)
        facts = Facts(Intent.general)
        start = time.monotonic()
        loop = run(llm, box, question, facts)
        seconds = time.monotonic() - start
        guarded = check(loop.text, {s.n: s.url for s in facts.sources}, set(box.overview()),
                        [s.text for s in facts.sources] + facts.sheet + [question])
        names = {c.name for c in loop.calls}
        totals["questions"] += 1
        totals["called"] += bool(loop.calls)
        totals["calls"] += len(loop.calls)
        totals["valid"] += sum(c.ok for c in loop.calls)
        totals["right"] += bool(names & right)
        totals["cited"] += bool(cited(guarded.text))
        written = set(re.findall(r'"name":\s*"(\w+)"', loop.text)) & {t.name for t in box.tools()}
        totals["in_text"] += bool(written and not loop.calls)       # a call written as text, not made
        totals["in_text_right"] += bool(written & right and not loop.calls)
        print(f"{seconds:6.1f}s  {question}")
        for call in loop.calls:
            print(f"         {'ok ' if call.ok else 'ERR'} {call.line[:150]}")
        print(f"         raw: {loop.text[:160]!r}")
        print(f"         guarded: {guarded.text[:200]!r}")
    n = totals["questions"]
    print(f"\n{n} questions: a tool called in {totals['called']}, a right tool in {totals['right']}, "
          f"{totals['valid']} of {totals['calls']} calls with valid arguments, a cited answer in {totals['cited']}; "
          f"a call written as text instead in {totals['in_text']} (the right tool in {totals['in_text_right']})")


if __name__ == "__main__":
    main()
