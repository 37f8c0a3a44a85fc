"""`assistant audit`: every injected flaw is found under its rule id; clean pages and backlinks are not paid-link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Site, cli, cli_json
from tests.flawed_site import CLEAN, PAID, Flaws, ahrefs_export, build, semrush_farm_export
from tests.sites import rebase, serve

AS_OF = "2026-11-25"


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Flaws]]:
    site_dir, flaws = build(tmp_path_factory.mktemp("flawed") / "site")
    with serve(site_dir) as url:
        rebase(site_dir, url)
        yield Site(site_dir, url), flaws


def _workspace(flawed: tuple[Site, Flaws], ws: Path, *extra: str) -> list[dict[str, Any]]:
    site, _ = flawed
    cli_json("--workspace", str(ws), "ingest", site.url, *extra)
    exports = ws.parent / "exports"
    exports.mkdir(exist_ok=True)
    for export in (ahrefs_export(exports / "ahrefs.tsv", site.url), semrush_farm_export(exports / "semrush.csv",
                                                                                           site.url)):
        assert cli("--workspace", str(ws), "backlinks", "import", str(export)).exit_code == 0
    result = cli("--workspace", str(ws), "audit", "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


@pytest.fixture(scope="module", params=["tf-idf", "embeddings"])
def findings(request: pytest.FixtureRequest, flawed: tuple[Site, Flaws],
             tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    ws = tmp_path_factory.mktemp(f"audit-{request.param}") / "ws"
    return _workspace(flawed, ws, *(["--no-embed"] if request.param == "tf-idf" else []))


def urls_of(findings: list[dict[str, Any]], rule: str) -> set[str]:
    return {u for f in findings if f["rule"] == rule for u in f["urls"]}


def first_urls(findings: list[dict[str, Any]], rule: str) -> set[str]:
    return {f["urls"][0] for f in findings if f["rule"] == rule}


def test_every_finding_is_well_formed(findings: list[dict[str, Any]]) -> None:
    assert findings
    for f in findings:
        assert set(f) == {"rule", "severity", "urls", "message", "evidence", "fix"}
        assert f["severity"] in ("high", "medium", "low") and f["urls"] and f["message"].endswith(".")
        assert f["fix"] and isinstance(f["evidence"], dict)
    order = {"high": 0, "medium": 1, "low": 2}
    assert [order[f["severity"]] for f in findings] == sorted(order[f["severity"]] for f in findings)


def test_each_injected_flaw_is_found(findings: list[dict[str, Any]], flawed: tuple[Site, Flaws]) -> None:
    site, flaws = flawed
    u = site.url
    assert u + flaws.orphan in first_urls(findings, "orphan-page")
    assert u + flaws.seller in first_urls(findings, "paid-link")
    assert u + flaws.link_dump in first_urls(findings, "too-many-links")
    assert u + flaws.broken_target in first_urls(findings, "broken-internal-link")
    redirected = [f for f in findings if f["rule"] == "redirected-internal-link"]
    assert any(u + flaws.redirect_source in f["urls"] and f["evidence"]["final_url"] == u + "blog/maps/"
               for f in redirected)
    assert u + flaws.nofollow_target in first_urls(findings, "internal-nofollow")
    assert u + flaws.same_anchor_target in first_urls(findings, "same-anchor-everywhere")
    cannibal = [f for f in findings if f["rule"] == "anchor-cannibalisation"]
    assert any(f["evidence"]["anchor"] == flaws.cannibal_anchor for f in cannibal)
    assert u + flaws.old_post in first_urls(findings, "forgotten-old-content")
    irrelevant = [f for f in findings if f["rule"] == "irrelevant-link"]
    assert any(f["urls"] == [u + flaws.casino_linker, u + flaws.casino] for f in irrelevant)
    assert u + flaws.backlinked_underlinked in first_urls(findings, "important-page-underlinked")
    assert u + flaws.exact_match_target in first_urls(findings, "exact-match-anchor-overuse")


def test_paid_backlinks_flagged_and_clean_ones_not(findings: list[dict[str, Any]]) -> None:
    paid = urls_of(findings, "paid-link")
    for _, source, _, _ in PAID:
        assert source in paid, source
    assert "https://sponsor.example/resources" in paid                  # rel=sponsored
    assert "https://directory-farm.example/page7" in paid                # link farm (650 external links)
    for _, source, _, _ in CLEAN:
        assert source not in paid, source
    domains = {f["evidence"].get("domain") for f in findings if f["rule"] == "paid-link"}
    assert "casino-wins.example" in domains and "seo-links.example" in domains


def test_only_injected_pages_are_paid_link(findings: list[dict[str, Any]], flawed: tuple[Site, Flaws]) -> None:
    site, flaws = flawed
    ours = {f["urls"][0] for f in findings if f["rule"] == "paid-link" and f["urls"][0].startswith(site.url)}
    assert ours == {site.url + flaws.seller}


def test_clean_corpus_is_quiet_where_it_should_be(go_ws: tuple[Path, dict[str, Any]]) -> None:
    ws = go_ws[0]
    result = cli("--workspace", str(ws), "audit", "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0
    rules = {f["rule"] for f in json.loads(result.stdout)}
    quiet = {"paid-link", "irrelevant-link", "broken-internal-link", "redirected-internal-link", "internal-nofollow",
             "orphan-page", "exact-match-anchor-overuse"}
    assert not rules & quiet, rules & quiet


def test_formats_rule_filter_and_fail_on(flawed: tuple[Site, Flaws], tmp_path: Path) -> None:
    site, _ = flawed
    ws = tmp_path / "ws"
    cli_json("--workspace", str(ws), "ingest", site.url, "--no-embed")
    only = cli("--workspace", str(ws), "audit", "--rule", "broken-internal-link", "--format", "json")
    assert {f["rule"] for f in json.loads(only.stdout)} == {"broken-internal-link"}
    md = cli("--workspace", str(ws), "audit", "--format", "md", "--rule", "orphan-page")
    assert md.stdout.startswith("# Link audit") and "## High" in md.stdout and "**Fix:**" in md.stdout
    table = cli("--workspace", str(ws), "audit", "--rule", "too-many-links")
    assert table.exit_code == 0 and "too-many-links" in table.stdout
    assert cli("--workspace", str(ws), "audit", "--fail-on", "high").exit_code == 1
    assert cli("--workspace", str(ws), "audit", "--rule", "internal-nofollow", "--fail-on", "high").exit_code == 0
    bad = cli("--workspace", str(ws), "audit", "--rule", "no-such-rule")
    assert bad.exit_code == 2 and "paid-link" in bad.stderr
    empty = cli("--workspace", str(tmp_path / "empty"), "audit")
    assert empty.exit_code == 2 and "ingest" in empty.stderr
