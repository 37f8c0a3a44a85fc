"""The action plan: load the audit and suggestions, build and summarise the tasks, write the files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.app import Notice, Step, UserError, no_notice, no_step

if TYPE_CHECKING:
    from assistant.outreach import Options, Report
    from assistant.plan import Plan
    from assistant.plan.model import PlanInput
    from assistant.services import Services

EXTENSIONS = {".md": "md", ".markdown": "md", ".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}


def kind_of(path: Path) -> str | None:
    """The plan format a file's extension names (md, csv, json, html), or None."""
    return EXTENSIONS.get(path.suffix.lower())


def load_plan_input(services: Services, focus: list[str], today: date | None,
                    outreach: list[dict[str, Any]] | None = None, step: Step = no_step) -> PlanInput:
    """The audit and the suggestions the plan is built from; ``step`` sees "audit + load", then "suggest" over
    the pages links are routed to."""
    from assistant.plan.load import load_input

    step("audit + load", 0, None)

    def tick(done: int, total: int) -> None:
        step("audit + load", 1, 1)
        step("suggest", done, total)

    return load_input(services, focus, today, outreach, progress=tick)


def build_plan(services: Services, inp: PlanInput, focus: list[str], top: int | None, llm: bool,
               notice: Notice = no_notice) -> Plan:
    """The plan's tasks and summary (the LLM's when ``llm`` and it passes the guard; else why not, as a notice)."""
    from assistant.plan import build_plan as build
    from assistant.plan.summary import fallback_summary

    for url in focus:
        if url not in inp.data.pages:
            raise UserError(f"{url} is not an indexable page with text (redirect, error, noindex or canonicalised)")
    generated = datetime.now(UTC).replace(microsecond=0).isoformat()
    result = build(inp, generated_at=generated, top=top)
    result.summary = fallback_summary(result.site, result.tasks, result.total)
    if llm and result.tasks:
        written, problem = ask_llm(services, result)
        if written:
            result.summary, result.summary_by = written, "llm"
        else:
            notice(f"LLM summary not used ({problem}); the plan keeps the deterministic one")
    return result


def make_plan(services: Services, focus: list[str], top: int | None, today: date | None, llm: bool,
              outreach: list[dict[str, Any]] | None = None, step: Step = no_step,
              notice: Notice = no_notice) -> Plan:
    """Load, build and summarise the plan."""
    inp = load_plan_input(services, focus, today, outreach, step)
    return build_plan(services, inp, focus, top, llm, notice)


def write_plans(services: Services, outputs: list[Path], top: int | None = 50, step: Step = no_step) -> Plan:
    """Build the whole-site plan once, record it (the last plan's done tasks drop out) and write it to each
    file (format by extension), e.g. for the demo, the chat's /plan and the Slack bot."""
    from assistant.diff.planned import follow_up
    from assistant.plan import render

    result = make_plan(services, [], top, None, False, step=step)
    follow_up(services, result)
    for path in outputs:
        kind = kind_of(path)
        if kind is None:
            raise UserError(f"cannot tell the plan format of {path}: its extension {path.suffix or '(none)'!r} is "
                            "not one of .md, .csv, .json, .html (or pass --format)")
        path.write_text(render(result, kind), encoding="utf-8")
    return result


def outreach_options(prospects: list[Path], competitors: list[Path]) -> Options:
    """The plan's outreach run: template pitches only (the plan is deterministic)."""
    from assistant.outreach import Options

    return Options(prospects, competitors, None, drafts=0, use_llm=False)


def outreach_rows(report: Report) -> list[dict[str, Any]]:
    """The outreach targets of ``report`` as rows for the plan's outreach tasks."""
    return [{"prospect_url": r.prospect_url, "target_url": r.our_page, "score": r.relevance or 0.0,
             "reason": r.reason or r.angle, "pitch": r.email_subject}
            for r in report.rows if r.status == "target" and r.our_page]


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
