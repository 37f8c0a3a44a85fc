"""`assistant plan` on the flawed go-blog copy (one injected flaw per audit rule, paid and clean backlinks):
each flaw becomes a task of its type, and the plan never adds links where the rules forbid them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Site, cli, cli_json
from tests.flawed_site import Flaws, ahrefs_export, build
from tests.sites import rebase, serve

AS_OF = "2026-11-25"


@pytest.fixture(scope="module")
def flawed_plan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Flaws, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("plan-flawed")
    site_dir, flaws = build(root / "site")
    with serve(site_dir) as url:
        rebase(site_dir, url)
        ws = root / "ws"
        cli_json("--workspace", str(ws), "ingest", url, "--no-embed")
        export = ahrefs_export(root / "ahrefs.tsv", url)
        assert cli("--workspace", str(ws), "backlinks", "import", str(export)).exit_code == 0
        result = cli("--workspace", str(ws), "plan", "--format", "json", "--top", "0", "--as-of", AS_OF)
        assert result.exit_code == 0, result.output
        yield Site(site_dir, url), flaws, json.loads(result.stdout)


def first_pages(plan: dict[str, Any], kind: str) -> set[str]:
    return {t["pages"][0] for t in plan["tasks"] if t["type"] == kind}


def all_pages(plan: dict[str, Any], kind: str) -> set[str]:
    return {p for t in plan["tasks"] if t["type"] == kind for p in t["pages"]}


def test_each_flaw_becomes_a_task(flawed_plan: tuple[Site, Flaws, dict[str, Any]]) -> None:
    site, flaws, plan = flawed_plan
    u = site.url
    assert u + flaws.broken_target in first_pages(plan, "fix-broken-link")
    assert u + flaws.redirect_source in all_pages(plan, "fix-redirected-link")
    assert u + flaws.nofollow_target in first_pages(plan, "remove-nofollow")
    actions = {t["type"]: t["action"] for t in plan["tasks"]}
    assert actions["fix-broken-link"].startswith("Fix the ") and "(HTTP 404)" in actions["fix-broken-link"]
    assert actions["fix-redirected-link"].startswith("Change the ") and "point straight at" in \
        actions["fix-redirected-link"]
    assert actions["remove-nofollow"].startswith("Remove rel=nofollow from the ")
    assert u + flaws.link_dump in first_pages(plan, "reduce-links")
    assert u + flaws.seller in first_pages(plan, "avoid-link")                      # our page selling links
    assert "https://casino-wins.example/" in first_pages(plan, "avoid-link")         # a bought backlink
    assert u + flaws.same_anchor_target in first_pages(plan, "diversify-anchors")
    assert u + flaws.exact_match_target in first_pages(plan, "diversify-anchors")
    assert any(t["type"] == "disambiguate-anchor" and flaws.cannibal_anchor in t["action"] for t in plan["tasks"])
    assert (u + flaws.casino_linker, u + flaws.casino) in {tuple(t["pages"]) for t in plan["tasks"]
                                                           if t["type"] == "fix-irrelevant-link"}
    orphan = [t for t in plan["tasks"] if t["type"] == "link-orphan"]
    assert any(t["pages"][-1] == u + flaws.orphan for t in orphan)
    old = [t for t in plan["tasks"] if t["type"] == "refresh-old-content"]
    assert any(u + flaws.old_post in t["pages"] for t in old)


def test_high_severity_fixes_come_before_low_ones(flawed_plan: tuple[Site, Flaws, dict[str, Any]]) -> None:
    _, _, plan = flawed_plan
    rank = {t["type"]: t["priority"] for t in reversed(plan["tasks"])}       # first priority of each type
    assert rank["fix-broken-link"] < rank["disambiguate-anchor"]
    assert rank["remove-nofollow"] < rank["reduce-links"]


def test_no_links_from_crowded_or_selling_pages(flawed_plan: tuple[Site, Flaws, dict[str, Any]]) -> None:
    site, flaws, plan = flawed_plan
    sources = {t["evidence"]["source"] for t in plan["tasks"] if "sentence" in t["evidence"]}
    assert sources
    assert site.url + flaws.link_dump not in sources                  # 400 links: over too-many-links already
    anchors_to: dict[str, set[str]] = {}
    for t in plan["tasks"]:
        if "sentence" in t["evidence"]:
            anchors_to.setdefault(t["evidence"]["anchor"].lower(), set()).add(t["evidence"]["target"])
    assert all(len(targets) == 1 for a, targets in anchors_to.items() if len(a.split()) >= 2)
    assert flaws.cannibal_anchor not in anchors_to
