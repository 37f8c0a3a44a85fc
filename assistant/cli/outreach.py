"""`assistant outreach`: a ranked, safe list of sites to ask for a link, with a drafted email per target."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.common import UserError, friendly, state
from assistant.cli.output import emit_table, progress_bar, stderr

if TYPE_CHECKING:
    from assistant.outreach import Options, Report
    from assistant.services import Services

# BuzzStream / Pitchbox import columns first, then ours
CSV_COLUMNS = {"URL": "prospect_url", "Domain": "domain", "Title": "title", "Email Subject": "email_subject",
               "Email Body": "email_body", "Status": "status", "Reason": "reason", "Relevance": "relevance",
               "Authority": "authority", "Our Page": "our_page", "Risk": "risk", "Angle": "angle"}
SHOWN_WARNINGS = 10


class OutFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@friendly
def outreach(
    ctx: typer.Context,
    prospects: Annotated[list[Path] | None, typer.Option(
        "--prospects", "-p", help="a text file of URLs or a CSV with a URL column (repeat for more files)")] = None,
    competitors: Annotated[list[Path] | None, typer.Option(
        "--competitors", help="a competitor's backlink export, any layout `backlinks import` reads (repeat)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="our page to promote (default: the best page per prospect)")]
    = None,
    min_competitors: Annotated[int, typer.Option(
        help="link intersect: referring domains linking to at least this many competitors")] = 2,
    drafts: Annotated[int, typer.Option(help="top targets whose email the LLM drafts (the rest: the template)")] = 10,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="plain template emails only")] = False,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="table, json or csv")] = OutFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout")]
    = None,
) -> None:
    """Rank prospects for earning backlinks: relevant and trustworthy first, link sellers and farms excluded."""
    from assistant.outreach import Options

    if not prospects and not competitors:
        raise UserError("give --prospects FILE and/or --competitors FILE (a competitor backlink export)")
    if min_competitors < 1 or drafts < 0:
        raise UserError("--min-competitors must be at least 1 and --drafts at least 0")
    opts = Options(list(prospects or []), list(competitors or []), to, min_competitors, drafts, not no_llm)
    report = run_outreach(state(ctx).services(), opts)
    _emit(report, fmt, output)


def run_outreach(services: Services, opts: Options) -> Report:
    """Run outreach's use case with a progress bar (fetch, embed, draft) and print its warnings."""
    from assistant.app.outreach import run_outreach as run

    with progress_bar() as bar:
        report = run(services, opts, bar.step)
    _warn(report.warnings)
    return report


def render_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(["; ".join(r[k]) if k == "risk" else ("" if r[k] is None else r[k])
                         for k in CSV_COLUMNS.values()])
    return buf.getvalue()


def _emit(report: Report, fmt: OutFormat, output: Path | None) -> None:
    rows = [r.as_dict() for r in report.rows]
    if output is not None and fmt is OutFormat.table:
        fmt = OutFormat.json if output.suffix.lower() == ".json" else OutFormat.csv
    if fmt is OutFormat.table:
        _table(rows)
        return
    text = render_csv(rows) if fmt is OutFormat.csv else json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8-sig" if fmt is OutFormat.csv else "utf-8", newline="")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    targets = sum(1 for r in rows if r["status"] == "target")
    typer.echo(f"{len(rows)} prospects ({targets} targets) written to {output} as {fmt.value}")


def _table(rows: list[dict[str, Any]]) -> None:
    from urllib.parse import urlsplit

    from rich.markup import escape

    def cut(text: str, n: int) -> str:
        return escape(text if len(text) <= n else text[:n - 1] + "…")

    shown = [{"status": r["status"], "domain": escape(r["domain"]), "relevance": r["relevance"],
              "authority": r["authority"], "title": cut(r["title"], 60),
              "our_page": escape(urlsplit(r["our_page"]).path if r["our_page"] else ""),
              "risk": ", ".join(r["risk"]), "reason": cut(r["reason"], 140)} for r in rows]
    targets = sum(1 for r in rows if r["status"] == "target")
    emit_table(shown, ["status", "domain", "relevance", "authority", "title", "our_page", "risk", "reason"],
               title=f"{len(rows)} prospect domains, {targets} targets (emails: --format json or csv)")


def _warn(warnings: list[str]) -> None:
    from rich.markup import escape

    err = stderr()
    for w in warnings[:SHOWN_WARNINGS]:
        err.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if len(warnings) > SHOWN_WARNINGS:
        err.print(f"[yellow]… {len(warnings) - SHOWN_WARNINGS} more warnings[/]", highlight=False)
