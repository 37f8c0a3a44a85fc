"""Traffic: the imported Search Console / analytics numbers of one page or of the whole site, as records."""

from __future__ import annotations

from typing import Any


def page_report(data: Any, url: str, limit: int) -> dict[str, Any]:
    from dataclasses import asdict

    from assistant.traffic import striking_distance

    stats = data.pages.get(url)
    queries = data.queries.get(url, [])
    return {"url": url, "period": data.period(), **(asdict(stats) if stats else {}),
            "striking_distance": url in striking_distance(data.search()),
            "queries": [asdict(q) for q in (queries[:limit] if limit else queries)], "queries_total": len(queries)}


def site_report(data: Any, db: Any, limit: int) -> dict[str, Any]:
    from dataclasses import asdict

    from assistant.store.traffic import load_rows, page_matcher
    from assistant.traffic import striking_distance

    rows, imports = load_rows(db)
    match = page_matcher(db)
    unknown = sorted({r.url for found in rows.values() for r in found if r.url and match(r.url) is None})
    ranked = sorted(data.pages.items(), key=lambda x: (-(x[1].visits or (0.0, ""))[0],
                                                        -(x[1].impressions or 0.0), x[0]))
    near = striking_distance(data.search())
    return {
        "period": data.period(),
        "imports": [{k: i[k] for k in ("id", "file", "part", "layout", "dataset", "period_start", "period_end",
                                       "rows")} for i in imports],
        "pages": [{"url": u, **asdict(s), "queries": len(data.queries.get(u, [])), "striking_distance": u in near}
                  for u, s in (ranked[:limit] if limit else ranked)],
        "pages_total": len(ranked),
        "striking_distance": [{"url": u, "impressions": imp, "position": round(pos, 1)}
                              for u, (imp, pos) in sorted(near.items(), key=lambda x: (-x[1][0], x[0]))],
        "unknown_urls": len(unknown), "unknown_examples": unknown[:5],
    }
