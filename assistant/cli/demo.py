"""`assistant demo`: serve the bundled sample blog on 127.0.0.1, ingest it, show what was learned.

The sample is 60 densely interlinked posts of The Go Blog (© The Go Authors, CC BY 4.0), built by
``tools/make_demo_site.py`` into ``assistant/demo_site/``. The demo copies it to a temporary folder,
serves it with the standard library's HTTP server on loopback (port 8765 when free, else any free
port), ingests it like ``assistant ingest http://127.0.0.1:PORT/`` would, and prints a summary.

Where it goes: the ``demo/`` sub-folder of the workspace (``./.assistant/demo`` by default), so the
sample never mixes with a site you ingested yourself. A re-run on the same port is an incremental
re-ingest (nothing changed: nothing re-embedded); when the port differs from the last run the site's
URLs differ too, so the demo workspace is emptied and the site ingested (and embedded) afresh.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.app.workspace import audit_counts, headline, top_pages
from assistant.cli.common import UserError, friendly, state
from assistant.cli.ingest import print_summary, run_ingest
from assistant.cli.output import Format, emit_json, progress_bar, stdout
from assistant.store.lock import WorkspaceLock

if TYPE_CHECKING:
    from assistant.ingest.pipeline import Summary
    from assistant.services import Services

PREFERRED_PORT = 8765
PLACEHOLDER = "http://127.0.0.1:8000"      # the base the bundled sitemap.xml and robots.txt are written with
SUBFOLDER = "demo"
MARKER = "demo-site-url"                   # the site URL the demo workspace holds
ATTRIBUTION = "Sample content: The Go Blog, © The Go Authors, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"

# Settings the demo needs whatever config.toml says: the whole sample, quickly, embedded, in the workspace.
CRAWL = {"max_pages": 1000, "max_depth": 50, "delay": 0.0, "max_time": 600.0, "include": [], "exclude": [],
         "respect_robots": True, "sitemaps": True}
OVERRIDES: dict[str, Any] = {"crawl": CRAWL, "embed": {"enabled": True}, "store": {"chroma_url": ""}}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def bundled_site() -> Traversable:
    site = files("assistant") / "demo_site"
    if not site.joinpath("index.html").is_file():
        raise UserError("the bundled demo site is missing (assistant/demo_site); "
                        "rebuild it with `python tools/make_demo_site.py`")
    return site


def copy_tree(src: Traversable, dst: Path) -> None:
    """Copy a package resource folder (a plain folder or inside a zip) to ``dst``."""
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.is_dir():
            copy_tree(item, dst / item.name)
        else:
            (dst / item.name).write_bytes(item.read_bytes())


def rebase(site: Path, base: str) -> None:
    """Point the sitemap and robots.txt at the port the site is actually served on."""
    for name in ("sitemap.xml", "robots.txt"):
        f = site / name
        if f.is_file():
            f.write_text(f.read_text(encoding="utf-8").replace(PLACEHOLDER, base.rstrip("/")), encoding="utf-8")


def _server(directory: Path) -> ThreadingHTTPServer:
    handler = partial(_QuietHandler, directory=str(directory))
    try:
        return ThreadingHTTPServer(("127.0.0.1", PREFERRED_PORT), handler)
    except OSError:
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)


@contextmanager
def serve_demo_site(keep: bool) -> Iterator[tuple[str, Path]]:
    """Copy the bundled site to a temporary folder and serve it on loopback: yields (base URL, folder)."""
    site = bundled_site()
    tmp = Path(tempfile.mkdtemp(prefix="assistant-demo-"))
    try:
        root = tmp / "site"
        copy_tree(site, root)
        httpd = _server(root)
        httpd.daemon_threads = True
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        try:
            rebase(root, url)
            thread = threading.Thread(target=httpd.serve_forever, name="demo-http", daemon=True)
            thread.start()
            try:
                yield url, root
            finally:
                httpd.shutdown()
                thread.join(timeout=5)
        finally:
            httpd.server_close()
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def reset_if_other_site(services: Services, url: str) -> bool:
    """Empty the demo workspace when it holds the sample served on another port (other URLs). Under the lock.

    The marker is written before the ingest, so an interrupted run is still known to be for ``url``.
    """
    workspace = services.workspace
    marker = workspace / MARKER
    previous = marker.read_text(encoding="utf-8").strip() if marker.is_file() else None
    db_file = workspace / "assistant.db"
    reset = db_file.exists() and previous != url
    if reset:
        if (workspace / "chroma").is_dir():          # through Chroma, which may have this folder open already
            client = services.chroma_client
            name = services.settings.store.collection
            if name in {getattr(c, "name", c) for c in client.list_collections()}:
                client.delete_collection(name)
        # services.db is not opened before this point: no SQLite connection holds the files
        for suffix in ("", "-wal", "-shm"):
            db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
    marker.write_text(url + "\n", encoding="utf-8")
    return reset


@friendly
def demo(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    keep: Annotated[bool, typer.Option("--keep", help="keep the temporary copy of the sample site")] = False,
    wait: Annotated[float, typer.Option(help="seconds to wait for a busy workspace")] = 0.0,
    plan_dir: Annotated[Path, typer.Option(help="folder for demo-plan.html and demo-plan.md", file_okay=False)]
    = Path("."),
) -> None:
    """Ingest the bundled sample site (60 Go blog posts, CC BY 4.0) served on loopback, then show what was learned.

    Data goes to the workspace's demo/ sub-folder. Re-runs re-ingest the sample: incrementally when it
    is served on the same port as last time (8765 when free), from scratch when the port differs.
    """
    st = state(ctx)
    workspace = st.settings(**OVERRIDES).workspace / SUBFOLDER
    overrides = {**OVERRIDES, "workspace": workspace}
    with WorkspaceLock(workspace, "demo", wait), serve_demo_site(keep) as (url, site_dir):
        services = st.services(**overrides)
        reset = reset_if_other_site(services, url)
        summary = run_ingest(services, url)
        top = top_pages(services.db)
        stats = headline(services, summary)
        stats["audit"] = audit_counts(services)
        plans = write_demo_plans(services, plan_dir)
    if fmt is Format.json:
        emit_json({"summary": summary.as_dict(), "top_pages": top, "site_url": url, "stats": stats,
                   "workspace": str(workspace), "site_dir": str(site_dir) if keep else None,
                   "reset": reset, "plans": [str(p) for p in plans], "attribution": ATTRIBUTION})
        return
    print_report(summary, top, stats, url, workspace, site_dir if keep else None, reset)
    stdout().print("Action plan: " + " and ".join(str(p) for p in plans), highlight=False, soft_wrap=True)


def write_demo_plans(services: Services, folder: Path) -> list[Path]:
    """The sample's action plan as demo-plan.html (the report with charts) and demo-plan.md."""
    from assistant.app.plan import write_plans

    if not folder.is_dir():
        raise UserError(f"cannot write the demo plan: folder {folder} does not exist")
    paths = [folder / "demo-plan.html", folder / "demo-plan.md"]
    try:
        with progress_bar(transient=True) as bar:
            write_plans(services, paths, step=bar.step)
    except OSError as exc:
        raise UserError(f"cannot write the demo plan in {folder}: {exc.strerror or exc}") from None
    return [p.resolve() for p in paths]


def print_report(summary: Summary, top: list[dict[str, Any]], stats: dict[str, Any], url: str,
                 workspace: Path, site_dir: Path | None, reset: bool) -> None:
    from rich.table import Table

    out = stdout()
    if reset:
        out.print(f"[dim]the demo workspace held the sample from another port: ingested afresh at {url}[/]")
    print_summary(summary)

    table = Table(title=f"top {len(top)} pages by in-content inlinks", header_style="bold")
    # the numbers always show in full; page and title share what is left of the terminal, clipped with …
    room = max(24, out.width - 38)
    page_w = min(max((len(p["path"]) for p in top), default=4), max(12, room * 2 // 5))
    title_w = max(12, room - page_w)
    table.add_column("page", no_wrap=True, max_width=page_w)
    table.add_column("title", no_wrap=True, max_width=title_w)
    for col in ("words", "content\ninlinks", "outlinks"):
        table.add_column(col, justify="right", no_wrap=True)
    for p in top:
        table.add_row(_clip(p["path"], page_w), _clip(p["title"] or "", title_w), str(p["words"]),
                      str(p["content_inlinks"]), str(p["outlinks"]))
    out.print(table)

    anchors = ", ".join(f"“{a['anchor']}” ×{a['links']}" for a in stats["top_content_anchors"]) or "none"
    vectors = "-" if stats["vectors"] is None else stats["vectors"]
    out.print(f"[bold]{stats['html_pages']}[/] HTML pages; [bold]{stats['content_links']}[/] links in article text "
              f"({stats['internal_content_links']} to pages of the site) vs [bold]{stats['boilerplate_links']}[/] "
              f"in navigation, sidebars and footers; [bold]{stats['chunks']}[/] text chunks, {vectors} vectors.",
              highlight=False)
    out.print(f"Most-used anchor texts between posts: {anchors}", highlight=False)
    audit = ", ".join(f"{rule} ×{n}" for rule, n in sorted(stats["audit"].items(), key=lambda x: -x[1])) or "none"
    out.print(f"Audit findings (assistant audit): {audit}", highlight=False)
    out.print(f"Workspace: {workspace} (the sample site was served at {url} and is stopped now)",
              highlight=False, soft_wrap=True)
    if site_dir is not None:
        out.print(f"Site copy kept in {site_dir}", highlight=False, soft_wrap=True)
    explore = (f"Explore: assistant --workspace {workspace} pages --sort link_score --limit 20 · "
               f"assistant --workspace {workspace} audit")
    if top:
        explore += f" · assistant --workspace {workspace} links --to {top[0]['path']} --placement content"
    out.print(explore, highlight=False, soft_wrap=True)
    out.print(ATTRIBUTION, highlight=False, soft_wrap=True)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
