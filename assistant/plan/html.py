"""The plan as one self-contained HTML file: inline CSS, a few lines of inline JS to sort the table, inline SVG
charts (:mod:`assistant.plan.svg`). Nothing is fetched when the file is opened. Pure."""

from __future__ import annotations

from html import escape

from assistant.plan import svg
from assistant.plan.model import Plan
from assistant.plan.tasks import Task, path_of

TYPE_COLOURS = {
    "add-internal-link": "#2563eb", "link-orphan": "#7c3aed", "refresh-old-content": "#0891b2",
    "fix-broken-link": "#dc2626", "fix-redirected-link": "#ea580c", "remove-nofollow": "#ca8a04",
    "diversify-anchors": "#db2777", "disambiguate-anchor": "#c026d3", "reduce-links": "#64748b",
    "avoid-link": "#b91c1c", "fix-irrelevant-link": "#9333ea", "link-important-page": "#0d9488",
    "outreach": "#16a34a",
}
CSS = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#ffffff; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
       "Helvetica Neue",Arial,sans-serif; }
header { background:linear-gradient(135deg,#1e3a8a,#2563eb); color:#fff; padding:32px 40px 28px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:700; letter-spacing:-.01em; }
header p { margin:0; opacity:.85; }
main { max-width:1180px; margin:0 auto; padding:24px 40px 60px; }
.kpis { display:grid; grid-template-columns:repeat(4,1fr); gap:14px; margin:-44px 0 24px; }
.kpi { background:var(--card); border-radius:12px; padding:14px 18px; box-shadow:0 1px 3px rgba(15,23,42,.12); }
.kpi b { display:block; font-size:26px; color:var(--accent); }
.kpi span { color:var(--muted); font-size:13px; }
section { background:var(--card); border-radius:12px; padding:20px 24px; margin:0 0 20px;
          box-shadow:0 1px 3px rgba(15,23,42,.08); }
h2 { font-size:18px; margin:0 0 12px; }
h2 small { font-weight:400; color:var(--muted); font-size:13px; margin-left:6px; }
.summary { font-size:16px; max-width:75ch; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:20px; }
.pair { display:grid; grid-template-columns:1fr 1fr; gap:8px; align-items:start; }
.pair figure { margin:0; text-align:center; }
.pair figcaption { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.06em; }
.hood h3 { font-size:14px; margin:8px 0 0; }
.hood h3 span { color:var(--muted); font-weight:400; }
svg.chart { display:block; max-width:100%; height:auto; }
table { width:100%; border-collapse:collapse; font-size:14px; }
th { text-align:left; font-size:12px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted);
     border-bottom:2px solid var(--line); padding:8px 8px; cursor:pointer; user-select:none; white-space:nowrap; }
th:hover { color:var(--accent); }
th.sorted-asc::after { content:" \\25B2"; } th.sorted-desc::after { content:" \\25BC"; }
td { border-bottom:1px solid var(--line); padding:10px 8px; vertical-align:top; }
tr:hover td { background:#f1f5f9; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.type { display:inline-block; padding:2px 8px; border-radius:999px; color:#fff; font-size:12px; white-space:nowrap; }
.why { color:var(--muted); font-size:13px; margin-top:4px; }
.meter { display:inline-block; width:60px; height:6px; border-radius:3px; background:var(--line);
         vertical-align:middle; margin-left:6px; overflow:hidden; }
.meter i { display:block; height:100%; background:var(--accent); }
code { font:12px ui-monospace,SFMono-Regular,Menlo,monospace; color:var(--muted); white-space:nowrap; }
footer { color:var(--muted); font-size:12px; text-align:center; margin-top:24px; }
@media (max-width: 900px) { .grid2, .pair, .kpis { grid-template-columns:1fr; } main { padding:16px; } }
"""
JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var asc = !th.classList.contains('sorted-asc');
    table.querySelectorAll('th').forEach(function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
    th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _row(t: Task) -> str:
    colour = TYPE_COLOURS.get(t.type, "#475569")
    return (f'<tr><td class="num" data-v="{t.priority}">{t.priority}</td>'
            f'<td data-v="{escape(t.type)}"><span class="type" style="background:{colour}">{escape(t.type)}</span></td>'
            f'<td data-v="{escape(t.action[:80])}">{escape(t.action)}<div class="why">{escape(t.why)}</div></td>'
            f'<td class="num" data-v="{t.impact}">{t.impact:g}<span class="meter"><i style="width:{t.impact:.0f}%">'
            f'</i></span></td><td class="num" data-v="{t.effort}">{t.effort}</td>'
            f'<td data-v="{t.id}"><code>{t.id}</code></td></tr>')


def _kpis(plan: Plan) -> str:
    targets = {i.target for i in plan.links}
    fixes = sum(1 for t in plan.tasks if t.evidence.get("findings"))
    items = [(len(plan.tasks), f"tasks (of {plan.total})"), (len(plan.links), "new internal links"),
             (len(targets), "pages that get new links"), (fixes, "tasks that fix audit findings")]
    return "".join(f'<div class="kpi"><b>{v}</b><span>{escape(k)}</span></div>' for v, k in items)


def _overview(plan: Plan) -> str:
    c = plan.charts
    out = []
    if c.pagerank:
        out.append('<section id="pagerank"><h2>Internal PageRank<small>Link Score (0-100, log scale) of the top '
                   "pages and the plan's targets, now and with the plan's links</small></h2>"
                   + svg.pagerank_bars(c.pagerank) + "</section>")
    if c.depths:
        out.append('<section id="depth"><h2>Click depth<small>indexable pages by clicks from the home page'
                   "</small></h2>" + svg.depth_histogram(c.depths) + "</section>")
    if c.traffic:
        out.append(f'<section id="traffic"><h2>Traffic and inlinks<small>{escape(c.traffic[0][3])} of the most '
                   "visited pages, and the in-content links they get now and with the plan</small></h2>"
                   + svg.traffic_bars(c.traffic) + "</section>")
    return f'<div class="grid2">{"".join(out)}</div>' if out else ""


def _details(plan: Plan) -> str:
    c = plan.charts
    out = []
    if c.anchors:
        out.append('<section id="anchors"><h2>Anchor texts of the pages that get new links<small>existing '
                   "in-content anchors; the plan's new ones in green</small></h2><div class=\"grid2\">"
                   + "".join(svg.anchor_bars(t, rows) for t, rows in c.anchors) + "</div></section>")
    if c.neighbourhoods:
        hoods = []
        for n in c.neighbourhoods:
            rd = f" · {n.referring_domains} referring domain{'s' if n.referring_domains != 1 else ''}" \
                if n.referring_domains else ""
            hoods.append(f'<div class="hood"><h3>{escape(svg.short(n.title, 70))} <span>{escape(path_of(n.url))}'
                         f"{rd}</span></h3><div class=\"pair\"><figure><figcaption>before</figcaption>"
                         f"{svg.neighbourhood(n, False)}</figure><figure><figcaption>after</figcaption>"
                         f"{svg.neighbourhood(n, True)}</figure></div></div>")
        kind = "backlinked page" if any(n.referring_domains for n in c.neighbourhoods) else "main target"
        out.append(f'<section id="neighbourhoods"><h2>Link neighbourhood of each {kind}<small>pages linking to it '
                   "in their content; new links dashed green</small></h2><div class=\"grid2\">" + "".join(hoods)
                   + "</div></section>")
    return "".join(out)


def _since(plan: Plan) -> str:
    """"Since last crawl": the diff's counts, its regressions and changes (a few), the last plan's progress."""
    s = plan.since
    if not s:
        return ""
    counts = " · ".join(f"{n} {kind}" for kind, n in s["counts"].items()) or "nothing changed"
    items = "".join(f"<li>{'<b>' + escape(c['severity']) + '</b> ' if c['severity'] else ''}<code>{escape(c['kind'])}"
                    f"</code> {escape(c['message'])}</li>" for c in s["changes"])
    p = s.get("progress")
    done = (f"<p>Last plan ({escape(str(p['generated_at']))}): {len(p['done'])} task(s) done and dropped, "
            f"{len(p['open'])} open, {len(p['moot'])} moot.</p>") if p else ""
    return (f'<section id="since"><h2>Since last crawl<small>run {s["from_run"]} → run {s["to_run"]} · '
            f'{s["regressions"]} regression(s)</small></h2><p>{escape(counts)}</p><ul>{items}</ul>{done}</section>')


def to_html(plan: Plan) -> str:
    rows = "".join(_row(t) for t in plan.tasks)
    title = f"Link action plan — {plan.site}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body><header><h1>Link action plan</h1><p>{escape(plan.site)} · generated {escape(plan.generated_at)}</p></header>
<main><div class="kpis">{_kpis(plan)}</div>
<section id="summary"><h2>Summary<small>written by {escape(plan.summary_by)}</small></h2>
<p class="summary">{escape(plan.summary)}</p></section>
{_since(plan)}
{_overview(plan)}
<section id="tasks"><h2>Tasks<small>most impact per effort first · click a column to sort · impact 0-100, effort
1 (one sentence) to 5 (work with other sites)</small></h2>
<table class="sortable" id="plan"><thead><tr><th>#</th><th>type</th><th>action</th><th>impact</th><th>effort</th>
<th>id</th></tr></thead><tbody>{rows}</tbody></table></section>
{_details(plan)}
<footer>link-assistant · everything in this file is inline: it opens without a network</footer></main>
<script>{JS}</script></body></html>
"""
