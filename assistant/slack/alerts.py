"""The watch's Slack alert: a diff's regressions as Block Kit, grouped by severity (the top few of each, and
a count of the rest), posted by `assistant watch`. Pure; page text is escaped by :mod:`assistant.slack.blocks`'
helpers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from assistant.diff.compare import path
from assistant.diff.model import Diff
from assistant.slack.blocks import SEVERITIES, Message, _clip, escape, link, pack, sections

TOP = 5               # regressions shown per severity
MESSAGE_CHARS = 280   # of one regression's message


def alert_messages(diff: Diff, site: str) -> list[Message]:
    """The alert (empty when nothing regressed: nothing is posted then)."""
    found = diff.regressions
    if not found:
        return []
    n = Counter(c.severity for c in found)
    counts = ", ".join(f"{n[s]} {s}" for s, _ in SEVERITIES if n[s])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{len(found)} link regression"
                                    f"{'s' if len(found) != 1 else ''} since the last crawl", "emoji": True}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{escape(site)} · run {diff.from_run} → run "
                                          f"{diff.to_run} · {counts}"}]}]
    for severity, label in SEVERITIES:
        group = [c for c in found if c.severity == severity]
        if not group:
            continue
        lines = [f"*{label}* ({len(group)})"]
        for c in group[:TOP]:
            lines.append(f"• {link(c.url, path(c.url))} — {escape(_clip(c.message, MESSAGE_CHARS))} `{c.kind}`")
        if len(group) > TOP:
            lines.append(f"…and {len(group) - TOP} more (`assistant diff --to {diff.to_run}` lists them all)")
        blocks += sections("\n".join(lines))
    return pack(blocks)
