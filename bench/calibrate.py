#!/usr/bin/env python3
"""How the static vectors' page cosines map onto MiniLM's (a benchmark: it prints, it never asserts).

    python bench/calibrate.py --workspace WS [--pages 70]

Embeds the chunks of a seeded sample of the workspace's pages with both embedders, takes every pair of the
sample's page vectors (the normalised mean of their chunks, as the audit does) and prints the least-squares line
``minilm = slope × static + intercept`` with its correlation, next to the slope and intercept the static embedder
uses (``StaticEmbedder.calibration``), and where both put a link between pages of random and of linked pairs.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True, type=Path)
    ap.add_argument("--pages", type=int, default=70)
    args = ap.parse_args()
    from assistant.store.embedder import OnnxEmbedder, StaticEmbedder

    db = sqlite3.connect(args.workspace / "assistant.db")
    ids = sorted(pid for (pid,) in db.execute("SELECT id FROM pages WHERE content_hash IS NOT NULL AND gone=0"))
    random.seed(1)
    sample = random.sample(ids, min(args.pages, len(ids)))
    chunks = {pid: [r[0] for r in db.execute("SELECT text FROM chunks WHERE page_id=? ORDER BY position", (pid,))]
              for pid in sample}
    keys = sorted(k for k, v in chunks.items() if v)
    sims = []
    static = StaticEmbedder()
    for embedder in (static, OnnxEmbedder()):
        rows = []
        for k in keys:
            m = embedder.embed(chunks[k]).mean(axis=0)
            rows.append(m / np.linalg.norm(m))
        matrix = np.stack(rows)
        sims.append((matrix @ matrix.T)[np.triu_indices(len(keys), 1)])
    s, m = sims
    slope, intercept = np.polyfit(s, m, 1)
    used = static.calibration
    print(f"{args.workspace}: {len(keys)} pages, {len(s)} pairs, correlation {np.corrcoef(s, m)[0, 1]:.3f}")
    print(f"fit   minilm = {slope:.3f} x static {intercept:+.3f}")
    print(f"used  minilm = {used[0]:.3f} x static {used[1]:+.3f}")
    for q in (0.05, 0.5, 0.95):
        sq, mq = float(np.quantile(s, q)), float(np.quantile(m, q))
        print(f"q{q:.2f} of random pairs: static {sq:.3f} -> calibrated {used[0] * sq + used[1]:.3f}; minilm {mq:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
