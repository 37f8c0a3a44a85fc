"""Real-shaped traffic exports, written as the tools write them (from their documentation):

- Search Console's performance download: a zip of ``Queries.csv`` (``Top queries``), ``Pages.csv`` (``Top pages``),
  ``Countries.csv``, ``Devices.csv``, ``Search appearance.csv``, ``Dates.csv`` and ``Filters.csv``; CTR as
  ``5.12%``, position with one decimal.
- GA4's "Pages and screens" CSV: comment lines (``#``) with the report's name, account, property and
  ``# Start date: YYYYMMDD`` / ``# End date: YYYYMMDD`` above the header, in UTF-16LE with a BOM here.
- The Search Analytics API's ``searchanalytics.query`` response: ``rows[].keys`` in the request's dimension
  order, ``clicks``, ``impressions``, ``ctr`` (a fraction), ``position``, ``responseAggregationType``.
- The bulk export's ``searchdata_url_impression`` table as CSV: ``data_date``, ``site_url``, ``url``, ``query``,
  ``is_anonymized_query`` …, ``impressions``, ``clicks``, ``sum_position`` (zero-based positions summed).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

# (page URL or path, clicks, impressions, position)
PageRow = tuple[str, int, int, float]
# (page URL, query, clicks, impressions, position)
QueryRow = tuple[str, str, int, int, float]


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _ctr(clicks: int, impressions: int) -> str:
    return f"{100 * clicks / impressions:.2f}%" if impressions else "0%"


def gsc_zip(path: Path, pages: list[PageRow], queries: list[tuple[str, int, int, float]],
            start: str = "2026-09-01", end: str = "2026-11-29") -> Path:
    """The Performance report's "Export → Download CSV" zip."""
    from datetime import date, timedelta

    first, last = date.fromisoformat(start), date.fromisoformat(end)
    days = [(first + timedelta(d)).isoformat() for d in range((last - first).days + 1)]
    members = {
        "Queries.csv": _csv([["Top queries", "Clicks", "Impressions", "CTR", "Position"],
                             *([q, c, i, _ctr(c, i), f"{p:.1f}"] for q, c, i, p in queries)]),
        "Pages.csv": _csv([["Top pages", "Clicks", "Impressions", "CTR", "Position"],
                           *([u, c, i, _ctr(c, i), f"{p:.1f}"] for u, c, i, p in pages)]),
        "Countries.csv": _csv([["Country", "Clicks", "Impressions", "CTR", "Position"],
                               ["United States", 120, 3400, "3.53%", "9.1"]]),
        "Devices.csv": _csv([["Device", "Clicks", "Impressions", "CTR", "Position"],
                             ["Desktop", 100, 2900, "3.45%", "8.7"], ["Mobile", 20, 500, "4%", "11.2"]]),
        "Search appearance.csv": _csv([["Search Appearance", "Clicks", "Impressions", "CTR", "Position"]]),
        "Dates.csv": _csv([["Date", "Clicks", "Impressions", "CTR", "Position"],
                           *([d, 3, 80, "3.75%", "9.4"] for d in reversed(days))]),
        "Filters.csv": _csv([["Filter", "Value"], ["Search type", "Web"], ["Date", "Last 3 months"]]),
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text.encode("utf-8-sig"))
    return path


def ga4_csv(path: Path, rows: list[tuple[str, int, int]], start: str = "20260901", end: str = "20261129") -> Path:
    """GA4 Reports → Engagement → Pages and screens → Share → Download CSV; (path, views, active users)."""
    head = ["# ----------------------------------------", "# Pages and screens: Page path and screen class",
            "# Account: Example", "# Property: example.com - GA4", "# ----------------------------------------",
            "#", "# All Users", f"# Start date: {start}", f"# End date: {end}"]
    body = _csv([["Page path and screen class", "Views", "Active users", "Views per active user",
                  "Average engagement time per active user", "Event count", "Key events", "Total revenue"],
                 *([p, v, u, f"{v / max(u, 1):.2f}", "0m 42s", v * 3, 0, 0] for p, v, u in rows)])
    text = "\n".join(head) + "\n" + body
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def api_json(path: Path, rows: list[QueryRow], order: tuple[str, str] = ("query", "page")) -> Path:
    """A ``searchanalytics.query`` response for dimensions ``order``."""
    out = []
    for url, query, clicks, impressions, position in rows:
        keys = {"page": url, "query": query}
        out.append({"keys": [keys[d] for d in order], "clicks": clicks, "impressions": impressions,
                    "ctr": clicks / impressions if impressions else 0, "position": position})
    path.write_text(json.dumps({"rows": out, "responseAggregationType": "byPage"}, indent=2))
    return path


def bulk_csv(path: Path, rows: list[QueryRow], site: str, day: str = "2026-11-20") -> Path:
    """``searchdata_url_impression`` rows (one day, web search, desktop) as BigQuery exports a table to CSV."""
    header: list[object] = [
              "data_date", "site_url", "url", "query", "is_anonymized_query", "is_anonymized_discover", "country",
              "search_type", "device", "is_amp_top_stories", "is_amp_blue_link", "is_job_listing",
              "is_job_details", "is_tpf_qa", "is_tpf_faq", "is_tpf_howto", "is_weblite", "is_action",
              "is_events_listing", "is_events_details", "is_search_appearance_android_app", "is_amp_story",
              "is_amp_image_result", "is_video", "is_organic_shopping", "is_review_snippet", "is_special_announcement",
              "is_recipe_feature", "is_recipe_rich_snippet", "is_subscribed_content", "is_page_experience",
              "is_practice_problems", "is_math_solvers", "is_translated_result", "is_edu_q_and_a", "impressions",
              "clicks", "sum_position"]
    flags = ["false"] * (len(header) - 12)
    body = [[day, site, url, query, "false", "false", "usa", "WEB", "DESKTOP", *flags, impressions, clicks,
             round((position - 1) * impressions)] for url, query, clicks, impressions, position in rows]
    path.write_text(_csv([header, *body]))
    return path
