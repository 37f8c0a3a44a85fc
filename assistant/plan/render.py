"""The plan as Markdown, CSV and JSON text. Pure (the CLI writes the files); HTML is :mod:`assistant.plan.html`."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from assistant.plan.model import Plan
from assistant.plan.tasks import path_of

CSV_COLUMNS = ["priority", "id", "type", "impact", "effort", "action", "why", "pages", "evidence"]
FORMATS = ("md", "csv", "json", "html")


def to_json(plan: Plan) -> str:
    return json.dumps(plan.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def to_csv(plan: Plan) -> str:
    """One row per task; ``pages`` joined by spaces, ``evidence`` as compact JSON (spreadsheet-friendly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in plan.tasks:
        writer.writerow([t.priority, t.id, t.type, t.impact, t.effort, t.action, t.why, " ".join(t.pages),
                         json.dumps(t.evidence, ensure_ascii=False, default=str, separators=(",", ":"))])
    return out.getvalue()


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(plan: Plan) -> str:
    lines = [f"# Link action plan for {plan.site}", "", f"Generated {plan.generated_at}. "
             f"{len(plan.tasks)} of {plan.total} tasks, most impact per effort first "
             "(impact 0-100, effort 1 = one sentence to 5 = work with other sites).", "", "## Summary", "",
             plan.summary, "", "## Tasks", "", "| # | id | type | impact | effort | action |",
             "|---:|---|---|---:|---:|---|"]
    for t in plan.tasks:
        lines.append(f"| {t.priority} | `{t.id}` | {t.type} | {t.impact:g} | {t.effort} | {_cell(t.action)} |")
    lines += ["", "## Details", ""]
    for t in plan.tasks:
        lines += [f"### {t.priority}. {t.type} — `{t.id}`", "", f"**Do:** {t.action}", "", f"**Why:** {t.why}", "",
                  "**Pages:** " + ", ".join(path_of(p) for p in t.pages[:8]) + (" …" if len(t.pages) > 8 else ""),
                  ""]
    return "\n".join(lines)


def render(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return to_json(plan)
    if fmt == "csv":
        return to_csv(plan)
    if fmt == "md":
        return to_markdown(plan)
    if fmt == "html":
        from assistant.plan.html import to_html

        return to_html(plan)
    raise ValueError(f"unknown plan format {fmt!r}; formats are: {', '.join(FORMATS)}")
