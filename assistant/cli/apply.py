"""`assistant apply PLAN.json --source DIR`: the plan's links and link fixes as a diff of the site's sources."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.common import UserError, friendly
from assistant.cli.output import Format, emit_json, emit_table, progress_bar, stderr

if TYPE_CHECKING:
    from assistant.apply import Result, SourceMap


@friendly
def apply(
    plan: Annotated[Path, typer.Argument(help="the plan JSON (`assistant plan -o plan.json`)", dir_okay=False)],
    source: Annotated[Path, typer.Option("--source", "-s", help="the site's source folder (Markdown or HTML)",
                                         file_okay=False)],
    write: Annotated[bool, typer.Option("--write", help="edit the files in place [default: print the diff]")]
    = False,
    task: Annotated[list[str] | None, typer.Option("--task", help="only this task id (repeatable)")] = None,
    kind: Annotated[list[str] | None, typer.Option("--type", help="only tasks of this type (repeatable)")] = None,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", help="URL_PATTERN=FILE_PATTERN, e.g. '/blog/{slug}/=posts/{slug}.md' (repeatable)")] = None,
    check_map: Annotated[bool, typer.Option("--check-map", help="list the plan's pages found / not found")]
    = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Write the plan's new links (and redirect fixes) into the site's Markdown/HTML sources: a diff, or --write."""
    from assistant.apply import PlanError, load_plan, select

    try:
        tasks = load_plan(plan)
    except PlanError as exc:
        raise UserError(str(exc)) from None
    smap = source_map(source, maps or [])
    chosen = select(tasks, task or [], kind or [])
    if task and not chosen:
        raise UserError(f"no task of {plan} has the id {', '.join(task)}")
    if check_map:
        show_map(chosen, smap, fmt)
        return
    result = run(chosen, smap, write)
    report(result, source, write, fmt)


def source_map(source: Path, maps: list[str]) -> SourceMap:
    from assistant.apply import SourceMap

    if not source.is_dir():
        raise UserError(f"--source {source} is not a folder")
    try:
        return SourceMap(source, maps)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run(tasks: list[dict[str, Any]], smap: SourceMap, write: bool) -> Result:
    from assistant.apply import plan_edits
    from assistant.apply import write as write_files

    with progress_bar(transient=True) as bar:
        result = plan_edits(tasks, smap, lambda done, total: bar.step("apply", done, total))
    if write:
        write_files(result)
    return result


def apply_to(plan: dict[str, Any], source: Path) -> None:
    """`assistant plan --apply-to DIR`: write the plan's edits into DIR and say what happened (on stderr)."""
    result = run(plan["tasks"], source_map(source, []), True)
    summary(result, source, True)


def show_map(tasks: list[dict[str, Any]], smap: SourceMap, fmt: Format) -> None:
    pages = sorted({str(p) for t in tasks for p in t.get("pages") or []})
    rows = []
    for url in pages:
        found = smap.find(url)
        rows.append({"page": url, "status": "found" if found.file else "not found",
                     "file": found.file.rel if found.file else found.reason})
    if fmt is Format.json:
        emit_json(rows)
        return
    emit_table(rows, ["page", "status", "file"],
               title=f"{sum(r['status'] == 'found' for r in rows)} of {len(rows)} pages found")


def summary(result: Result, source: Path, write: bool) -> None:
    console = stderr()
    counts = result.counts()
    verb = "applied" if write else "would apply"
    console.print(f"{verb} {counts.get('applied', 0)} of {len(result.outcomes)} edits in {source} "
                  f"({counts.get('already-applied', 0)} already applied, {counts.get('skipped', 0)} skipped)"
                  + (f"; {sum(result.manual.values())} other tasks are for a human" if result.manual else ""),
                  highlight=False)
    for reason, n in Counter(o.reason.split(" (to ")[0] for o in result.outcomes if o.status == "skipped")\
            .most_common():
        console.print(f"  skipped {n}: {reason}", highlight=False)


def report(result: Result, source: Path, write: bool, fmt: Format) -> None:
    from assistant.apply import diff

    text = diff(result)
    if fmt is Format.json:
        emit_json({"source": str(source), "write": write, "counts": result.counts(), "manual": result.manual,
                   "tasks": [o.as_dict() for o in result.outcomes], "diff": text})
        return
    if write:
        rows = [o.as_dict() for o in result.outcomes if o.status != "already-applied"]
        if rows:
            emit_table(rows, ["task", "status", "file", "line", "anchor", "reason"])
    else:
        sys.stdout.write(text)
    summary(result, source, write)
