"""What changed between two ingest runs: typed change records, regressions, and the last plan's progress.

:mod:`.view` sees a stored run as the audit's records, :mod:`.compare` turns two of them into
:class:`~assistant.diff.model.Change` records (pure), :mod:`.progress` checks a plan's tasks against a run,
:mod:`.load` reads the runs from the workspace, :mod:`.blocks` writes the Slack alert.
"""

from __future__ import annotations

from assistant.diff.model import KINDS, SECTIONS, Change, Diff

__all__ = ["KINDS", "SECTIONS", "Change", "Diff"]
