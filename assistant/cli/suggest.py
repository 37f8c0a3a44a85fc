"""`assistant suggest`: where new internal links should go (--to a page, --from a page, or --all important pages)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import Format, emit_json, emit_table
from assistant.store.queries import UnknownURL, resolve_url


@friendly
def suggest(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", help="pages that should link to this URL (or path)")] = None,
    frm: Annotated[str | None, typer.Option("--from", help="links this page (URL or path) should add")] = None,
    all_: Annotated[bool, typer.Option("--all", help="--to for every important page")] = False,
    limit: Annotated[int, typer.Option(help="suggestions to show (per target with --all)")] = 10,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Suggest internal links: source, target, anchor, sentence, confidence, score, reasons and PageRank gain
    (--all keeps only suggestions with at least [suggest] min_confidence)."""
    if sum((to is not None, frm is not None, all_)) != 1:
        raise UserError("give exactly one of --to URL, --from URL or --all")
    if limit < 1:
        raise UserError("--limit must be at least 1")
    from assistant.suggest import Engine, important_pages, load_site, suggest_all

    services = state(ctx).services()
    asked = to if to is not None else frm
    try:
        url = resolve_url(services.db, asked) if asked is not None else None
    except UnknownURL as exc:
        raise UserError(str(exc)) from None
    engine = Engine(load_site(services))
    if url is not None and url not in engine.data.pages:
        raise UserError(f"{url} is not an indexable page with text (redirect, error, noindex or canonicalised)")
    if all_:
        found = suggest_all(engine, important_pages(engine.data, services.settings.audit.important_top_share), limit)
    elif to is not None and url is not None:
        found = engine.suggest_to(url, limit)
    else:
        assert url is not None
        found = engine.suggest_from(url, limit)
    rows = [s.as_dict() for s in found]
    if fmt is Format.json:
        emit_json(rows)
    else:
        for r in rows:
            r["reasons"] = "; ".join(r["reasons"])
        emit_table(rows, ["source_url", "target_url", "anchor", "confidence", "score", "pagerank_gain", "reasons"],
                   title=f"{len(rows)} suggestions")
    engine.save()    # the indexes in the workspace's cache, for the next command (nothing when they came from it)
