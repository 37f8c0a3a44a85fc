"""`assistant runs`: the ingest runs the workspace kept, with date, pages, links and status."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import friendly, state
from assistant.cli.output import Format, emit_json, emit_table, stdout


@friendly
def runs(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """List the ingest runs: when, what, pages and links, whether it finished and can be compared (`assistant diff`)."""
    from assistant.store.runs import list_runs

    found = [r.as_dict() for r in list_runs(state(ctx).services().db)]
    if fmt is Format.json:
        emit_json(found)
        return
    if not found:
        stdout().print("no ingest run yet: `assistant ingest SOURCE` makes the first", highlight=False)
        return
    for r in found:
        r["started"] = str(r["started"])[:16].replace("T", " ")
        r["status"] = r["status"] if r["complete"] or r["status"] != "done" else f"done (limit: {r['limit'] or '?'})"
        r["diff"] = "yes" if r["snapshot"] and r["status"].startswith("done") else ("asked" if r["snapshot"] else "no")
    emit_table(found, ["id", "started", "source", "status", "pages", "links", "new", "changed", "gone", "diff"],
               title="ingest runs (diff: compared by default / only when asked / no state kept)")
