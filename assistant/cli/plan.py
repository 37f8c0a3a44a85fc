"""`assistant plan -o FILE`: the prioritised action plan as Markdown, CSV, JSON or a self-contained HTML report."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant.app.plan import build_plan, kind_of, load_plan_input, outreach_options, outreach_rows
from assistant.app.workspace import require_pages
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import emit_json, progress_bar, stderr
from assistant.cli.outreach import run_outreach
from assistant.store.queries import UnknownURL, resolve_url


class PlanFormat(StrEnum):
    auto = "auto"
    md = "md"
    csv = "csv"
    json = "json"
    html = "html"


def format_for(output: Path | None, fmt: PlanFormat) -> str:
    """The format to write: ``--format`` when given, else the extension of ``-o``."""
    if fmt is not PlanFormat.auto:
        return fmt.value
    if output is None:
        raise UserError("give -o FILE (.md, .csv, .json or .html), or --format json to print the plan")
    kind = kind_of(output)
    if kind is None:
        raise UserError(f"cannot tell the plan format of {output}: its extension {output.suffix or '(none)'!r} is "
                        "not one of .md, .csv, .json, .html (or pass --format)")
    return kind


@friendly
def plan(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write: .md, .csv, .json or .html",
                                                dir_okay=False)] = None,
    top: Annotated[int, typer.Option(help="keep the N most valuable tasks (0 = all)")] = 50,
    to: Annotated[list[str] | None, typer.Option(
        "--to", help="route links to these pages (URL or path, repeatable) [default: the important pages]")] = None,
    fmt: Annotated[PlanFormat, typer.Option(
        "--format", "-f", help="md, csv, json or html [default: from -o's extension]; json without -o prints")
    ] = PlanFormat.auto,
    llm_summary: Annotated[bool, typer.Option(
        "--llm-summary/--no-llm-summary", help="let the LLM write the summary paragraph (guarded)")] = False,
    as_of: Annotated[str | None, typer.Option(help="judge dates as of this day (YYYY-MM-DD) [default: today]")] = None,
    prospects: Annotated[list[Path] | None, typer.Option(
        "--prospects", "-p", help="outreach prospects (as `assistant outreach --prospects`): adds outreach tasks")]
    = None,
    competitors: Annotated[list[Path] | None, typer.Option(
        "--competitors", help="competitor backlink exports (link intersect, as `assistant outreach`)")] = None,
    apply_to: Annotated[Path | None, typer.Option(
        "--apply-to", help="also write the plan's links into the site's sources in DIR (as `assistant apply "
        "--write`)", file_okay=False)] = None,
) -> None:
    """Write the action plan: prioritised tasks (new links, fixes) with concrete actions, impact and effort."""
    kind = format_for(output, fmt)
    if output is None and kind != "json":
        raise UserError(f"--format {kind} needs -o FILE (only json prints to the terminal)")
    if top < 0:
        raise UserError("--top must be 0 (all tasks) or more")
    try:
        today = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise UserError(f"--as-of {as_of!r} is not a date like 2026-11-25") from None
    if output is not None and not output.parent.is_dir():
        raise UserError(f"cannot write {output}: folder {output.parent} does not exist")
    if apply_to is not None and not apply_to.is_dir():
        raise UserError(f"--apply-to {apply_to} is not a folder")
    services = state(ctx).services()
    require_pages(services)
    focus = []
    for text in to or []:
        try:
            focus.append(resolve_url(services.db, text))
        except UnknownURL as exc:
            raise UserError(str(exc)) from None
    rows = (outreach_rows(run_outreach(services, outreach_options(prospects or [], competitors or [])))
            if prospects or competitors else None)
    with progress_bar(transient=True) as bar:
        inp = load_plan_input(services, focus, today, rows, bar.step)
    result = build_plan(services, inp, focus, top or None, llm_summary, notice)
    if apply_to is not None:
        from assistant.cli.apply import apply_to as write_sources

        write_sources(result.as_dict(), apply_to)
    from assistant.diff.planned import follow_up
    from assistant.plan import render

    follow_up(services, result)      # drops the last plan's done tasks, keeps this plan's JSON

    text = render(result, kind)
    if output is None:
        emit_json(result.as_dict())
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    stderr().print(f"wrote {output}: {len(result.tasks)} of {result.total} tasks ({kind}); summary by "
                   f"{result.summary_by}", highlight=False)


def notice(text: str) -> None:
    stderr().print(text, highlight=False)
