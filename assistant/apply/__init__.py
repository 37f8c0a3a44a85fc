"""Apply a plan to the site's sources: the links and link fixes of its tasks, edited into Markdown and HTML files.

``load_plan`` reads the plan JSON, :class:`SourceMap` maps page URLs to source files, :func:`plan_edits` finds
each task's place and builds the edits (nothing written), :func:`diff` shows them and :func:`write` writes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.apply.edits import EDITABLE, LINK_TASKS, Outcome, Result, is_link_task, plan_edits, select
from assistant.apply.sources import SourceMap
from assistant.apply.write import diff, write

__all__ = ["EDITABLE", "LINK_TASKS", "Outcome", "PlanError", "Result", "SourceMap", "diff", "is_link_task",
           "load_plan", "plan_edits", "select", "write"]


class PlanError(ValueError):
    """The plan file cannot be read as a plan."""


def load_plan(path: Path) -> list[dict[str, Any]]:
    """The tasks of a plan JSON file (``assistant plan -o plan.json``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path} is not a plan JSON file: {exc}") from None
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and "id" in t and "type" in t for t in tasks):
        raise PlanError(f"{path} is not a plan JSON file: no \"tasks\" list of {{id, type, …}} "
                        "(write one with `assistant plan -o plan.json`)")
    return tasks
