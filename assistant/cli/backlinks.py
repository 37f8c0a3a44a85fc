"""`assistant backlinks`: import SEO tools' backlink exports and list what they report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.backlinks.formats import SOURCES
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json, emit_table, stdout
from assistant.models import Backlink

app = typer.Typer(
    help="Backlinks from Ahrefs, Semrush, Search Console, Majestic, Moz or any CSV: import them, list them.",
    invoke_without_command=True,
    no_args_is_help=False,
)
SHOWN_WARNINGS = 5
SHOWN_TARGETS = 5
MAX_WARNINGS = 1000                     # in --format json
Source = StrEnum("Source", [(s, s) for s in SOURCES])      # type: ignore[misc]  # --source: from the layouts
AUTO = Source("auto")


@app.callback(invoke_without_command=True)
@friendly
def backlinks(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", help="only backlinks to this page (URL or path)")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    limit: Annotated[int, typer.Option(help="rows to show (0 = all)")] = 0,
) -> None:
    """List imported backlinks (all, or --to one page). `assistant backlinks import FILE` adds an export."""
    if ctx.invoked_subcommand is not None:
        return
    from assistant.store.backlinks import all_backlinks, backlinks_to
    from assistant.store.queries import UnknownURL, resolve_url

    db = state(ctx).services().db
    if to:
        try:
            target = resolve_url(db, to)
            found = backlinks_to(db, target)
        except UnknownURL as exc:   # not a page: still a target of backlinks (a 404, a page not crawled)?
            target = to
            found = backlinks_to(db, to)
            if not found:
                raise UserError(str(exc)) from None
    else:
        found = all_backlinks(db)
    found = found[:limit] if limit else found
    if fmt is Format.json:
        emit_json([b.as_dict() for b in found])
        return
    from rich.markup import escape

    rows = [{"source_url": escape(b.source_url), "target_url": escape(b.target_url or ""), "anchor": escape(b.anchor),
             "rel": _rel(b), "last_seen": b.last_seen, "metrics": _metrics(b.metrics),
             "lost": "lost" if b.lost else ""} for b in found]
    emit_table(rows, ["source_url", "target_url", "anchor", "rel", "last_seen", "metrics", "lost"],
               title=f"{len(rows)} backlinks" + (f" to {target}" if to else ""))


def _rel(b: Backlink) -> str:
    return " ".join(n for n, on in (("nofollow", b.nofollow), ("ugc", b.ugc), ("sponsored", b.sponsored)) if on)


def _metrics(metrics: dict[str, float]) -> str:
    return " ".join(f"{k}={v:g}" for k, v in metrics.items())


@app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="the export (CSV or TSV; UTF-8 or UTF-16)")],
    source: Annotated[Source, typer.Option("--source", "-s", help="which tool wrote it (auto = by its headers)")]
    = AUTO,
    mapping: Annotated[str | None, typer.Option(
        "--map", help="generic CSV columns: source_url=COL,target_url=COL,anchor=COL "
                      "(also nofollow, first_seen, last_seen, title, metrics)")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for a busy workspace")] = 0.0,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Import a backlink export: Ahrefs, Semrush, Search Console links, Majestic, Moz, or a CSV with --map."""
    from assistant.backlinks.formats import FormatError, detect, mapped_layout, parse
    from assistant.backlinks.readfile import ReadError, load
    from assistant.store.backlinks import import_parsed
    from assistant.store.lock import WorkspaceLock

    if mapping and source.value not in ("auto", "csv"):
        raise UserError(f"--map describes a generic CSV; it cannot be combined with --source {source.value}")
    if not file.is_file():
        raise UserError(f"{file}: no such file")
    try:
        loaded = load(file)
        layout = mapped_layout(mapping) if mapping else detect(loaded.table.header, source.value)
        parsed = parse(loaded.table, layout)       # the whole file, before anything is written
    except (ReadError, FormatError) as exc:
        raise UserError(f"{file}: {exc}") from None
    st = state(ctx)
    with WorkspaceLock(st.settings().workspace, "backlinks import", wait):
        result = import_parsed(st.services().db, parsed, file=file.name, sha256=loaded.sha256)
    warnings = [*parsed.warnings, *result.warnings]
    summary = {"file": str(file), "sha256": loaded.sha256, "encoding": loaded.table.encoding,
               "delimiter": loaded.table.delimiter, **result.as_dict(), "warnings": warnings[:MAX_WARNINGS],
               "warnings_total": len(warnings)}
    if fmt is Format.json:
        emit_json(summary)
    else:
        print_summary(summary)


def print_summary(s: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"backlinks import of {s['file']}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}.get(s["delimiter"], repr(s["delimiter"]))
    previous = s["previous_import"]
    rows = [
        ("format", f"{s['label']} ({s['format']})"), ("file", f"{s['encoding']}, {delimiter}-separated"),
        ("rows read", s["rows"]), ("imported new", s["new"]), ("updated", s["updated"]),
        ("unchanged", s["unchanged"]), ("duplicates in file", s["duplicates"]), ("skipped", s["skipped"]),
        ("target pages", s["targets"]), ("targets not in workspace", len(s["targets_not_found"])),
        *((("same file imported before", f"#{previous['id']} at {previous['at']}"),) if previous else ()),
    ]
    for what, value in rows:
        table.add_row(what, str(value))
    out = stdout()
    out.print(table)
    missing = s["targets_not_found"]
    for url in missing[:SHOWN_TARGETS]:
        out.print(f"[cyan]not a workspace page:[/] {escape(url)}", highlight=False)
    if len(missing) > SHOWN_TARGETS:
        out.print(f"[cyan]… {len(missing) - SHOWN_TARGETS} more targets not in the workspace[/]", highlight=False)
    warnings, total = s["warnings"], s["warnings_total"]
    for w in warnings[:SHOWN_WARNINGS]:
        out.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if total > SHOWN_WARNINGS:
        out.print(f"[yellow]… {total - SHOWN_WARNINGS} more warnings (--format json lists them all)[/]",
                  highlight=False)
