#!/usr/bin/env python3
"""Ingest speed against trafilatura, measured in one run (a benchmark: it prints, it never asserts).

    python bench/ingest.py [--site ../shared/corpora/go-blog | /usr/share/doc/sqlite3] [--skip-embed] [--minilm]

1. the bare loop: ``trafilatura.extract(html)`` over every page's bytes, read into memory first;
2. ``assistant ingest URL --no-embed`` on the site served on 127.0.0.1 (crawl + robots + sitemap,
   extraction, links, chunks, SQLite) — wall time of the whole command, Python start-up included;
3. the same again on the unchanged site (conditional GETs, nothing re-extracted or written);
4. ``assistant ingest URL`` with embeddings (the default ``[embed] model``, static vectors distilled from MiniLM)
   into a fresh workspace: the first ingest a user waits for;
5. with ``--minilm``, the same with ``[embed] model = "minilm"`` (the MiniLM network on every chunk), for the
   before/after ratio.
Peak RSS is the command's own (wait4 rusage, worker processes included). Any folder of HTML files is a site: it
is copied, served on 127.0.0.1 and crawled from its home page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PLACEHOLDER = "http://127.0.0.1:8000"
DEFAULT_SITE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "go-blog"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, dict[str, object]]:
    """(wall seconds, peak RSS MiB, JSON summary) of one CLI run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=None if env is None else {**os.environ, **env})
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, default=DEFAULT_SITE)
    ap.add_argument("--skip-embed", action="store_true", help="leave out step 4")
    ap.add_argument("--minilm", action="store_true", help="add step 5: the MiniLM network (minutes on 2 cores)")
    args = ap.parse_args()
    import logging

    import trafilatura

    logging.disable(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    site = work / "site"
    shutil.copytree(args.site, site, symlinks=False, ignore=shutil.ignore_patterns("*.gz"))
    pages = sorted(site.rglob("*.html"))
    htmls = [p.read_bytes() for p in pages]
    t0 = time.perf_counter()
    for html in htmls:
        trafilatura.extract(html)
    bare = time.perf_counter() - t0

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    for f in [*site.glob("sitemap*.xml"), site / "robots.txt"]:
        if f.is_file():
            f.write_text(f.read_text().replace(PLACEHOLDER, base.rstrip("/")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    cli = [sys.executable, "-m", "assistant"]
    try:
        first, rss1, s1 = run([*cli, "--workspace", str(work / "ws"), "ingest", base, "--no-embed", "--format", "json"])
        again, rss2, s2 = run([*cli, "--workspace", str(work / "ws"), "ingest", base, "--no-embed", "--format", "json"])
        full = minilm = None
        if not args.skip_embed:
            full = run([*cli, "--workspace", str(work / "ws-embed"), "ingest", base, "--format", "json"])
        if args.minilm:
            minilm = run([*cli, "--workspace", str(work / "ws-minilm"), "ingest", base, "--format", "json"],
                         {"ASSISTANT_EMBED__MODEL": "minilm"})
    finally:
        httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)

    totals = s1["totals"]
    assert isinstance(totals, dict)
    print(f"site              {args.site} ({len(pages)} HTML pages, served on 127.0.0.1), {os.cpu_count()} cores")
    print(f"trafilatura loop  {bare:7.2f} s   (trafilatura.extract over the pages' bytes in memory)")
    print(f"ingest --no-embed {first:7.2f} s   ratio {first / bare:.2f}   peak RSS {rss1:.0f} MiB   "
          f"({s1['new']} pages, {totals['links']} links, {totals['chunks']} chunks)")
    print(f"re-ingest         {again:7.2f} s   ratio to first ingest {again / first:.3f}   peak RSS {rss2:.0f} MiB   "
          f"({s2['unchanged']} unchanged)")
    line = f"ingest: ratio={first / bare:.2f} reingest_ratio={again / first:.3f}"
    for label, key, got in (("ingest + embed", "embed_ratio", full), ("  with minilm", "minilm_ratio", minilm)):
        if got is None:
            continue
        wall, rss, s = got
        chunks = s["embedded_chunks"]
        assert isinstance(chunks, int)
        print(f"{label:<17} {wall:7.2f} s   ratio {wall / bare:.2f}   peak RSS {rss:.0f} MiB   "
              f"({chunks} chunks embedded, {chunks / wall:.0f} chunks/s)")
        line += f" {key}={wall / bare:.2f}"
    print(line)


if __name__ == "__main__":
    main()
