"""The prioritised action plan (`assistant plan`): audit findings and link suggestions become tasks.

:mod:`.load` reads the workspace (the only I/O); :mod:`.tasks`, :mod:`.findings`, :mod:`.links` and
:mod:`.build` turn findings and suggestions into prioritised tasks; :mod:`.summary` writes the paragraph;
:mod:`.render`, :mod:`.html` and :mod:`.svg` write md, csv, json and html.
"""

from __future__ import annotations

from assistant.plan.build import build_plan
from assistant.plan.model import Plan, PlanInput
from assistant.plan.render import FORMATS, render
from assistant.plan.tasks import Task, outreach_tasks

__all__ = ["FORMATS", "Plan", "PlanInput", "Task", "build_plan", "outreach_tasks", "render"]
