"""Outreach: which sites to ask for a link, to which page of ours, and a drafted email that passes the guard.

:mod:`.inputs` reads prospect lists and competitor exports (link intersect), :mod:`.pages` fetches prospect
pages through the project's one HTTP client, :mod:`.rank` judges and orders them, :mod:`.draft` writes the
emails that :mod:`.guard` checks; :mod:`.load` runs it all against a workspace (its only I/O besides the
file readers and the fetch).
"""

from __future__ import annotations

from assistant.outreach.guard import Grounding, check
from assistant.outreach.inputs import InputError
from assistant.outreach.load import Options, OutreachError, Report, run
from assistant.outreach.rank import Row

__all__ = ["Grounding", "InputError", "Options", "OutreachError", "Report", "Row", "check", "run"]
