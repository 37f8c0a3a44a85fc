"""`assistant pages` and `assistant links`: look at what ingest stored."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json, emit_table
from assistant.store.queries import UnknownURL, links_query, pages_overview, resolve_url


class Placement(StrEnum):
    content = "content"
    boilerplate = "boilerplate"
    all = "all"


@friendly
def pages(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    include_all: Annotated[bool, typer.Option("--all", help="also redirects, errors and non-HTML URLs")] = False,
    limit: Annotated[int, typer.Option(help="rows to show (0 = all)")] = 0,
    sort: Annotated[str, typer.Option(help="url | inlinks | words | outlinks")] = "url",
) -> None:
    """List the workspace's pages with their words, inlinks, outlinks and status."""
    services = state(ctx).services()
    rows = pages_overview(services.db, include_all)
    if sort != "url":
        if sort not in ("inlinks", "words", "outlinks"):
            raise UserError(f"--sort {sort!r}: use url, inlinks, words or outlinks")
        rows.sort(key=lambda r: -(r[sort] or 0))
    rows = rows[:limit] if limit else rows
    if fmt is Format.json:
        emit_json(rows)
        return
    columns = ["url", "title", "words", "inlinks", "content_inlinks", "outlinks", "status"]
    emit_table(rows, [*columns, "error"] if include_all else columns, title=f"{len(rows)} pages")


@friendly
def links(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", help="links pointing to this URL (or path)")] = None,
    frm: Annotated[str | None, typer.Option("--from", help="links on this page (URL or path)")] = None,
    placement: Annotated[Placement, typer.Option(help="content, boilerplate or all")] = Placement.all,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    limit: Annotated[int, typer.Option(help="rows to show (0 = all)")] = 0,
) -> None:
    """Show links to (--to) or from (--from) a page: anchor, placement, rel and the sentence around it."""
    if not to and not frm:
        raise UserError("give --to URL or --from URL (or both)")
    db = state(ctx).services().db
    try:
        target = resolve_url(db, to) if to else None
        source = resolve_url(db, frm) if frm else None
    except UnknownURL as exc:
        raise UserError(str(exc)) from None
    rows = links_query(db, to=target, frm=source, placement=None if placement is Placement.all else placement.value)
    rows = rows[:limit] if limit else rows
    if fmt is Format.json:
        emit_json(rows)
        return
    emit_table(rows, ["source", "target", "anchor", "placement", "rel", "sentence"], title=f"{len(rows)} links")
