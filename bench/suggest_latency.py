#!/usr/bin/env python3
"""Latency of ``assistant suggest`` on an existing workspace (a benchmark: it prints, it never asserts).

    python bench/suggest_latency.py --workspace WS [--pages 10] [--cli N]

1. in process (the workspace warm: a chat session, the Slack bot, ``suggest --all`` and ``plan`` load it once):
   the one-off load (SQLite, PageRank, Chroma chunk vectors) and the first query (it builds the BM25 and
   phrase indexes), then the median and p90 of ``Engine.suggest_to`` / ``suggest_from`` over ``--pages`` pages;
2. ``--cli N``: the wall time of N whole ``suggest --to URL --format json`` commands (Python start-up,
   imports and the load included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True, type=Path)
    ap.add_argument("--pages", type=int, default=10, help="pages to query in process (10)")
    ap.add_argument("--cli", type=int, default=3, help="whole CLI runs to time (3; 0 = none)")
    ap.add_argument("--no-vectors", action="store_true", help="lexical relevance only")
    ap.add_argument("--synthetic-vectors", type=int, default=0, metavar="K",
                    help="skip Chroma; give every page K random unit chunk vectors (times the vector maths of a "
                         "workspace whose embedding has not finished; relevance values are meaningless)")
    args = ap.parse_args()

    from assistant.services import Services
    from assistant.settings import load_settings
    from assistant.suggest import Engine, load_site

    t0 = time.perf_counter()
    services = Services(load_settings(None, workspace=args.workspace))
    data = load_site(services, use_vectors=not (args.no_vectors or args.synthetic_vectors))
    if args.synthetic_vectors:
        import numpy as np

        from assistant.suggest.vectors import VectorIndex

        rng = np.random.default_rng(0)
        chunks = {}
        for url in data.pages:
            m = rng.normal(size=(args.synthetic_vectors, 384)).astype(np.float32)
            chunks[url] = m / np.linalg.norm(m, axis=1, keepdims=True)
        data.index = VectorIndex(chunks)
        data.vectors = {u: data.index.pages[i] for u, i in data.index.pos.items()}
    t1 = time.perf_counter()
    engine = Engine(data)
    pages = sorted(u for u in data.pages if u not in data.hubs)
    step = max(1, len(pages) // max(args.pages, 1))
    sample = pages[::step][:args.pages]
    times: dict[str, list[float]] = {"to": [], "from": []}
    for url in sample:
        for name, fn in (("to", engine.suggest_to), ("from", engine.suggest_from)):
            start = time.perf_counter()
            fn(url, 10)
            times[name].append(time.perf_counter() - start)
    print(f"workspace   {args.workspace}: {len(data.pages)} pages, vectors: {data.vectors is not None}")
    chunks = len(data.index.chunks) if data.index is not None else 0
    print(f"load        {t1 - t0:.2f} s (SQLite, PageRank, backlinks, {chunks} Chroma chunk vectors)")
    for name, ts in times.items():
        if ts:
            ordered = sorted(ts)
            print(f"--{name:<5}     first {ts[0]:.2f} s, median {statistics.median(ordered):.3f} s, "
                  f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.3f} s over {len(ts)} pages")
    walls = []
    for url in sample[:args.cli]:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "--workspace", str(args.workspace),
                        "suggest", "--to", url, "--format", "json"], check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    if walls:
        print(f"cli         suggest --to: median {statistics.median(walls):.2f} s, max {max(walls):.2f} s "
              f"over {len(walls)} runs (Python start-up and load included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
