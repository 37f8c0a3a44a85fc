"""`assistant audit`: the link rules over the workspace, as a table, JSON or Markdown."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from assistant.app.workspace import require_pages
from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import emit_json, stdout


class AuditFormat(StrEnum):
    table = "table"
    json = "json"
    md = "md"


class FailOn(StrEnum):
    never = "never"
    high = "high"
    medium = "medium"
    low = "low"


@friendly
def audit(
    ctx: typer.Context,
    rule: Annotated[list[str] | None, typer.Option("--rule", "-r", help="only these rule ids (repeatable)")] = None,
    fmt: Annotated[AuditFormat, typer.Option("--format", "-f", help="table, json or md")] = AuditFormat.table,
    fail_on: Annotated[FailOn, typer.Option(help="exit 1 when a finding is at least this severe")] = FailOn.never,
    as_of: Annotated[str | None, typer.Option(help="judge dates as of this day (YYYY-MM-DD) [default: today]")] = None,
) -> None:
    """Check the site's links against the rules: paid, irrelevant, anchors, orphans, underlinked, broken, ..."""
    from assistant.rules import SEVERITY_ORDER, UnknownRule, run_rules
    from assistant.rules.load import load_audit

    services = state(ctx).services()
    require_pages(services)
    try:
        today = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise UserError(f"--as-of {as_of!r} is not a date like 2026-11-25") from None
    try:
        findings = run_rules(load_audit(services, today), rule or ())
    except UnknownRule as exc:
        raise UserError(str(exc)) from None
    rows = [f.as_dict() for f in findings]
    if fmt is AuditFormat.json:
        emit_json(rows)
    elif fmt is AuditFormat.md:
        stdout().print(markdown(rows), markup=False, highlight=False, soft_wrap=True)
    else:
        print_table(rows)
    if fail_on is not FailOn.never and any(SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[fail_on.value]
                                           for f in findings):
        raise typer.Exit(1)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["# Link audit", "", f"{len(rows)} findings.", ""]
    for severity in ("high", "medium", "low"):
        group = [r for r in rows if r["severity"] == severity]
        if not group:
            continue
        lines += [f"## {severity.capitalize()} ({len(group)})", ""]
        for r in group:
            lines += [f"### `{r['rule']}` — {r['urls'][0]}", "", r["message"], "", f"**Fix:** {r['fix']}", ""]
            if len(r["urls"]) > 1:
                lines += ["Pages: " + ", ".join(r["urls"][1:8]) + (" …" if len(r["urls"]) > 8 else ""), ""]
    return "\n".join(lines)


def print_table(rows: list[dict[str, Any]]) -> None:
    from collections import Counter

    from rich.table import Table

    out = stdout()
    counts = Counter((r["rule"], r["severity"]) for r in rows)
    summary = Table(title=f"{len(rows)} findings", header_style="bold")
    for col in ("rule", "severity", "findings"):
        summary.add_column(col)
    for (rule_id, severity), n in sorted(counts.items(), key=lambda x: (x[0][1], x[0][0])):
        summary.add_row(rule_id, severity, str(n))
    out.print(summary)
    table = Table(header_style="bold", show_lines=True)
    for col in ("severity", "rule", "page", "what and how to fix"):
        table.add_column(col, overflow="fold")
    for r in rows[:200]:
        table.add_row(r["severity"], r["rule"], r["urls"][0], f"{r['message']}\n[dim]fix:[/] {r['fix']}")
    out.print(table)
    if len(rows) > 200:
        out.print(f"… {len(rows) - 200} more: use --format json or md for all of them")
