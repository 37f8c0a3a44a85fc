"""`assistant watch`: re-ingest the site, compare with the previous complete run, report regressions (and post
them to Slack). ``--once`` for cron and CI, ``--every 1d`` as a long-lived process that survives a failed run."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.audit import FailOn
from assistant.cli.common import UserError, friendly, state
from assistant.cli.diff import SCORE_DROP_HELP
from assistant.cli.output import Format, emit_json, stderr, stdout
from assistant.diff.model import SEVERITY_ORDER

if TYPE_CHECKING:
    from assistant.diff import Diff
    from assistant.services import Services
    from assistant.settings import Settings

UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_EVERY = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")


def parse_every(text: str) -> float:
    """Seconds in ``30m``, ``6h``, ``1d``, ``90s`` or ``90``."""
    m = _EVERY.fullmatch(text.strip().lower())
    if m is None or float(m.group(1)) <= 0:
        raise UserError(f"--every {text!r} is not an interval like 30m, 6h or 1d")
    return float(m.group(1)) * UNITS[m.group(2)]


def loop(once: Callable[[], object], every: float, *, iterations: int | None = None,
         sleep: Callable[[float], None] = time.sleep, report: Callable[[str], None] = print) -> int:
    """Call ``once`` every ``every`` seconds (``iterations`` times, or for ever). A run that fails is reported
    and the next one starts at the next interval. Returns how many runs failed."""
    failed = done = 0
    while iterations is None or done < iterations:
        started = time.monotonic()
        try:
            once()
        except Exception as exc:     # a long-lived watch outlives any one run (typer.Exit included)
            failed += 1
            why = f"exit {exc.exit_code}" if isinstance(exc, typer.Exit) else f"{type(exc).__name__}: {exc}"
            report(f"watch: the run failed ({why}); trying again in {every:g} s")
        done += 1
        if iterations is None or done < iterations:
            sleep(max(0.0, every - (time.monotonic() - started)))
    return failed


def watch_once(settings: Settings, source: str | None, channel: str | None, score_drop: float,
               wait: float) -> tuple[Diff | None, int, str]:
    """One ingest and diff against the previous complete run: (diff or None for a first run, messages posted,
    the site). Builds and closes its own services, so every run starts from fresh clients."""
    from assistant.cli.diff import compute
    from assistant.cli.ingest import run_ingest
    from assistant.services import Services
    from assistant.store.lock import WorkspaceLock

    services = Services(settings)
    try:
        row = services.db.last_run()
        site = source or (str(row["source"]) if row is not None else "")
        if not site:
            raise UserError(f"workspace {settings.workspace} has no run to repeat: give the SOURCE to watch")
        with WorkspaceLock(settings.workspace, "watch", wait):
            summary = run_ingest(services, site)
        from assistant.store.runs import list_runs

        if sum(1 for r in list_runs(services.db) if r.comparable and r.id < summary.run_id) == 0:
            return None, 0, site
        result = compute(services, None, summary.run_id, score_drop)
        posted = post_alert(services, result, channel, site) if channel else 0
        return result, posted, site
    finally:
        services.close()


def post_alert(services: Services, result: Diff, channel: str, site: str) -> int:
    """Post the regressions to ``channel`` through the bot's Slack app; nothing when nothing regressed."""
    from slack_sdk.errors import SlackApiError

    from assistant.slack.alerts import alert_messages

    messages = alert_messages(result, site)
    client = services.slack_client
    for message in messages:
        try:
            client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **message)
        except SlackApiError as exc:
            raise UserError(f"Slack refused the alert to {channel}: {exc.response.get('error')}") from None
        except OSError as exc:
            raise UserError(f"cannot reach the Slack Web API at {client.base_url}: {exc}") from None
    return len(messages)


def report(result: Diff | None, posted: int, channel: str | None, site: str, fmt: Format) -> None:
    if fmt is Format.json:
        data: dict[str, Any] = {"site": site, "baseline": result is None, "posted": posted}
        emit_json({**data, **(result.as_dict() if result else {})})
        return
    out = stdout()
    if result is None:
        out.print(f"watch {site}: first complete run, kept as the baseline for the next one", highlight=False)
        return
    bad = result.regressions
    out.print(f"watch {site}: run {result.from_run} → run {result.to_run}: {len(result.changes)} change(s), "
              f"{len(bad)} regression(s)" + (f"; posted to {channel}" if posted else ""), highlight=False)
    for c in bad:
        out.print(f"  {c.severity:<6} {c.kind:<20} {c.message}", highlight=False, markup=False)


@friendly
def watch(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Argument(help="what to ingest [default: the source of the last run]")] = None,
    every: Annotated[str | None, typer.Option(help="run for ever, every 30m / 6h / 1d (survives a failed run)")]
    = None,
    once: Annotated[bool, typer.Option("--once", help="one run, then exit (the default without --every)")] = False,
    slack_channel: Annotated[str | None, typer.Option(
        help="post regressions to this channel (ID or #name) through the bot's Slack app")] = None,
    fail_on: Annotated[FailOn, typer.Option(help="--once: exit 1 when a regression is at least this severe")]
    = FailOn.never,
    score_drop: Annotated[float, typer.Option(help=SCORE_DROP_HELP)] = 10.0,
    wait: Annotated[float, typer.Option(help="seconds to wait for a busy workspace")] = 0.0,
    iterations: Annotated[int | None, typer.Option(hidden=True, help="stop --every after N runs (tests)")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Re-ingest the site, diff it against the previous complete run and report (or post) the regressions."""
    if once and every:
        raise UserError("give --once or --every, not both")
    settings = state(ctx).settings()

    def one() -> Diff | None:
        result, posted, site = watch_once(settings, source, slack_channel, score_drop, wait)
        report(result, posted, slack_channel, site, fmt)
        sys.stdout.flush()
        return result

    if every is None:
        result = one()
        if result is not None and fail_on is not FailOn.never and any(
                SEVERITY_ORDER[c.severity] <= SEVERITY_ORDER[fail_on.value] for c in result.regressions):
            raise typer.Exit(1)
        return
    seconds = parse_every(every)
    console = stderr()
    loop(one, seconds, iterations=iterations, report=lambda line: console.print(line, highlight=False, markup=False))
