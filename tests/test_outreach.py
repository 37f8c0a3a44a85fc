"""`assistant outreach`: prospect inputs, link intersect, exclusions with reasons, ordering, one row per domain,
the guard against bought/traded links and invented claims, template and real-LLM drafts, CSV for outreach tools.

Prospects are served on their own loopback addresses (tests/prospects.py) and judged against the embedded
go-blog workspace (a copy of the session's ``go_ws``, with one backlink imported so that a domain already
links to us).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.models import Backlink
from assistant.outreach.domains import registrable_domain, spam_domain_reason
from assistant.outreach.draft import Pitch, template
from assistant.outreach.guard import Grounding, check
from assistant.outreach.inputs import CompetitorExport, InputError, Prospect, link_intersect, parse_prospects
from assistant.outreach.pages import ProspectPage
from assistant.outreach.rank import OurPage, Site, assess, choose_our_page
from tests.conftest import cli, cli_json, db_rows
from tests.prospects import Prospects, serve_prospects

OUR_TEXT = ("Go 1.22 makes the loop variable per-iteration. Goroutines and channels let a pipeline of stages "
            "run concurrently; the post measures 3 stages and shows how cancellation works.")
G = Grounding(prospect_title="Fearless Concurrency with Rust", prospect_url="http://rust.example/fearless/",
              prospect_text="Rust's ownership model prevents data races at compile time.",
              our_title="Go Concurrency Patterns: Pipelines", our_url="http://go.example/blog/pipelines/",
              our_text=OUR_TEXT)
GOOD_BODY = ("Hello,\n\nI enjoyed “Fearless Concurrency with Rust”. Our post “Go Concurrency Patterns: Pipelines” "
             "explains how goroutines and channels let a pipeline of stages run concurrently, and how cancellation "
             "works: http://go.example/blog/pipelines/\n\nIf it helps your readers, feel free to mention it.\n\n"
             "Best regards")


# ---------------------------------------------------------------------------------------------- the guard
def test_guard_passes_an_honest_draft() -> None:
    assert check("A further read for “Fearless Concurrency with Rust”", GOOD_BODY, G) == []


@pytest.mark.parametrize(("extra", "problem"), [
    ("We would happily pay $150 for a dofollow link.", "offers payment"),
    ("We can offer a small fee for your time.", "offers payment"),
    ("As a thank-you we'll send you a $50 Amazon gift card.", "offers payment"),
    ("You get a free copy of our book and a free trial of our product.", "offers payment"),
    ("Happy to do a link swap: I'll link back to your article from ours.", "offers payment"),
    ("In return, we will feature your blog in our newsletter.", "offers payment"),
    ("We could exchange links between our sites.", "offers payment"),
    ("Please use the anchor text “go concurrency patterns” for the link.", "anchor"),
    ("Could you link the phrase “best go tutorial” to our page?", "anchor"),
    ("An exact-match link would help us most.", "anchor"),
    ("Make sure it is a do-follow link.", "anchor"),
    ("Hyperlink it with the text 'Go pipelines'.", "anchor"),
    ("Our pipelines make programs 3x faster, 87% of readers agree.", "numbers"),
    ("Our award-winning guide is trusted by thousands of engineers.", "claims"),
    ("Using it can significantly improve the performance of your programs.", "claims"),
    ("Also see http://cheap-links.example/offer for more.", "neither our page"),
    ("Best regards,\n[Your Name]", "placeholder"),
    ("Rust's ownership model prevents data races at compile time, they say.", "copies the prospect page"),
    ("Our casino partners love it.", "gambling"),
])
def test_guard_rejects_adversarial_drafts(extra: str, problem: str) -> None:
    body = GOOD_BODY.replace("Best regards", f"{extra}\n\nBest regards")
    problems = check("A further read for “Fearless Concurrency with Rust”", body, G)
    assert any(problem in p for p in problems), problems


def test_guard_needs_the_real_title_our_url_and_a_body() -> None:
    body = GOOD_BODY.replace("“Fearless Concurrency with Rust”", "your article on Rust")
    assert any("title" in p for p in check("Hello", body, G))
    assert any("our page's URL" in p for p in check("Hello", GOOD_BODY.replace(G.our_url, "our site"), G))
    assert any("empty or too short" in p for p in check("Hi", "Thanks!", G))


def test_guard_reads_only_the_drafts_own_words() -> None:
    # the prospect's title may say "pay" or "$100", our page's numbers may be quoted, and domains are not numbers
    g = Grounding("Pay as you go: the $100 laptop", "http://127.0.0.2:8000/laptop/", "", G.our_title, G.our_url,
                  OUR_TEXT)
    body = GOOD_BODY.replace("Fearless Concurrency with Rust", "Pay as you go: the $100 laptop").replace(
        "Hello,", "Hello from 127.0.0.2,").replace("explains how", "shows (with Go 1.22 and 3 stages) how")
    assert check("About “Pay as you go: the $100 laptop”", body, g) == []


def test_template_passes_the_guard_even_with_awkward_titles() -> None:
    for title in ("Pay as you go", "Free spins? No: 3 lessons from 2019", "x" * 150, "Rust & Go — a “comparison”"):
        g = Grounding(title, "http://127.0.0.7:9/x/", "2019 was a year.", G.our_title, G.our_url, OUR_TEXT)
        draft = template(Pitch(g, "127.0.0.7", "", "Go 1.22 makes the loop variable per-iteration.",
                               ("goroutines", "channels")))
        assert check(draft.subject, draft.body, g) == [], title


# ---------------------------------------------------------------------------------------------- inputs, domains
def test_prospect_lists_report_bad_lines_with_file_and_line() -> None:
    text = "# list\nhttps://a.example/x  note\n\nnot a url\nb.example/page\n"
    found = parse_prospects(text, "list.txt")
    assert [p.url for p in found.prospects] == ["https://a.example/x", "http://b.example/page"]
    assert [p.origin for p in found.prospects] == ["list.txt:2", "list.txt:5"]
    assert found.warnings == ["list.txt:4: 'not a url' is not an http(s) URL or domain; line skipped"]
    table = parse_prospects("Website;DR;Traffic\nhttps://c.example/;55;1,200\n;;\nnope;x;1\n", "p.csv")
    assert [(p.url, p.metrics) for p in table.prospects] == [
        ("https://c.example/", {"domain_rating": 55.0, "page_traffic": 1200.0})]
    assert [w.split(":")[1] for w in table.warnings] == ["4"]          # a row of empty cells is a blank line
    with pytest.raises(InputError, match=r"bad\.txt:1: 'nothing here'"):
        parse_prospects("nothing here\n", "bad.txt")
    with pytest.raises(InputError, match=r"n\.csv:1: no URL column"):
        parse_prospects("Name,Notes\nAnn,x\n", "n.csv")


def test_link_intersect_needs_min_competitors_and_skips_lost_links() -> None:
    def export(name: str, rows: list[tuple[str, str, bool]]) -> CompetitorExport:
        links = [Backlink(s, t, lost=lost, metrics={"domain_rating": 50.0}) for s, t, lost in rows]
        return CompetitorExport(name, links, [])

    a = export("a.csv", [("https://blog.x.example/p1", "https://comp-a.example/", False),
                         ("https://y.example/p", "https://comp-a.example/", False),
                         ("https://z.example/p", "https://comp-a.example/", False)])
    b = export("b.csv", [("https://www.x.example/p2", "https://comp-b.example/", False),
                         ("https://y.example/q", "https://comp-b.example/", True),
                         ("https://z.example/q", "https://comp-b.example/", False)])
    found = link_intersect([a, b], ours={"z.example"}, min_competitors=2)
    assert [(registrable_domain(p.url), p.competitors) for p in found] == [
        ("x.example", ("comp-a.example", "comp-b.example")), ("z.example", ("comp-a.example", "comp-b.example"))]
    assert "and to us" in found[1].origin
    assert link_intersect([a, b], ours=set(), min_competitors=3) == []


def test_spammy_domains() -> None:
    assert registrable_domain("https://blog.example.co.uk/x") == "example.co.uk"
    assert registrable_domain("http://127.0.0.2:8000/x") == "127.0.0.2"
    for domain in ("best-cheap-seo-backlinks.com", "casino-bonus.net", "my-site.xyz", "a-b-c-d.org"):
        assert spam_domain_reason(domain), domain
    for domain in ("rust-lang.org", "go.dev", "example.co.uk", "dev-blog.com", "127.0.0.2"):
        assert spam_domain_reason(domain) is None, domain


def test_our_page_prefers_a_strong_page_among_equals_never_a_clearly_less_relevant_one() -> None:
    vec = np.array([1.0, 0.0], dtype=np.float32)
    rows = np.array([[0.80, 0.6], [0.78, 0.62], [0.2, 0.98]], dtype=np.float32)
    pages = {u: OurPage(u, u, "", "") for u in ("weak", "strong", "other")}
    site = Site("go.example", pages, ["weak", "strong", "other"], rows / np.linalg.norm(rows, axis=1)[:, None],
                {"weak": 0.05, "strong": 0.9, "other": 1.0}, set(), set(), 0.15)
    assert choose_our_page(vec, site, None)[0] == "strong"
    site.strength = {"weak": 0.0, "strong": 0.0, "other": 1.0}
    assert choose_our_page(vec, site, None)[0] == "weak"
    assert choose_our_page(vec, site, "other")[0] == "other"


def test_assess_spam_score_nofollow_and_fetch_errors() -> None:
    vec = np.array([1.0, 0.0], dtype=np.float32)
    site = Site("go.example", {"a": OurPage("a", "A", "", "")}, ["a"], np.array([[1.0, 0.0]], dtype=np.float32),
                {"a": 1.0}, {"linked.example"}, set(), 0.4)
    page = ProspectPage("http://p.example/x", "http://p.example/x", "P", text="about go")
    row = assess(Prospect(page.url, "l:1"), page, vec, site, None)
    assert (row.status, row.our_page, row.relevance) == ("target", "a", 1.0)
    row = assess(Prospect(page.url, "l:1", {"spam_score": 70.0}), page, vec, site, None)
    assert row.status == "excluded" and row.risk == ["spam-domain"] and "spam score 70" in row.reason
    nofollow = ProspectPage(page.url, page.url, "P", text="about go", nofollow=True)
    assert "nofollow" in assess(Prospect(page.url, "l:1"), nofollow, vec, site, None).reason
    failed = ProspectPage(page.url, page.url, error="timeout: no answer within 20 s")
    assert "timeout" in assess(Prospect(page.url, "l:1"), failed, None, site, None).reason
    linked = assess(Prospect("https://www.linked.example/p", "l:2"), page, vec, site, None)
    assert linked.status == "excluded" and "already links to us" in linked.reason
    off = assess(Prospect(page.url, "l:1"), page, np.array([0.3, 0.954], dtype=np.float32), site, None)
    assert off.risk == ["irrelevant-link"] and "off-topic" in off.reason


# ---------------------------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def world(go_ws: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[Path, Prospects]]:
    """A copy of the go-blog workspace (one backlink imported) and the prospect sites."""
    root = tmp_path_factory.mktemp("outreach")
    ws = root / "ws"
    shutil.copytree(go_ws[0], ws, ignore=shutil.ignore_patterns("lock"))
    our_page = db_rows(ws, "SELECT url FROM pages WHERE url LIKE '%/blog/pipelines/'")[0]["url"]
    with serve_prospects(root, our_page) as prospects:
        result = cli("--workspace", str(ws), "backlinks", "import", str(prospects.files["ours.csv"]))
        assert result.exit_code == 0, result.output
        yield ws, prospects


def outreach(world: tuple[Path, Prospects], *args: str) -> list[dict[str, Any]]:
    ws, p = world
    f = p.files
    rows: list[dict[str, Any]] = cli_json("--workspace", str(ws), "outreach", "--prospects", str(f["prospects.txt"]),
                                          "--prospects", str(f["prospects.csv"]), "--competitors", str(f["ahrefs.csv"]),
                                          "--competitors", str(f["moz.tsv"]), *args)
    return rows


@pytest.fixture(scope="module")
def rows(world: tuple[Path, Prospects]) -> list[dict[str, Any]]:
    return outreach(world, "--no-llm")


def by_domain(rows: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return next(r for r in rows if r["domain"] == registrable_domain(url))


def test_one_row_per_domain_best_page_kept(rows: list[dict[str, Any]], world: tuple[Path, Prospects]) -> None:
    urls = world[1].urls
    domains = [r["domain"] for r in rows]
    assert len(domains) == len(set(domains))
    # every listed domain, the two intersect domains, not the one linking to a single competitor
    assert set(domains) == {registrable_domain(u) for role, u in urls.items() if role != "solo"}
    rust = by_domain(rows, urls["stability"])
    assert rust["prospect_url"] in (urls["stability"], urls["errors"])
    assert "best of 2 pages" in rust["reason"]
    assert rust["status"] == "target"


def test_sellers_farms_and_spam_are_excluded_with_reasons(rows: list[dict[str, Any]],
                                                          world: tuple[Path, Prospects]) -> None:
    urls = world[1].urls
    for role in ("seller", "farm", "casino"):
        row = by_domain(rows, urls[role])
        assert row["status"] == "excluded", row
        assert "paid-link" in row["risk"], row
    assert "write for us" in by_domain(rows, urls["seller"])["reason"].lower()
    assert "link farm" in by_domain(rows, urls["farm"])["reason"]
    assert "too-many-links" in by_domain(rows, urls["farm"])["risk"]
    recipe = by_domain(rows, urls["recipe"])
    assert recipe["status"] == "excluded" and "irrelevant-link" in recipe["risk"] and "off-topic" in recipe["reason"]
    spam = by_domain(rows, urls["spam"])
    assert spam["status"] == "excluded" and spam["risk"] == ["spam-domain"] and ".xyz" in spam["reason"]
    assert "already links to us" in by_domain(rows, urls["linking"])["reason"]
    assert "robots" in by_domain(rows, urls["robots"])["reason"]
    assert "http-404" in by_domain(rows, urls["missing"])["reason"]
    assert all(r["reason"] for r in rows)
    assert all(r["status"] in ("target", "excluded") for r in rows)


def test_relevant_prospects_rank_above_off_topic_ones(rows: list[dict[str, Any]],
                                                       world: tuple[Path, Prospects]) -> None:
    urls = world[1].urls
    targets = [r for r in rows if r["status"] == "target"]
    assert {r["domain"] for r in targets} == {registrable_domain(urls[k]) for k in ("stability", "generics", "mirror")}
    assert rows[:len(targets)] == targets                                  # targets first
    assert targets[0]["domain"] == registrable_domain(urls["mirror"])      # the same text as one of our pages
    assert targets[0]["our_page"].endswith("/blog/pipelines/")
    off = [by_domain(rows, urls[k])["relevance"] for k in ("recipe", "casino")]
    assert min(r["relevance"] for r in targets) > max(off)
    generics = by_domain(rows, urls["generics"])
    assert generics["authority"] is not None and generics["authority"] > 40       # DR 71, UR 35, DA 66, PA 40
    assert "links to 2 competitors" in generics["reason"]


def test_template_drafts_mention_the_real_title_and_pass_the_guard(rows: list[dict[str, Any]],
                                                                    world: tuple[Path, Prospects]) -> None:
    ws = world[0]
    for r in rows:
        if r["status"] != "target":
            assert r["email_body"] == "" and r["draft"] == ""
            continue
        assert r["draft"] == "template"
        assert r["title"] in r["email_subject"] and r["title"] in r["email_body"]
        assert r["angle"].startswith(f"“{r['title']}”")
        ours = db_rows(ws, "SELECT title, description, main_text FROM pages WHERE url=?", (r["our_page"],))[0]
        g = Grounding(r["title"], r["prospect_url"], "", ours["title"], r["our_page"],
                      f"{ours['description']}\n{ours['main_text']}")
        assert check(r["email_subject"], r["email_body"], g) == []


def test_csv_for_outreach_tools_and_to(world: tuple[Path, Prospects], tmp_path: Path) -> None:
    ws, p = world
    out = tmp_path / "out.csv"
    result = cli("--workspace", str(ws), "outreach", "--prospects", str(p.files["prospects.csv"]), "--no-llm",
                 "--to", "/blog/context/", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "written to" in result.stdout
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(table[0]) == ["URL", "Domain", "Title", "Email Subject", "Email Body", "Status", "Reason",
                              "Relevance", "Authority", "Our Page", "Risk", "Angle"]
    assert len(table) == 4
    mirror = next(t for t in table if t["URL"] == p.urls["mirror"])
    assert mirror["Status"] == "target" and mirror["Our Page"].endswith("/blog/context/")
    assert mirror["Email Subject"] and mirror["Title"] in mirror["Email Body"]


def test_bad_inputs_are_one_line_errors(world: tuple[Path, Prospects]) -> None:
    ws, p = world
    for name, message in (("bad.txt", "bad.txt:1: 'prospects'"), ("nourl.csv", "nourl.csv:1: no URL column")):
        result = cli("--workspace", str(ws), "outreach", "--prospects", str(p.files[name]), "--no-llm")
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    result = cli("--workspace", str(ws), "outreach", "--prospects", str(p.files["bad.txt"].with_name("none.txt")))
    assert result.exit_code == 2 and "no such file" in result.output
    result = cli("--workspace", str(ws), "outreach", "--competitors", str(p.files["prospects.txt"]))
    assert result.exit_code == 2 and "prospects.txt" in result.output and "no known backlink export" in result.output
    result = cli("--workspace", str(ws), "outreach")
    assert result.exit_code == 2 and "--prospects" in result.output


def test_real_llm_drafts_pass_the_guard(world: tuple[Path, Prospects]) -> None:
    """A draft by the packaged local model (one: each model call takes 10-40 s on 2 cores, and a rejected draft
    is redrafted once) is the model's (guard passed) or the template after rejections; it offers nothing, asks
    for no anchor and names the prospect's real title; the targets past --drafts get the template."""
    ws, p = world
    rows = cli_json("--workspace", str(ws), "outreach", "--prospects", str(p.files["prospects.csv"]),
                    "--prospects", str(p.files["prospects.txt"]), "--drafts", "1")
    targets = [r for r in rows if r["status"] == "target"]
    assert len(targets) >= 2 and [r["draft"] for r in targets[1:]] == ["template"] * (len(targets) - 1)
    for r in targets[:1]:
        assert r["draft"] in ("llm", "template")
        if r["draft"] == "template":
            assert "rejected" in r["reason"]
        assert r["title"].lower() in (r["email_subject"] + r["email_body"]).lower()
        ours = db_rows(ws, "SELECT title, description, main_text FROM pages WHERE url=?", (r["our_page"],))[0]
        g = Grounding(r["title"], r["prospect_url"], "", ours["title"], r["our_page"],
                      f"{ours['description']}\n{ours['main_text']}")
        problems = check(r["email_subject"], r["email_body"], g)
        assert not [x for x in problems if x.startswith(("offers", "asks for"))], (problems, r["email_body"])


def test_plan_with_prospects_adds_outreach_tasks(world: tuple[Path, Prospects], rows: list[dict[str, Any]]) -> None:
    """`assistant plan --prospects … --competitors …`: each outreach target becomes an outreach task; link
    sellers and farms never do."""
    ws, p = world
    f = p.files
    plan = cli_json("--workspace", str(ws), "plan", "--top", "0", "--prospects", str(f["prospects.txt"]),
                    "--prospects", str(f["prospects.csv"]), "--competitors", str(f["ahrefs.csv"]),
                    "--competitors", str(f["moz.tsv"]))
    tasks = [t for t in plan["tasks"] if t["type"] == "outreach"]
    targets = {r["prospect_url"] for r in rows if r["status"] == "target"}
    assert targets and {t["pages"][1] for t in tasks} == targets
    for t in tasks:
        assert t["pages"][0] in {r["our_page"] for r in rows} and "Never pay" in t["action"]
    bad = {p.urls["seller"], p.urls["farm"], p.urls["casino"]}
    assert not bad & {page for t in plan["tasks"] for page in t["pages"]}
    assert [t["priority"] for t in plan["tasks"]] == list(range(1, len(plan["tasks"]) + 1))


def test_a_draft_that_repeats_itself_or_runs_long_is_no_email() -> None:
    from assistant.outreach.draft import shape_problems

    same = "Testing Time is a discussion of testing asynchronous code and the synctest package."
    assert shape_problems("A read for you", same, same) == ["says the same thing in the opening and the pitch"]
    assert shape_problems("", "I liked your post on async code.", " ".join(["word"] * 50)) == [
        "has no subject", "writes a pitch of 50 words (at most 45)"]
    assert shape_problems("A read", "I liked your post on async Rust.", "Our page explains Go's synctest.") == []
