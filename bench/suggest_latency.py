#!/usr/bin/env python3
"""Latency of ``assistant suggest`` on an existing workspace (a benchmark: it prints, it never asserts).

    python bench/suggest_latency.py --workspace WS [--pages 10] [--cli N] [--keep-cache]

The workspace's suggestion cache (``WS/cache/suggest-*.npz``) is removed first (``--keep-cache``: kept), so
that both sides are measured:

1. in process (the workspace warm: a chat session, the Slack bot, ``suggest --all`` and ``plan`` load it once):
   the load without the cache (SQLite, PageRank, Chroma chunk vectors), the first query (it builds the BM25 and
   phrase indexes) and the cache's writing; then the load and first query from the cache; then the median and
   p90 of ``Engine.suggest_to`` / ``suggest_from`` over ``--pages`` pages;
2. ``--cli N``: the wall time of whole ``suggest --to URL --format json`` commands (Python start-up, imports
   and the load included): one without the cache (it writes the cache), then N from the cache. The commands
   run with compiled bytecode, as an installed package does (kept under a temporary ``PYTHONPYCACHEPREFIX``,
   so the checkout gets no ``__pycache__``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def clear_cache(ws: Path) -> None:
    for f in (ws / "cache").glob("suggest-*.npz"):
        f.unlink()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True, type=Path)
    ap.add_argument("--pages", type=int, default=10, help="pages to query in process (10)")
    ap.add_argument("--cli", type=int, default=3, help="whole CLI runs from the cache to time (3; 0 = none)")
    ap.add_argument("--keep-cache", action="store_true", help="do not remove the suggestion cache first")
    ap.add_argument("--no-vectors", action="store_true", help="lexical relevance only")
    args = ap.parse_args()

    from assistant.services import Services
    from assistant.settings import load_settings
    from assistant.suggest import Engine, load_site

    if not args.keep_cache:
        clear_cache(args.workspace)
    t0 = time.perf_counter()
    services = Services(load_settings(None, workspace=args.workspace))
    data = load_site(services, use_vectors=not args.no_vectors)
    t1 = time.perf_counter()
    engine = Engine(data)
    pages = sorted(u for u in data.pages if u not in data.hubs)
    step = max(1, len(pages) // max(args.pages, 1))
    sample = pages[::step][:args.pages]
    start = time.perf_counter()
    engine.suggest_to(sample[0], 10)
    first = time.perf_counter() - start
    start = time.perf_counter()
    engine.save()
    saved = time.perf_counter() - start
    chunks = len(data.index.chunks) if data.index is not None else 0
    print(f"workspace   {args.workspace}: {len(data.pages)} pages, {chunks} chunk vectors")
    print(f"no cache    load {t1 - t0:.2f} s, first --to {first:.2f} s (builds the indexes), "
          f"writing the cache {saved:.2f} s")

    t0 = time.perf_counter()
    services = Services(load_settings(None, workspace=args.workspace))
    data = load_site(services, use_vectors=not args.no_vectors)
    t1 = time.perf_counter()
    engine = Engine(data)
    engine.suggest_to(sample[0], 10)
    print(f"cached      load {t1 - t0:.2f} s, first --to {time.perf_counter() - t1:.2f} s")

    times: dict[str, list[float]] = {"to": [], "from": []}
    for url in sample:
        for name, fn in (("to", engine.suggest_to), ("from", engine.suggest_from)):
            start = time.perf_counter()
            fn(url, 10)
            times[name].append(time.perf_counter() - start)
    for name, ts in times.items():
        ordered = sorted(ts)
        print(f"warm --{name:<5} median {statistics.median(ordered):.3f} s, "
              f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.3f} s over {len(ts)} pages")

    if args.cli:
        with tempfile.TemporaryDirectory(prefix="suggest-latency-pyc-") as pyc:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = pyc
            warm_up = "import assistant.cli.app, assistant.suggest, bm25s, chromadb, networkx, scipy.sparse"
            subprocess.run([sys.executable, "-c", warm_up], check=True, env=env, cwd=ROOT)

            def run(url: str) -> float:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "assistant", "--workspace", str(args.workspace), "suggest",
                                "--to", url, "--format", "json"], check=True, capture_output=True, env=env, cwd=ROOT)
                return time.perf_counter() - start

            if not args.keep_cache:
                clear_cache(args.workspace)
                cold = run(sample[-1])
                print(f"cli cold    suggest --to: {cold:.2f} s (no cache: it reads the workspace and writes the cache)")
            walls = [run(url) for url in (sample * args.cli)[:args.cli]]
            print(f"cli cached  suggest --to: median {statistics.median(walls):.2f} s, max {max(walls):.2f} s "
                  f"over {len(walls)} runs (Python start-up, imports and the load included): "
                  + ", ".join(f"{w:.2f}" for w in walls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
