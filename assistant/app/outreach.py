"""Outreach: check the input files and rank the prospects (fetch, relevance, risk, drafts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.app import Step, UserError, no_step

if TYPE_CHECKING:
    from assistant.outreach import Options, Report
    from assistant.services import Services


def run_outreach(services: Services, opts: Options, step: Step = no_step) -> Report:
    """The outreach report; a missing file or unusable input is a :class:`UserError`. Its warnings are in
    ``report.warnings`` for the caller to show."""
    from assistant.outreach import InputError, OutreachError, run

    for path in [*opts.prospects, *opts.competitors]:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
    try:
        return run(services, opts, step)
    except (InputError, OutreachError) as exc:
        raise UserError(str(exc)) from None
