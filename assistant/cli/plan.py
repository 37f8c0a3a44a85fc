"""`assistant plan -o FILE`: the prioritised action plan as Markdown, CSV, JSON or a self-contained HTML report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import emit_json, progress_bar, stderr
from assistant.store.queries import UnknownURL, resolve_url

if TYPE_CHECKING:
    from assistant.plan import Plan
    from assistant.services import Services


class PlanFormat(StrEnum):
    auto = "auto"
    md = "md"
    csv = "csv"
    json = "json"
    html = "html"


EXTENSIONS = {".md": "md", ".markdown": "md", ".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}


def format_for(output: Path | None, fmt: PlanFormat) -> str:
    """The format to write: ``--format`` when given, else the extension of ``-o``."""
    if fmt is not PlanFormat.auto:
        return fmt.value
    if output is None:
        raise UserError("give -o FILE (.md, .csv, .json or .html), or --format json to print the plan")
    kind = EXTENSIONS.get(output.suffix.lower())
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
    if not services.db.counts()["html_pages"]:
        raise UserError(f"workspace {services.workspace} holds no pages: run `assistant ingest SOURCE` first")
    focus = []
    for text in to or []:
        try:
            focus.append(resolve_url(services.db, text))
        except UnknownURL as exc:
            raise UserError(str(exc)) from None
    rows = outreach_rows(services, prospects or [], competitors or []) if prospects or competitors else None
    result = make_plan(services, focus, top or None, today, llm_summary, rows)
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


def write_plans(services: Services, outputs: list[Path], top: int | None = 50) -> Plan:
    """Build the whole-site plan once and write it to each file (format by extension), e.g. for the demo."""
    from assistant.plan import render

    result = make_plan(services, [], top, None, False)
    from assistant.diff.planned import follow_up

    follow_up(services, result)
    for path in outputs:
        path.write_text(render(result, format_for(path, PlanFormat.auto)), encoding="utf-8")
    return result


def outreach_rows(services: Services, prospects: list[Path], competitors: list[Path]) -> list[dict[str, Any]]:
    """The outreach targets (template pitches: the plan is deterministic) as rows for outreach tasks."""
    from assistant.cli.outreach import run_outreach
    from assistant.outreach import Options

    report = run_outreach(services, Options(prospects, competitors, None, drafts=0, use_llm=False))
    return [{"prospect_url": r.prospect_url, "target_url": r.our_page, "score": r.relevance or 0.0,
             "reason": r.reason or r.angle, "pitch": r.email_subject}
            for r in report.rows if r.status == "target" and r.our_page]


def make_plan(services: Services, focus: list[str], top: int | None, today: date | None, llm: bool,
              outreach: list[dict[str, Any]] | None = None) -> Plan:
    """Load, build and summarise the plan, with a progress bar over the pages links are routed to."""
    from assistant.plan import build_plan
    from assistant.plan.load import load_input
    from assistant.plan.summary import fallback_summary

    console = stderr()
    with progress_bar(transient=True) as bar:
        bar.step("audit + load", 0, None)

        def tick(done: int, total: int) -> None:
            bar.step("audit + load", 1, 1)
            bar.step("suggest", done, total)

        inp = load_input(services, focus, today, outreach, progress=tick)
    for url in focus:
        if url not in inp.data.pages:
            raise UserError(f"{url} is not an indexable page with text (redirect, error, noindex or canonicalised)")
    generated = datetime.now(UTC).replace(microsecond=0).isoformat()
    result = build_plan(inp, generated_at=generated, top=top)
    result.summary = fallback_summary(result.site, result.tasks, result.total)
    if llm and result.tasks:
        written, problem = ask_llm(services, result)
        if written:
            result.summary, result.summary_by = written, "llm"
        else:
            console.print(f"LLM summary not used ({problem}); the plan keeps the deterministic one", highlight=False)
    return result


def ask_llm(services: Services, result: Plan) -> tuple[str | None, str]:
    """The guarded LLM summary, or (None, why not) — a provider failure is a reason, not a crash."""
    from assistant.llm import LLMError, complete_json
    from assistant.llm.prompts import PromptError
    from assistant.plan.summary import llm_summary

    try:
        model = services.llm
        return llm_summary(lambda system, user, schema: complete_json(model, system, user, schema, max_tokens=300),
                           result.site, result.tasks, result.total)
    except (LLMError, PromptError) as exc:
        return None, str(exc)
