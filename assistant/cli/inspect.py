"""`assistant pages` and `assistant links`: look at what ingest stored."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json, emit_table
from assistant.overview import pages_overview
from assistant.store.queries import UnknownURL, links_query, resolve_url


class Placement(StrEnum):
    content = "content"
    boilerplate = "boilerplate"
    all = "all"


# --sort NAME -> key: counts and scores high first, depth low first (unreachable last), then by URL
PAGE_SORTS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "url": lambda r: (r["url"],),
    "inlinks": lambda r: (-(r["inlinks"] or 0), r["url"]),
    "words": lambda r: (-(r["words"] or 0), r["url"]),
    "outlinks": lambda r: (-(r["outlinks"] or 0), r["url"]),
    "link_score": lambda r: (-(r["link_score"] or 0), -(r["pagerank"] or 0), r["url"]),
    "depth": lambda r: (r["depth"] is None, r["depth"] or 0, r["url"]),
}


@friendly
def pages(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    include_all: Annotated[bool, typer.Option("--all", help="also redirects, errors and non-HTML URLs")] = False,
    limit: Annotated[int, typer.Option(help="rows to show (0 = all)")] = 0,
    sort: Annotated[str, typer.Option(help="url | inlinks | words | outlinks | link_score | depth")] = "url",
) -> None:
    """List the workspace's pages: words, inlinks, outlinks, click depth, Link Score, orphans and status."""
    if sort not in PAGE_SORTS:
        raise UserError(f"--sort {sort!r}: use {', '.join(PAGE_SORTS)}")
    from assistant.backlinks import backlinked_targets

    services = state(ctx).services()
    rows = pages_overview(services.db, include_all, backlinked=backlinked_targets(services.db))
    rows.sort(key=PAGE_SORTS[sort])
    rows = rows[:limit] if limit else rows
    if fmt is Format.json:
        emit_json(rows)
        return
    columns = ["url", "title", "words", "depth", "link_score", "inlinks", "content_inlinks", "linking_pages",
               "outlinks", "orphan", "status"]
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
