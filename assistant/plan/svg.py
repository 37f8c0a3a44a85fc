"""Small inline SVG charts for the HTML report: grouped bars, horizontal bars, stacked shares, a node-link
neighbourhood. Pure string building: no library, no network; every text is escaped."""

from __future__ import annotations

import math
from html import escape

from assistant.plan.model import Neighbourhood
from assistant.plan.tasks import path_of

INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"
BEFORE, AFTER, NEW = "#93c5fd", "#2563eb", "#16a34a"
PALETTE = ["#2563eb", "#0891b2", "#7c3aed", "#db2777", "#ea580c", "#ca8a04", "#64748b"]
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def _t(x: float, y: float, text: str, size: int = 12, anchor: str = "start", fill: str = INK,
       weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _svg(width: int, height: int, body: list[str], label: str, cls: str) -> str:
    return (f'<svg class="chart {cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(label)}" {FONT}><title>{escape(label)}</title>'
            + "".join(body) + "</svg>")


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = float(10.0 ** math.floor(math.log10(value)))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def legend(items: list[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for label, colour in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" rx="2" fill="{colour}"/>')
        out.append(_t(x + 15, y, label, 12, fill=MUTED))
        x += 26 + 7 * len(label)
    return out


def pagerank_bars(rows: list[tuple[str, str, float, float]]) -> str:
    """Horizontal bars: each page's Link Score (0-100) now, and the rise the plan's links bring."""
    label_w, width, bar_h, gap = 190, 560, 16, 9
    height = 44 + len(rows) * (bar_h + gap) + 22
    plot = width - label_w - 56
    body = legend([("now", BEFORE), ("after the plan", AFTER)], label_w, 18)
    for k in range(5):
        x = label_w + plot * k / 4
        body.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{height - 20}" stroke="{GRID}"/>')
        body.append(_t(x, height - 5, f"{25 * k}", 12, "middle", MUTED))
    for i, (url, title, before, after) in enumerate(rows):
        y = 36 + i * (bar_h + gap)
        body.append(f'<g class="bar"><title>{escape(title)} — {escape(url)}: Link Score {before:.1f} now, '
                    f"{after:.1f} after</title>")
        body.append(_t(label_w - 8, y + bar_h - 3, short(path_of(url), 26), 13, "end"))
        wa, wb = plot * after / 100, plot * before / 100
        if after > before:
            body.append(f'<rect x="{label_w}" y="{y}" width="{wa:.1f}" height="{bar_h}" rx="3" fill="{AFTER}"/>')
        body.append(f'<rect x="{label_w}" y="{y}" width="{wb:.1f}" height="{bar_h}" rx="3" fill="{BEFORE}"/>')
        gain = f" +{after - before:.0f}" if after - before >= 0.5 else ""
        body.append(_t(label_w + max(wa, wb) + 5, y + bar_h - 3, f"{before:.0f}{gain}", 12,
                       fill=AFTER if gain else MUTED, weight="600" if gain else "normal"))
        body.append("</g>")
    return _svg(width, height, body, "Link Score of the top pages and the plan's targets, now and after the plan",
                "pagerank")


def depth_histogram(rows: list[tuple[str, int, int]]) -> str:
    """Grouped columns: indexable pages at each click depth from the home page, now and after the plan."""
    width, height, left, bottom = 560, 330, 46, 44
    top = _nice_max(max((max(b, a) for _, b, a in rows), default=1))
    plot_w, plot_h = width - left - 20, height - bottom - 40
    body = legend([("now", BEFORE), ("after the plan", AFTER)], left, 18)
    for k in range(5):
        y = height - bottom - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_t(left - 6, y + 4, f"{top * k / 4:g}", 12, "end", MUTED))
    slot = plot_w / max(len(rows), 1)
    bw = min(28.0, slot / 2.6)
    for i, (label, before, after) in enumerate(rows):
        cx = left + slot * (i + 0.5)
        for j, (value, colour) in enumerate(((before, BEFORE), (after, AFTER))):
            h = plot_h * value / top
            x = cx - bw + j * bw
            body.append(f'<rect class="bar" x="{x:.1f}" y="{height - bottom - h:.1f}" width="{bw - 2:.1f}" '
                        f'height="{h:.1f}" rx="2" fill="{colour}"><title>depth {escape(label)}: {value} pages '
                        f'{"now" if j == 0 else "after the plan"}</title></rect>')
        body.append(_t(cx, height - bottom + 17, label if label != "unreachable" else "none", 12, "middle"))
    body.append(_t(left + plot_w / 2, height - 6, "clicks from the home page", 12, "middle", MUTED))
    return _svg(width, height, body, "Click-depth histogram of indexable pages", "depth")


def anchor_bars(target: str, rows: list[tuple[str, int, bool]]) -> str:
    """One target's in-content anchor texts as a stacked share bar, the plan's new anchors in green."""
    width, bar_y, bar_h = 560, 34, 22
    total = sum(n for _, n, _ in rows) or 1
    body = [_t(0, 16, short(path_of(target), 70), 14, weight="600")]
    x = 0.0
    colours = []
    for i, (anchor, n, new) in enumerate(rows):
        colour = NEW if new else PALETTE[i % len(PALETTE)]
        colours.append(colour)
        w = width * n / total
        body.append(f'<rect class="bar" x="{x:.1f}" y="{bar_y}" width="{max(w - 1, 1):.1f}" height="{bar_h}" '
                    f'fill="{colour}"><title>“{escape(anchor)}”: {n} link{"s" if n != 1 else ""}'
                    f'{" (new)" if new else ""}</title></rect>')
        x += w
    y = bar_y + bar_h + 18
    for i, ((anchor, n, new), colour) in enumerate(zip(rows, colours, strict=True)):
        cy = y + i * 19
        body.append(f'<rect x="0" y="{cy - 10:.1f}" width="11" height="11" rx="2" fill="{colour}"/>')
        body.append(_t(17, cy, f"{short(anchor, 56)} — {n}{' new' if new else ''} ({100 * n / total:.0f} %)",
                       13, fill=NEW if new else INK, weight="600" if new else "normal"))
    height = y + len(rows) * 19
    return _svg(width, height, body, f"Anchor texts of the links to {target}", "anchors")


def neighbourhood(n: Neighbourhood, after: bool, max_nodes: int = 18) -> str:
    """The page in the middle, the pages linking to it in their content around it; ``after`` adds the plan's."""
    size, r_ring = 340, 112
    c = size / 2
    old = n.before[:max_nodes - min(len(n.new), max_nodes // 2)] if after else n.before[:max_nodes]
    new = n.new[:max_nodes // 2] if after else []
    nodes = [(u, False) for u in old] + [(u, True) for u in new]
    hidden = len(n.before) - len(old)
    body = [f'<circle cx="{c}" cy="{c}" r="{r_ring}" fill="none" stroke="{GRID}" stroke-dasharray="3 4"/>']
    label_all = len(nodes) <= 10
    for i, (url, is_new) in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(nodes), 1)
        x, y = c + r_ring * math.cos(angle), c + r_ring * math.sin(angle)
        colour = NEW if is_new else "#94a3b8"
        body.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{c}" y2="{c}" stroke="{colour}" '
                    f'stroke-width="{2.2 if is_new else 1.2}"' + (' stroke-dasharray="5 3"' if is_new else "") + "/>")
        body.append(f'<circle class="node{" new" if is_new else ""}" cx="{x:.1f}" cy="{y:.1f}" r="{9 if is_new else 7}"'
                    f' fill="{colour}"><title>{escape(url)}{" (new link)" if is_new else ""}</title></circle>')
        if label_all or is_new:
            segments = [x for x in path_of(url).split("/") if x] or ["/"]
            slug = "/".join(segments[-2:]) if segments[-1].isdigit() else segments[-1]
            body.append(_t(x + (12 if x >= c else -12), y + 5, short(slug, 14), 13, "start" if x >= c else "end",
                           NEW if is_new else MUTED, "600" if is_new else "normal"))
    body.append(f'<circle cx="{c}" cy="{c}" r="24" fill="{AFTER}"><title>{escape(n.url)}</title></circle>')
    body.append(_t(c, c + 5, str(len(n.before) + len(new)), 15, "middle", "#ffffff", "700"))
    caption = f"{len(n.before)} linking pages" + (f" + {len(new)} new" if after else "") + (
        f" ({hidden} not drawn)" if hidden > 0 else "")
    body.append(_t(c, size - 2, caption, 13, "middle", MUTED))
    label = f"Pages linking to {n.url} {'after' if after else 'before'} the plan"
    pad = 100                    # room for the labels of the nodes on the left and right
    return _svg(size + 2 * pad, size + 4, [f'<g transform="translate({pad},0)">', *body, "</g>"], label,
                "neighbourhood")


def traffic_bars(rows: list[tuple[str, str, float, str, int, int]]) -> str:
    """Per most-visited page: its traffic (bar, left) beside the in-content links it gets now and with the plan
    (bars, right): a visited page with few inlinks is where links are missing."""
    label_w, width, bar_h, gap, split = 190, 620, 16, 9, 400
    height = 44 + len(rows) * (bar_h + gap) + 8
    most = max((r[2] for r in rows), default=1.0) or 1.0
    links = _nice_max(max((r[5] for r in rows), default=1))
    unit = rows[0][3] if rows else "clicks"
    body = [_t(label_w, 18, unit, 12, fill=MUTED), *legend([("inlinks now", BEFORE), ("with the plan", AFTER)],
                                                          split + 10, 18)]
    for i, (url, title, volume, unit_, before, after) in enumerate(rows):
        y = 36 + i * (bar_h + gap)
        body.append(f'<g class="bar"><title>{escape(title)} — {escape(url)}: {volume:,.0f} {escape(unit_)}, '
                    f"{before} in-content inlinks now, {after} with the plan</title>")
        body.append(_t(label_w - 8, y + bar_h - 3, short(path_of(url), 26), 13, "end"))
        w = (split - label_w - 60) * volume / most
        body.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{PALETTE[1]}"/>')
        body.append(_t(label_w + w + 5, y + bar_h - 3, f"{volume:,.0f}", 12, fill=MUTED))
        plot = width - split - 50
        wa, wb = plot * after / links, plot * before / links
        if after > before:
            body.append(f'<rect x="{split + 10}" y="{y}" width="{wa:.1f}" height="{bar_h}" rx="3" fill="{AFTER}"/>')
        body.append(f'<rect x="{split + 10}" y="{y}" width="{wb:.1f}" height="{bar_h}" rx="3" fill="{BEFORE}"/>')
        gain = f" +{after - before}" if after > before else ""
        body.append(_t(split + 15 + max(wa, wb), y + bar_h - 3, f"{before}{gain}", 12,
                       fill=AFTER if gain else MUTED, weight="600" if gain else "normal"))
        body.append("</g>")
    return _svg(width, height, body, f"{unit} of the most visited pages and their in-content inlinks", "traffic")
