"""Tools over the deterministic engines: the audit, suggestions, the plan, outreach, and (when allowed) ingest."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from assistant.tools.base import ToolError, tool
from assistant.tools.site import Limit

if TYPE_CHECKING:
    from assistant.tools.box import Toolbox

Day = Annotated[str | None, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description=(
    "judge dates as of this day, YYYY-MM-DD (default: today)"))]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ToolError(f"as_of {text!r} is not a date like 2026-11-25") from None


@tool(engine="audit rules (assistant/rules; each finding names its rule)")
def audit(box: Toolbox, rules: Annotated[list[str], Field(description=(
        "only these rule ids, e.g. ['orphan-page', 'broken-internal-link']; all rules when empty"))] = [],  # noqa: B006
        as_of: Day = None) -> list[dict[str, Any]]:
    """Check the site's links against the link rules and return the findings.

    Each finding is {rule, severity, urls, message, evidence, fix}, exactly as `assistant audit --format json`:
    paid or irrelevant links, exact-match anchor overuse, underlinked important pages, orphans, the same anchor
    everywhere, anchor cannibalisation, forgotten old content, too many links, broken/redirected/nofollow links.
    """
    from assistant.rules import run_rules
    from assistant.rules.load import load_audit

    return [f.as_dict() for f in run_rules(load_audit(box.services, _day(as_of)), rules)]


@tool(engine="suggest (deterministic: BM25, best passage, unlinked mentions, Adamic-Adar, PageRank gain)")
def suggest(box: Toolbox,
            target: Annotated[str | None, Field(description="which pages should link TO this page")] = None,
            source: Annotated[str | None, Field(description="which links this page should ADD (links FROM it)")]
            = None,
            all_important: Annotated[bool, Field(description="suggest links to every important page")] = False,
            limit: Annotated[int, Field(ge=1, le=100, description="suggestions (per target with all_important)")]
            = 10) -> list[dict[str, Any]]:
    """Suggest new internal links: give exactly one of `target`, `source` or `all_important`.

    Each suggestion is {source_url, target_url, anchor, sentence, score, reasons, pagerank_gain, mentioned},
    exactly as `assistant suggest --to/--from/--all --format json`: the anchor is verbatim in the sentence and the
    sentence verbatim in the source page's text; pagerank_gain is the target's exact PageRank gain.
    """
    from assistant.suggest import important_pages, suggest_all

    if sum((target is not None, source is not None, all_important)) != 1:
        raise ToolError("suggest: give exactly one of `target`, `source` or `all_important`")
    engine = box.engine()
    if all_important:
        share = box.services.settings.audit.important_top_share
        return [s.as_dict() for s in suggest_all(engine, important_pages(engine.data, share), limit)]
    url = box.url(target if target is not None else str(source))
    if url not in engine.data.pages:
        raise ToolError(f"{url} is not an indexable page with text (redirect, error, noindex or canonicalised)")
    found = engine.suggest_to(url, limit) if target is not None else engine.suggest_from(url, limit)
    return [s.as_dict() for s in found]


@tool(engine="plan (audit findings + suggestions -> prioritised tasks)")
def plan(box: Toolbox, top: Annotated[int, Field(ge=1, le=500, description="the N most valuable tasks")] = 20,
         targets: Annotated[list[str], Field(description=(
             "route new links to these pages only (URLs or paths); the important pages when empty"))] = [],  # noqa: B006
         ) -> dict[str, Any]:
    """The prioritised action plan: concrete tasks (add this link in this sentence, fix these broken links...).

    Returns {site, generated_at, summary, tasks: [{id, priority, type, pages, action, why, impact, effort,
    evidence}]} as `assistant plan --format json` (the deterministic summary; the plan is not recorded in the
    workspace, so `assistant plan`'s "done since last plan" tracking is not touched).
    """
    from assistant.app.plan import make_plan

    return make_plan(box.services, [box.url(t) for t in targets], top, None, False).as_dict()


@tool(engine="outreach (link intersect, relevance to our pages, paid-link and farm signals)", fetches=True)
def outreach_prospects(box: Toolbox, to: Annotated[str | None, Field(
        description="our page to promote (default: the best page per prospect)")] = None,
        min_competitors: Annotated[int, Field(ge=1, description=(
            "link intersect: domains linking to at least this many competitors"))] = 2,
        limit: Limit = 50) -> list[dict[str, Any]]:
    """Rank the prospect sites given when the server started (prospect lists, competitors' backlink exports).

    Rows as `assistant outreach --no-llm --format json`: prospect_url, domain, title, relevance, authority, risk,
    status (target or excluded), reason, our_page, angle, and a template email. Fetches each prospect page
    through the crawler (robots.txt, limits); link sellers, farms and off-topic sites are excluded with the reason.
    """
    from assistant.app.outreach import run_outreach
    from assistant.outreach import Options

    opts = box.options
    report = run_outreach(box.services, Options(list(opts.prospects), list(opts.competitors), to, min_competitors,
                                                drafts=0, use_llm=False))
    return [r.as_dict() for r in report.rows[:limit]]


@tool(engine="ingest (the crawler: robots.txt, limits, incremental)", read_only=False, fetches=True)
def ingest(box: Toolbox, url: Annotated[str | None, Field(description=(
        "a page or sitemap of the workspace's own site to crawl from; the last crawl's source when omitted"))]
        = None) -> dict[str, Any]:
    """Re-crawl the workspace's own site (incremental: unchanged pages are not re-read); only when allowed.

    Returns the ingest summary as `assistant ingest --format json`. A URL must be on the site's own host and on
    a public address; anything else is refused.
    """
    from assistant.app.ingest import run_ingest
    from assistant.store.lock import WorkspaceLock
    from assistant.urlguard import URLGuard

    last = box.provenance()["crawl_source"]
    if url is None:
        if last is None:
            raise ToolError("ingest: the workspace was never crawled, so it has no site of its own to re-crawl")
        source = str(last)
    else:
        known = list(box.overview()) if (box.workspace / "assistant.db").is_file() else []
        if not URLGuard(known).allows(url):
            raise ToolError(f"ingest: {url} is not a public page of this workspace's site; only the site itself "
                            "is crawled")
        source = url
    with WorkspaceLock(box.workspace, "ingest (MCP)"):
        summary = run_ingest(box.services, source)
    return summary.as_dict()
