"""Read two runs from the workspace and compare them (the diff's only I/O; :mod:`.compare` is pure)."""

from __future__ import annotations

from datetime import date

from assistant.backlinks import all_backlinks
from assistant.diff.compare import SCORE_DROP, compare
from assistant.diff.model import Diff
from assistant.diff.progress import plan_progress
from assistant.diff.view import RunView, view
from assistant.store.clients import Clients
from assistant.store.queries import UnknownURL, resolve_url
from assistant.store.runs import RunInfo, last_plan, list_runs, load_snapshot, snapshot_missing


class DiffError(ValueError):
    """Runs that cannot be compared; the message says which and what to do."""


def choose_runs(runs: list[RunInfo], frm: int | None, to: int | None) -> tuple[RunInfo, RunInfo]:
    """(from, to): the runs asked for, else the last two complete runs (to's predecessor for ``--to`` alone)."""
    by_id = {r.id: r for r in runs}
    for asked in (frm, to):
        if asked is not None and asked not in by_id:
            raise DiffError(f"run {asked} does not exist; `assistant runs` lists the runs "
                            f"({', '.join(str(r.id) for r in runs) or 'none yet'})")
        if asked is not None and not by_id[asked].snapshot:
            raise DiffError(f"run {asked} kept no state to compare (it ran before `assistant diff` existed)")
    usable = [r for r in runs if r.comparable]
    last = by_id[to] if to is not None else (usable[-1] if usable else None)
    if last is None:
        raise DiffError("no complete run to compare: run `assistant ingest SOURCE` (twice) first")
    if frm is not None:
        first = by_id[frm]
    else:
        before = [r for r in usable if r.id < last.id]
        if not before:
            raise DiffError(f"run {last.id} is the first complete run: nothing to compare it with yet "
                            "(ingest again, or name runs with --from/--to)")
        first = before[-1]
    if first.id == last.id:
        raise DiffError(f"--from and --to are both run {first.id}")
    return first, last


def load_view(services: Clients, run_id: int, today: date) -> RunView:
    db = services.db
    snap = load_snapshot(db, run_id)
    if snap is None:
        raise DiffError(f"run {run_id} kept no state to compare")
    important = set()
    for text in services.settings.audit.important_urls:
        try:
            important.add(resolve_url(db, text))
        except UnknownURL:
            continue
    return view(snap, services.settings.audit, all_backlinks(db), important, today)


def run_diff(services: Clients, frm: int | None = None, to: int | None = None, *, today: date | None = None,
             score_drop: float = SCORE_DROP, progress: bool = True) -> Diff:
    """The diff between two stored runs (see :func:`choose_runs`), with the last plan's progress."""
    snapshot_missing(services.db)
    first, last = choose_runs(list_runs(services.db), frm, to)
    day = today or date.today()
    a, b = load_view(services, first.id, day), load_view(services, last.id, day)
    result = Diff(first.id, last.id, compare(a, b, score_drop))
    for r in (first, last):
        if r.status != "done":
            result.notes.append(f"run {r.id} was {r.status}: its state is what it left when it stopped")
        elif not r.complete:
            result.notes.append(f"run {r.id} stopped at a limit ({r.stats.get('limit') or '?'}): pages past it "
                                "keep their earlier state")
    if first.source != last.source:
        result.notes.append(f"the runs crawled different sources ({first.source} and {last.source})")
    plan = last_plan(services.workspace) if progress else None
    made = plan.get("run_id") if plan is not None else None
    if plan is not None and isinstance(made, int) and made < last.id:      # a crawl newer than the plan
        kept = {r.id for r in list_runs(services.db) if r.snapshot}
        origin = a if made == first.id else load_view(services, made, day) if made in kept else None
        result.progress = plan_progress(plan, b, origin)
    return result
