"""`assistant ingest SOURCE`: crawl a site (or read a sitemap, a URL list, a folder) into the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.common import friendly, state
from assistant.cli.output import Format, emit_json, progress_bar, stdout
from assistant.store.lock import WorkspaceLock

if TYPE_CHECKING:
    from assistant.ingest.pipeline import Summary
    from assistant.services import Services


@friendly
def ingest(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="start URL, sitemap URL (.xml/.xml.gz), file of URLs, or folder")],
    max_pages: Annotated[int | None, typer.Option(help="stop after this many URLs")] = None,
    max_depth: Annotated[int | None, typer.Option(help="clicks from the start URL")] = None,
    concurrency: Annotated[int | None, typer.Option(help="parallel requests")] = None,
    delay: Annotated[float | None, typer.Option(help="seconds between requests to the host")] = None,
    user_agent: Annotated[str | None, typer.Option(help="User-Agent header (and robots.txt agent)")] = None,
    include: Annotated[list[str] | None, typer.Option(help="regex a URL must match (repeatable)")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="regex that skips a URL (repeatable)")] = None,
    timeout: Annotated[float | None, typer.Option(help="seconds per request")] = None,
    max_time: Annotated[float | None, typer.Option(help="seconds for the whole crawl")] = None,
    max_bytes: Annotated[int | None, typer.Option(help="largest page body in bytes")] = None,
    base_url: Annotated[str | None, typer.Option(help="URL of the folder's root (folder SOURCE)")] = None,
    embed: Annotated[bool | None, typer.Option("--embed/--no-embed", help="embed chunks into Chroma")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for a busy workspace")] = 0.0,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Read a whole site into the workspace: pages, links (content vs boilerplate), text chunks and vectors."""
    crawl: dict[str, Any] = {k: v for k, v in {
        "max_pages": max_pages, "max_depth": max_depth, "concurrency": concurrency, "delay": delay,
        "user_agent": user_agent, "include": include or None, "exclude": exclude or None, "timeout": timeout,
        "max_time": max_time, "max_bytes": max_bytes}.items() if v is not None}
    overrides: dict[str, Any] = {"crawl": crawl}
    if embed is not None:
        overrides["embed"] = {"enabled": embed}
    st = state(ctx)
    settings = st.settings(**overrides)
    with WorkspaceLock(settings.workspace, "ingest", wait):
        services = st.services(**overrides)
        summary = run_ingest(services, source, base_url)
    if fmt is Format.json:
        emit_json(summary.as_dict())
    else:
        print_summary(summary)


def run_ingest(services: Services, source_arg: str, base_url: str | None = None) -> Summary:
    """Run ingest's use case with a progress bar (shared with `assistant demo`)."""
    from assistant.app.ingest import run_ingest as run

    with progress_bar() as bar:
        return run(services, source_arg, base_url, bar.step)


def print_summary(s: Summary) -> None:
    from rich.table import Table

    table = Table(title=f"ingest of {s.source} ({s.kind})", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    t = s.totals
    rows = [
        ("URLs handled", s.fetched), ("new pages", s.new), ("changed pages", s.changed),
        ("unchanged pages", s.unchanged), ("redirects", s.redirects), ("gone", s.gone),
        ("errors", sum(s.errors.values())),
        *((f"  {reason}", n) for reason, n in sorted(s.errors.items())),
        *((f"skipped: {reason}", n) for reason, n in sorted(s.skipped.items())),
        ("URLs in workspace", t.get("urls", 0)), ("HTML pages", t.get("html_pages", 0)),
        ("links", t.get("links", 0)), ("content links", t.get("content_links", 0)),
        ("chunks", t.get("chunks", 0)), ("vectors in Chroma", "-" if s.vectors is None else s.vectors),
        ("chunks embedded this run", s.embedded_chunks),
        ("complete", "yes" if s.complete else f"no (stopped at {s.limit})"), ("seconds", f"{s.seconds:.1f}"),
    ]
    for what, value in rows:
        table.add_row(what, str(value))
    out = stdout()
    out.print(table)
    for w in s.warnings[:10]:
        out.print(f"[yellow]warning:[/] {w}", highlight=False)
    if len(s.warnings) > 10:
        out.print(f"[yellow]… {len(s.warnings) - 10} more warnings[/]")
