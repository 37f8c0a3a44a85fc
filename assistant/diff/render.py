"""A diff as Markdown (``assistant diff --format md``) and as rows for the terminal table. Pure."""

from __future__ import annotations

from typing import Any

from assistant.diff.compare import path
from assistant.diff.model import SECTIONS, Diff


def rows(diff: Diff) -> list[dict[str, Any]]:
    order = {k: i for i, k in enumerate(k for kinds in SECTIONS.values() for k in kinds)}
    return [{"kind": c.kind, "severity": c.severity, "page": path(c.url), "change": c.message}
            for c in sorted(diff.changes, key=lambda c: (order[c.kind], c.url))]


def progress_lines(progress: dict[str, Any] | None) -> list[str]:
    if not progress:
        return []
    done, still, moot = progress["done"], progress["open"], progress["moot"]
    lines = [f"Plan of {progress.get('generated_at')}: {len(done)} task(s) done, {len(still)} open, "
             f"{len(moot)} moot (checked against run {progress.get('checked_against_run')})."]
    lines += [f"- done: `{t['id']}` {t['action']} ({t['why']})" for t in done]
    lines += [f"- moot: `{t['id']}` {t['action']} ({t['why']})" for t in moot]
    return lines


def to_markdown(diff: Diff) -> str:
    lines = [f"# What changed: run {diff.from_run} → run {diff.to_run}", ""]
    if not diff.changes:
        lines += ["Nothing changed.", ""]
    lines += [f"> {n}" for n in diff.notes]
    bad = diff.regressions
    if bad:
        lines += ["", f"## Regressions ({len(bad)})", ""]
        lines += [f"- **{c.severity}** `{c.kind}` {c.message}" for c in bad]
    for section, kinds in SECTIONS.items():
        found = [c for c in diff.changes if c.kind in kinds]
        if not found:
            continue
        lines += ["", f"## {section.capitalize()} ({len(found)})", ""]
        for c in sorted(found, key=lambda c: (kinds.index(c.kind), c.url)):
            lines.append(f"- `{c.kind}` {c.message}" + (f" — {', '.join(path(u) for u in c.urls[1:6])}"
                                                         if len(c.urls) > 1 else ""))
    if diff.progress:
        lines += ["", "## Plan progress", "", *progress_lines(diff.progress)]
    return "\n".join(lines) + "\n"
