"""`assistant traffic`: import Search Console and analytics exports; show which pages get traffic and for what."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.app.traffic import page_report, site_report
from assistant.app.workspace import has_pages
from assistant.cli.backlinks import MAX_WARNINGS, SHOWN_WARNINGS
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json, emit_table, stdout

app = typer.Typer(help="Search Console and analytics data: import exports, show pages' clicks, impressions, "
                       "positions, queries.", invoke_without_command=True, no_args_is_help=False)


@app.callback(invoke_without_command=True)
@friendly
def traffic(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", help="one page (URL or path): its numbers and queries")] = None,
    limit: Annotated[int, typer.Option(help="pages or queries to show (0 = all)")] = 20,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Pages by traffic (clicks, else views), striking-distance pages, URLs that are no page of the site."""
    if ctx.invoked_subcommand is not None:
        return
    from assistant.store.queries import UnknownURL, resolve_url
    from assistant.store.traffic import load_traffic

    db = state(ctx).services().db
    data = load_traffic(db)
    if not data:
        raise UserError("no traffic imported: run `assistant traffic import FILE` with a Search Console or "
                        "analytics export")
    if to is not None:
        try:
            url = resolve_url(db, to)
        except UnknownURL as exc:
            raise UserError(str(exc)) from None
        page = page_report(data, url, limit)
        if fmt is Format.json:
            emit_json(page)
            return
        _print_page(page)
        return
    report = site_report(data, db, limit)
    if fmt is Format.json:
        emit_json(report)
        return
    _print_site(report)


def _num(value: float | None) -> str:
    from assistant.traffic import number

    return "" if value is None else number(value)


def _pos(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _print_site(r: dict[str, Any]) -> None:
    from rich.markup import escape

    rows = [{"url": escape(p["url"]), "clicks": _num(p["clicks"]), "impressions": _num(p["impressions"]),
             "position": _pos(p["position"]), "views": _num(p["views"]), "queries": p["queries"],
             "near page one": "yes" if p["striking_distance"] else ""} for p in r["pages"]]
    emit_table(rows, ["url", "clicks", "impressions", "position", "views", "queries", "near page one"],
               title=f"traffic of {r['pages_total']} pages, {r['period']}")
    out = stdout()
    if r["striking_distance"]:
        n = len(r["striking_distance"])
        out.print(f"[bold]{n} page{'s' if n != 1 else ''} at positions 4-20 with 100+ impressions[/] "
                  "(`assistant suggest --to URL` finds links for them)", highlight=False)
    if r["unknown_urls"]:
        out.print(f"[cyan]{r['unknown_urls']} URLs in the exports are no page of the workspace, e.g.[/] "
                  + ", ".join(escape(u) for u in r["unknown_examples"]), highlight=False)


def _print_page(p: dict[str, Any]) -> None:
    from rich.markup import escape

    out = stdout()
    numbers = ", ".join(f"{_num(p.get(k))} {k}" for k in ("clicks", "impressions", "views", "sessions")
                        if p.get(k) is not None)
    where = f", average position {_pos(p['position'])}" if p.get("position") is not None else ""
    out.print(f"[bold]{escape(p['url'])}[/]: {numbers or 'no traffic in the exports'}{where} ({p['period']})"
              + (" — near page one" if p["striking_distance"] else ""), highlight=False)
    if p["queries"]:
        emit_table([{"query": escape(q["query"]), "clicks": _num(q["clicks"]), "impressions": _num(q["impressions"]),
                     "position": _pos(q["position"])} for q in p["queries"]],
                   ["query", "clicks", "impressions", "position"],
                   title=f"{p['queries_total']} queries it is shown for")


@app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="exports: Search Console zip or CSV, API JSON, bulk-export "
                                                     "CSV, GA4/Matomo/Plausible CSV")],
    mapping: Annotated[str | None, typer.Option(
        "--map", help="any CSV: url=COL,clicks=COL,impressions=COL,position=COL,query=COL,views=COL")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for a busy workspace")] = 0.0,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Import traffic exports: every file is read whole first, so a bad one stops the import (named) before anything
    is written."""
    from assistant.store.lock import WorkspaceLock
    from assistant.store.traffic import import_exports
    from assistant.traffic.read import ExportError, read_export

    parsed = []
    for file in files:
        if not file.is_file():
            raise UserError(f"{file}: no such file")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UserError(f"{file}: cannot read it ({exc.strerror or exc})") from None
        try:
            parsed.append((file, hashlib.sha256(data).hexdigest(), read_export(file.name, data, mapping)))
        except ExportError as exc:
            raise UserError(str(exc).replace(file.name, str(file), 1)) from None
    st = state(ctx)
    summaries = []
    with WorkspaceLock(st.settings().workspace, "traffic import", wait):
        db = st.services().db
        for file, sha, exports in parsed:
            parts = import_exports(db, exports, file=file.name, sha256=sha)
            warnings = [w for ex in exports for w in ex.warnings]
            if not has_pages(st.services()):
                warnings.insert(0, "the workspace has no pages yet: the rows are kept and matched to pages once "
                                   "`assistant ingest` has run")
            summaries.append({"file": str(file), "sha256": sha, "parts": [p.as_dict() for p in parts],
                              "warnings": warnings[:MAX_WARNINGS], "warnings_total": len(warnings)})
    if fmt is Format.json:
        emit_json(summaries)
        return
    for s in summaries:
        _print_import(s)


def _print_import(s: dict[str, Any]) -> None:
    from rich.markup import escape

    rows = [{"part": escape(p["part"]), "format": p["label"], "period": " to ".join(p["period"] or ["unknown"]),
             "rows": p["rows"], "imported": p["imported"], "skipped": p["skipped"],
             "pages": "" if p["dataset"] == "queries" else p["pages"],
             "unknown URLs": p["unknown"], "status": p["status"]} for p in s["parts"]]
    emit_table(rows, ["part", "format", "period", "rows", "imported", "skipped", "pages", "unknown URLs", "status"],
               title=f"traffic import of {escape(s['file'])}")
    out = stdout()
    for p in s["parts"]:
        if p["unknown_examples"]:
            out.print(f"[cyan]{p['unknown']} URLs of {escape(p['part'])} are no page of the workspace, e.g.[/] "
                      + ", ".join(escape(u) for u in p["unknown_examples"]), highlight=False)
    for w in s["warnings"][:SHOWN_WARNINGS]:
        out.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if s["warnings_total"] > SHOWN_WARNINGS:
        out.print(f"[yellow]… {s['warnings_total'] - SHOWN_WARNINGS} more warnings (--format json lists them all)[/]",
                  highlight=False)
