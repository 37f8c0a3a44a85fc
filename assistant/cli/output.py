"""Rendering for every command: rich tables for people, ``--format json`` for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table


class Format(StrEnum):
    table = "table"
    json = "json"


def stdout() -> Console:
    return Console(soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def emit_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None = None) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold", justify="right" if rows and isinstance(rows[0].get(col), int | float)
                         else "left")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    stdout().print(table)


class StepBar:
    """Progress bars on stderr, one per named step (silent when stderr is not a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._p = progress
        self._tasks: dict[str, TaskID] = {}

    def step(self, name: str, done: int, total: int | None) -> None:
        """Step ``name`` is at ``done`` of ``total`` (None: not known yet)."""
        if name not in self._tasks:
            self._tasks[name] = self._p.add_task(name, total=total)
        self._p.update(self._tasks[name], completed=done, total=total)


@contextmanager
def progress_bar(transient: bool = False) -> Iterator[StepBar]:
    console = stderr()
    with Progress(TextColumn("[bold]{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=transient,
                  disable=not console.is_terminal) as progress:
        yield StepBar(progress)
