"""`assistant diff`: what changed between two ingest runs (default: the last two complete ones)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.audit import AuditFormat
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import emit_json, emit_table, progress_bar, stdout

if TYPE_CHECKING:
    from assistant.diff import Diff
    from assistant.services import Services

SCORE_DROP_HELP = "Link Score points an important page may lose before it is a regression"


def compute(services: Services, frm: int | None, to: int | None, score_drop: float) -> Diff:
    """The diff, its errors as one line for the user."""
    from assistant.diff.load import DiffError, run_diff

    try:
        with progress_bar(transient=True) as bar:
            bar.step("compare runs", 0, None)
            return run_diff(services, frm, to, score_drop=score_drop)
    except DiffError as exc:
        raise UserError(str(exc)) from None


@friendly
def diff(
    ctx: typer.Context,
    frm: Annotated[int | None, typer.Option("--from", help="run id to compare from [default: the one before --to]")]
    = None,
    to: Annotated[int | None, typer.Option("--to", help="run id to compare to [default: the last complete run]")]
    = None,
    score_drop: Annotated[float, typer.Option(help=SCORE_DROP_HELP)] = 10.0,
    fmt: Annotated[AuditFormat, typer.Option("--format", "-f", help="table, json or md")] = AuditFormat.table,
) -> None:
    """What changed between two crawls: pages, links, broken/redirected links, orphans, movers, findings,
    referring domains, and the last plan's progress. Computed from the stored runs (nothing is fetched)."""
    result = compute(state(ctx).services(), frm, to, score_drop)
    if fmt is AuditFormat.json:
        emit_json(result.as_dict())
        return
    from assistant.diff.render import progress_lines, rows, to_markdown

    if fmt is AuditFormat.md:
        typer.echo(to_markdown(result), nl=False)
        return
    out = stdout()
    if result.changes:
        emit_table(rows(result), ["kind", "severity", "page", "change"],
                   title=f"run {result.from_run} → run {result.to_run}: {len(result.changes)} change(s), "
                         f"{len(result.regressions)} regression(s)")
    else:
        out.print(f"run {result.from_run} → run {result.to_run}: nothing changed", highlight=False)
    for line in [*result.notes, *progress_lines(result.progress)]:
        out.print(line, highlight=False, markup=False)
