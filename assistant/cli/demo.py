"""`assistant demo`: serve the bundled sample blog on 127.0.0.1, ingest it, show what was learned."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import friendly, state
from assistant.cli.output import Format, emit_json


@friendly
def demo(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
) -> None:
    """Ingest the bundled sample site (60 Go blog posts, CC BY 4.0) served on loopback."""
    typer.echo("demo: not built yet")
    _ = (state(ctx), fmt, emit_json)
