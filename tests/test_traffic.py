"""`assistant traffic`: real-shaped Search Console / GA4 / API / bulk exports imported into a go-blog workspace,
and what the engines do with them (important pages, rules, suggestions, plan, chat)."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from assistant.traffic.read import ExportError, read_export
from tests.conftest import cli, cli_json
from tests.sites import CORPORA, make_mini_site, rebase, serve
from tests.traffic_exports import api_json, bulk_csv, ga4_csv, gsc_zip

POSTS = 40
TARGET = "blog/context/"                  # its queries become anchors
STRIKING = "blog/cgo/"                     # position 9.4 with 1,500 impressions
TIMEOUTS = "blog/concurrency-timeouts/"    # writes "The timeout channel is buffered …"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The first 40 go-blog posts, served and ingested once: (workspace, base URL)."""
    root = tmp_path_factory.mktemp("traffic")
    make_mini_site(CORPORA / "go-blog", root / "site", POSTS)
    with serve(root / "site") as url:
        rebase(root / "site", url)
        ws = root / "ws"
        result = cli("--workspace", str(ws), "ingest", url + "sitemap.xml")
        assert result.exit_code == 0, result.output
        yield ws, url


@pytest.fixture
def ws(site: tuple[Path, str], tmp_path: Path) -> Path:
    """A fresh copy of the ingested workspace (imports change it)."""
    copy = tmp_path / "ws"
    shutil.copytree(site[0], copy, ignore=shutil.ignore_patterns("lock"))
    return copy


def exports(folder: Path, base: str) -> dict[str, Path]:
    """The four exports of one site: the Search Console zip, GA4 CSV, the API JSON and the bulk-export CSV."""
    b = base + "blog/"
    return {
        "zip": gsc_zip(folder / "Performance-on-Search-2026-11-30.zip", [
            (b + "context/", 1240, 9000, 3.1), (b + "cgo/", 40, 1500, 9.4), (b + "appengine/", 300, 5000, 7.2),
            (b + "appengine-ga/", 260, 4600, 7.9), (b + "gone-away/", 3, 10, 30.0)],
            [("go context", 800, 5000, 3.2), ("cgo", 30, 900, 8.8), ("app engine go", 190, 950, 7.6)]),
        "ga4": ga4_csv(folder / "Pages_and_screens.csv", [
            ("/blog/context/", 3100, 2000), ("/blog/bossie/", 900, 700), ("/blog/cgo/?utm_source=news", 50, 40),
            ("/blog/missing-post/", 5, 5)]),
        "api": api_json(folder / "searchanalytics.json", [
            (b + "context/", "go context", 700, 4000, 3.0), (b + "context/", "timeout channel", 20, 300, 12.1),
            (b + "appengine/", "app engine go", 100, 500, 7.2), (b + "appengine-ga/", "app engine go", 90, 450, 8.1)]),
        "bulk": bulk_csv(folder / "searchdata_url_impression.csv", [
            (b + "context/", "context cancellation", 10, 200, 6.5), (b + "cgo/", "", 4, 60, 9.0)], base),
    }


# ---------------------------------------------------------------------------------------------- reading
def test_readers_give_typed_rows_and_periods(tmp_path: Path) -> None:
    files = exports(tmp_path, "https://example.com/")
    parts = read_export(files["zip"].name, files["zip"].read_bytes())
    assert [(p.layout, p.dataset) for p in parts] == [("gsc-queries", "queries"), ("gsc-pages", "pages")]
    pages = parts[1]
    assert pages.period == ("2026-09-01", "2026-11-29")        # from Dates.csv (Filters.csv says "Last 3 months")
    first = pages.rows[0]
    assert (first.url, first.clicks, first.impressions, first.position) == \
        ("https://example.com/blog/context/", 1240, 9000, 3.1)
    assert any("not used: Countries.csv, Devices.csv, Search appearance.csv" in w for p in parts for w in p.warnings)

    ga4 = read_export("ga4.csv", files["ga4"].read_bytes())[0]
    assert files["ga4"].read_bytes()[:2] == b"\xff\xfe"
    assert (ga4.layout, ga4.period) == ("ga4-pages", ("2026-09-01", "2026-11-29"))
    assert [(r.url, r.views, r.line) for r in ga4.rows][:2] == [("/blog/context/", 3100, 11),
                                                                ("/blog/bossie/", 900, 12)]

    api = read_export("api.json", files["api"].read_bytes())[0]   # keys in [query, page] order
    assert (api.dataset, api.rows[1].url, api.rows[1].query) == \
        ("page-queries", "https://example.com/blog/context/", "timeout channel")
    swapped = api_json(tmp_path / "swapped.json", [("https://example.com/a/", "x y", 1, 10, 2.0)], ("page", "query"))
    assert read_export("s.json", swapped.read_bytes())[0].rows[0].query == "x y"

    bulk = read_export("bulk.csv", files["bulk"].read_bytes())[0]
    assert bulk.layout == "gsc-bulk" and bulk.period == ("2026-11-20", "2026-11-20")
    assert bulk.rows[0].position == pytest.approx(6.5)            # sum_position / impressions + 1
    assert bulk.rows[1].query == ""                                # an anonymised query: the page still counts


def test_other_encodings_delimiters_and_map(tmp_path: Path) -> None:
    text = "Page;Clicks;Impressions;Position\n/blog/a/;1.234;5.000;8,3\n"
    got = read_export("x.csv", ("\ufeff" + text).encode("utf-8"))[0]
    assert got.layout == "csv" and got.rows[0].position == pytest.approx(8.3)
    tsv = "Landing page\tSessions\tViews\n/a/\t12\t30\n".encode("utf-16-le")
    assert read_export("t.tsv", tsv)[0].rows[0].sessions == 12
    plausible = read_export("pages.csv", b"name,visitors,pageviews,bounce_rate,time_on_page\n/a/,3,7,50,20\n")[0]
    assert (plausible.layout, plausible.rows[0].views) == ("plausible-pages", 7)
    matomo = read_export("m.csv", b"label,nb_visits,nb_hits,sum_time_spent\nblog/a,4,9,100\n")[0]
    assert (matomo.layout, matomo.rows[0].url, matomo.rows[0].views) == ("matomo-pages", "blog/a", 9)
    mapped = read_export("m.csv", b"Adresse,Klicks,Suchanfrage\n/a/,5,foo bar\n", "url=Adresse,clicks=Klicks,query=3")
    assert (mapped[0].dataset, mapped[0].rows[0].query, mapped[0].rows[0].clicks) == ("page-queries", "foo bar", 5)


def test_malformed_files_get_clear_errors(tmp_path: Path) -> None:
    def fails(name: str, data: bytes, *words: str, mapping: str | None = None) -> None:
        with pytest.raises(ExportError) as err:
            read_export(name, data, mapping)
        message = str(err.value)
        assert message.startswith(name) and "\n" not in message
        for w in words:
            assert w in message, message

    fails("x.csv", b"Landing,Foo\n/a/,1\n", "no known traffic export layout", "'Landing', 'Foo'", "--map")
    fails("q.csv", b"Top queries,Clicks\ngo,1\n", "Search Console queries", "Impressions")
    fails("g.csv", b"# Start date: 20260101\nPage path,Event count\n/a/,3\n", "GA4", "Views/Sessions")
    fails("api.json", b'{"rows": [{"keys": ["a b"], "clicks": 1}]}', "no page URL")
    fails("api.json", b'{"error": {"code": 403}}', 'no "rows"', "error")
    fails("api.json", b'{"rows": [', "not valid JSON", "line 1")
    fails("e.zip", b"PK\x03\x04broken", "not a readable zip")
    buf = tmp_path / "only.zip"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Countries.csv", "Country,Clicks\nFrance,1\n")
    fails("only.zip", buf.read_bytes(), "no Pages.csv or Queries.csv", "Countries.csv")
    fails("m.csv", b"a,b\n1,2\n", "--map names column(s) the file does not have", "Page", mapping="url=Page,clicks=b")
    fails("m.csv", b"a,b\n1,2\n", "fields are", mapping="link=a")
    fails("empty.csv", b"", "empty")
    table = b"Top pages,Clicks,Impressions,CTR,Position\n/a/,x,10,1%,3\n/b/,1,10,10%,2,9\n/c/,1,2,3%,4\n"
    bad = read_export("b.csv", table)[0]
    assert bad.skipped == 2 and len(bad.rows) == 1
    assert bad.warnings == ["b.csv line 2: Clicks 'x' is not a number; row skipped",
                            "b.csv line 3: 6 columns where the header has 5; row skipped"]


def test_import_matches_pages_and_is_idempotent(ws: Path, site: tuple[Path, str], tmp_path: Path) -> None:
    base = site[1]
    files = exports(tmp_path, base)
    got = cli_json("--workspace", str(ws), "traffic", "import", *map(str, files.values()))
    parts = {p["part"]: p for s in got for p in s["parts"]}
    pages = parts["Performance-on-Search-2026-11-30.zip:Pages.csv"]
    assert (pages["pages"], pages["unknown"], pages["unknown_examples"]) == (4, 1, [base + "blog/gone-away/"])
    ga4 = parts["Pages_and_screens.csv"]
    assert (ga4["pages"], ga4["unknown"]) == (3, 1)              # /blog/cgo/?utm_source=news is /blog/cgo/
    assert all(p["status"] == "new" for p in parts.values())
    again = cli_json("--workspace", str(ws), "traffic", "import", *map(str, files.values()))
    assert {p["status"] for s in again for p in s["parts"]} == {"unchanged"}
    report = cli_json("--workspace", str(ws), "traffic")
    assert report["unknown_urls"] == 2 and report["period"] == "2026-09-01 to 2026-11-29"
    top = report["pages"][0]
    assert (top["url"], top["clicks"], top["views"], top["queries"]) == (base + TARGET, 1240, 3100, 3)
    assert [p["url"] for p in report["striking_distance"]] == [base + "blog/appengine/", base + "blog/appengine-ga/",
                                                               base + STRIKING]
    page = cli_json("--workspace", str(ws), "traffic", "--to", "/" + TARGET)
    assert [q["query"] for q in page["queries"]] == ["go context", "timeout channel", "context cancellation"]
    assert page["queries"][1] == {"query": "timeout channel", "clicks": 20, "impressions": 300, "position": 12.1}
    # a newer export of the same period replaces the old one: no day counted twice
    newer = gsc_zip(tmp_path / "newer.zip", [(base + TARGET, 1300, 9100, 3.0)], [("go context", 820, 5100, 3.1)])
    parts2 = cli_json("--workspace", str(ws), "traffic", "import", str(newer))[0]["parts"]
    assert [p["status"] for p in parts2] == ["replaced", "replaced"]
    assert cli_json("--workspace", str(ws), "traffic", "--to", "/" + TARGET)["clicks"] == 1300


def test_cli_errors_name_the_file(ws: Path, tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text("Keyword,Volume\nfoo,10\n")
    result = cli("--workspace", str(ws), "traffic", "import", str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {bad}: no known traffic export layout")
    assert "Traceback" not in result.output
    result = cli("--workspace", str(ws), "traffic", "import", str(tmp_path / "missing.zip"))
    assert result.exit_code == 2 and "missing.zip: no such file" in result.output
    result = cli("--workspace", str(ws), "traffic")
    assert result.exit_code == 2 and "no traffic imported" in result.output
    assert json.loads(cli("--workspace", str(ws), "pages", "--format", "json").stdout)   # nothing broken


# ---------------------------------------------------------------------------------------------- the engines
def _source_sentences(ws: Path, url: str) -> str:
    from tests.conftest import db_rows

    return " ".join(db_rows(ws, "SELECT main_text FROM pages WHERE url=?", (url,))[0][0].split())


def test_engines_use_traffic(ws: Path, site: tuple[Path, str], tmp_path: Path) -> None:
    base = site[1]
    before = cli_json("--workspace", str(ws), "suggest", "--to", "/" + TARGET)    # fills the suggest cache
    assert not any(" is a query " in r for s in before for r in s["reasons"])
    assert (ws / "cache").is_dir()
    cli_json("--workspace", str(ws), "traffic", "import", *map(str, exports(tmp_path, base).values()))

    # suggest (cached indexes, fresh traffic): a query of the target found in a source sentence is that
    # suggestion's anchor, verbatim
    got = cli_json("--workspace", str(ws), "suggest", "--to", "/" + TARGET)
    by_source = {s["source_url"]: s for s in got}
    timeouts = by_source[base + TIMEOUTS]
    assert timeouts["anchor"].lower() == "timeout channel"
    assert f"'{timeouts['anchor']}' is a query /{TARGET} ranks 12.1 for (300 impressions)" in timeouts["reasons"]
    queried = [s for s in got if any(" is a query " in r for r in s["reasons"])]
    assert queried
    for s in queried:
        assert s["anchor"] in s["sentence"] and s["sentence"] in _source_sentences(ws, s["source_url"])
    visited = by_source.get(base + "blog/appengine/")
    assert visited is None or "source gets 300 clicks (2026-09-01 to 2026-11-29)" in visited["reasons"]

    # important pages: the striking-distance page, with its reason, in the audit and the plan
    audit = cli_json("--workspace", str(ws), "audit")
    findings = audit["findings"] if isinstance(audit, dict) else audit
    under = {f["urls"][0]: f for f in findings if f["rule"] == "important-page-underlinked"}
    assert "near page one in search: position 9.4 with 1,500 impressions" in under[base + STRIKING]["message"]
    nowhere = [f for f in findings if f["rule"] == "traffic-page-links-nowhere"]
    assert [f["urls"] for f in nowhere] == [[base + TARGET]]
    assert "gets 1,240 clicks (2026-09-01 to 2026-11-29; top 10% of the site)" in nowhere[0]["message"]
    cannibal = [f for f in findings if f["rule"] == "query-cannibalisation"]
    assert [(f["evidence"]["query"], f["urls"]) for f in cannibal] == \
        [("app engine go", [base + "blog/appengine/", base + "blog/appengine-ga/"])]

    plan = cli_json("--workspace", str(ws), "plan")
    kinds = {(t["type"], tuple(t["pages"])) for t in plan["tasks"]}
    assert any(base + STRIKING in pages and kind in ("link-important-page", "add-internal-link")
               for kind, pages in kinds)
    assert ("consolidate-query", (base + "blog/appengine/", base + "blog/appengine-ga/")) in kinds
    assert ("link-from-traffic-page", (base + TARGET,)) in kinds
    html = tmp_path / "plan.html"
    assert cli("--workspace", str(ws), "plan", "-o", str(html)).exit_code == 0
    assert '<section id="traffic">' in html.read_text() and "/blog/context/: 1,240 clicks" in html.read_text()


def test_rules_quiet_on_a_clean_copy(ws: Path, site: tuple[Path, str], tmp_path: Path) -> None:
    """The most visited page links to an important page, and each query has one clear page: nothing fires."""
    b = site[1] + "blog/"
    files = [gsc_zip(tmp_path / "clean.zip", [(b + "16years/", 2000, 9000, 2.0), (b + "5years/", 50, 600, 3.0)],
                     [("go sweet 16", 900, 4000, 1.8)]),
             api_json(tmp_path / "clean.json", [(b + "16years/", "go sweet 16", 900, 4000, 1.8),
                                                (b + "appengine/", "app engine go", 100, 500, 7.2),
                                                (b + "appengine-ga/", "app engine go", 4, 90, 15.0)]),
             ga4_csv(tmp_path / "clean-ga4.csv", [("/blog/16years/", 5000, 3000)])]
    cli_json("--workspace", str(ws), "traffic", "import", *map(str, files))
    audit = cli_json("--workspace", str(ws), "audit", "--rule", "traffic-page-links-nowhere",
                     "--rule", "query-cannibalisation")
    assert (audit["findings"] if isinstance(audit, dict) else audit) == []


def test_traffic_source_outranks_an_equally_relevant_one(ws: Path, site: tuple[Path, str]) -> None:
    from assistant.services import Services
    from assistant.settings import load_settings
    from assistant.suggest import Engine, load_site
    from assistant.traffic import PageStats, Traffic

    target = site[1] + TARGET
    services = Services(load_settings(None, workspace=ws))
    try:
        data = load_site(services)
        plain = Engine(data).suggest_to(target, 10)
        gap, upper, lower = min((a.score - b.score, a.source_url, b.source_url) for a, b in pairwise(plain))
        assert gap < 0.05                         # as good as equally relevant
        data.traffic = Traffic(pages={lower: PageStats(clicks=500.0)},
                               periods={"pages": ("2026-09-01", "2026-11-29")})
        ranked = Engine(data).suggest_to(target, 10)
        order = [s.source_url for s in ranked]
        assert order.index(lower) < order.index(upper)
        assert "source gets 500 clicks (2026-09-01 to 2026-11-29)" in ranked[order.index(lower)].reasons
    finally:
        services.close()


def test_query_anchor_and_plan_wording() -> None:
    from collections import Counter

    from assistant.plan.links import LinkIdea, link_impact, link_task
    from assistant.suggest.anchors import Names
    from assistant.suggest.traffic import query_placement
    from assistant.traffic import QueryStats

    text = "A title\nThis post shows how the Composition Root pattern keeps wiring in one place for everyone.\n"
    queries = [QueryStats("composition root", 12, 900, 8.3)]
    placed = query_placement(text, "A title", queries, Counter(), Names())
    assert placed is not None and (placed.anchor, placed.kind) == ("Composition Root", "query")
    assert placed.anchor in placed.sentence
    # a query on nearly every page of the site names the site, not the target
    assert query_placement(text, "A title", queries, Counter(), Names(), lambda key: 0.05) is None
    assert query_placement(text, "A title", queries, Counter(), Names(), lambda key: 0.8) == placed
    # already most of the target's anchors: no exact-match overuse
    assert query_placement(text, "A title", queries, Counter({"composition root": 3, "wiring": 1}), Names()) is None
    assert query_placement("A title\nNo such words here, only prose about other things.\n", "A title", queries,
                           Counter(), Names()) is None

    idea = LinkIdea("https://e.com/a/", "https://e.com/b/", "composition root", "…", 0.5, 0.0001)
    assert link_impact(idea, 0.01, 0, (3100.0, "clicks")) > link_impact(idea, 0.01, 0)
    assert "passes authority from a page with 3,100 clicks" in link_task(idea, 30.0, 0.01, 0, (3100.0, "clicks")).why


# ---------------------------------------------------------------------------------------------- chat and Slack
def test_traffic_questions_are_routed_and_answered(ws: Path, site: tuple[Path, str], tmp_path: Path) -> None:
    from assistant.chain.intent import Intent, PageRef, route
    from assistant.services import Services
    from assistant.settings import load_settings
    from assistant.slack.app import create_app
    from tests.fake_slack import FakeSlack, texts
    from tests.test_slack import SECRET, TOKEN, cited, dispatch, slash

    base = site[1]
    refs = [PageRef(base + TARGET, "Go Concurrency Patterns: Context")]
    for q in ("which pages get traffic but link nowhere?", "what queries does /blog/context/ rank for?",
              "which pages are almost on page one?"):
        assert route(q, refs).intent is Intent.traffic, q
    assert route("what queries does /blog/context/ rank for?", refs).pages == [base + TARGET]
    assert route("how many clicks deep is /blog/context/?", refs).intent is Intent.page

    empty = cli_json("--workspace", str(ws), "ask", "--no-llm", "which pages are almost on page one?")
    assert "No traffic is imported" in empty["answer"]
    cli_json("--workspace", str(ws), "traffic", "import", *map(str, exports(tmp_path, base).values()))

    nowhere = cli_json("--workspace", str(ws), "ask", "--no-llm", "which pages get traffic but link nowhere?")
    assert nowhere["intent"] == "traffic" and [c["url"] for c in nowhere["citations"]] == [base + TARGET]
    assert "1,240 clicks, 2 in-content links, none to an important page" in nowhere["answer"]
    queries = cli_json("--workspace", str(ws), "ask", "--no-llm", "what queries does /blog/context/ rank for?")
    assert "'timeout channel' (position 12.1, 300 impressions, 20 clicks)" in queries["answer"]
    assert [c["url"] for c in queries["citations"]] == [base + TARGET]

    with FakeSlack(TOKEN).running() as fake:
        app = create_app(Services(load_settings(None, workspace=ws, slack={"api_url": fake.api_url})),
                         use_llm=False, token=TOKEN, signing_secret=SECRET)
        dispatch(app, slash(fake, "which pages are almost on page one?", "CTRAFFIC"))
        _, answer = fake.wait("chat.postMessage", 2, channel="CTRAFFIC")
        assert {base + "blog/appengine/", base + "blog/appengine-ga/", base + STRIKING} <= cited(answer)
        assert "position 9.4, 1,500 impressions" in texts(answer)


def test_import_before_ingest_is_kept(tmp_path: Path) -> None:
    from tests.conftest import db_rows

    empty = tmp_path / "empty-ws"
    ga4 = ga4_csv(tmp_path / "ga4.csv", [("/blog/context/", 30, 20)])
    got = cli_json("--workspace", str(empty), "traffic", "import", str(ga4))[0]
    assert got["warnings"][0].startswith("the workspace has no pages yet: the rows are kept")
    assert got["parts"][0]["unknown"] == 1
    assert [tuple(r) for r in db_rows(empty, "SELECT url, views FROM traffic")] == [("/blog/context/", 30.0)]


def test_zip_members_that_cannot_be_read_are_named(tmp_path: Path) -> None:
    path = gsc_zip(tmp_path / "p.zip", [("https://e.com/a/", 1, 10, 3.0)], [("q", 1, 10, 3.0)])
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("Appearance by country.csv", "Land,Wert\nX,1\n")
    parts = read_export("p.zip", path.read_bytes())
    assert [p.layout for p in parts] == ["gsc-queries", "gsc-pages"]
    assert any(w.startswith("p.zip:Appearance by country.csv: no known traffic export layout") and
               w.endswith("; not imported") for w in parts[0].warnings)
    xlsx = tmp_path / "Performance.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ExportError, match=r"^Performance.xlsx: an Excel workbook, not a CSV"):
        read_export(xlsx.name, xlsx.read_bytes())


def test_urls_match_as_links_do() -> None:
    from assistant.trafficdata import matcher

    base = "https://example.com"
    index = {base + "/blog/new/": base + "/blog/new/", base + "/blog/old/": base + "/blog/old/",
             base + "/blog/copy/": base + "/blog/copy/"}

    def lookup(url: str) -> str:              # Targets.resolve: a path joins the site; www. and a slash tolerated
        url = base + url if url.startswith("/") else url.replace("://www.", "://")
        return index.get(url, index.get(url.rstrip("/") + "/", url))

    moved = {base + "/blog/old/": base + "/blog/new/", base + "/blog/copy/": base + "/blog/new/"}  # 301, canonical
    match = matcher(lookup, lambda u: moved.get(u, u), {base + "/blog/new/"})
    assert match("/blog/new/") == match("https://www.example.com/blog/new") == base + "/blog/new/"
    assert match(base + "/blog/old/") == base + "/blog/new/"                 # through the redirect
    assert match(base + "/blog/copy/") == base + "/blog/new/"                # through the canonical
    assert match("/blog/new/?utm_source=mail#top") == base + "/blog/new/"    # tracking query dropped
    assert match("blog/new/") == base + "/blog/new/"                         # Matomo's label without a slash
    assert match("/blog/gone/") is None and match("") is None and match("not a url") is None
