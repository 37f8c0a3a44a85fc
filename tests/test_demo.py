"""`assistant demo` and the bundled sample site it serves (assistant/demo_site, built by tools/make_demo_site.py)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from typer.testing import CliRunner

import assistant
from assistant.cli import demo as demo_module
from assistant.cli.app import app
from tests.sites import CORPORA, PLACEHOLDER

REPO = Path(__file__).resolve().parents[1]
SITE = Path(assistant.__file__).resolve().parent / "demo_site"
GENERATOR = REPO / "tools" / "make_demo_site.py"
ATTRIBUTION = "Sample content: The Go Blog, © The Go Authors, CC BY 4.0"


def html_files() -> list[Path]:
    return sorted(SITE.rglob("*.html"))


def page_url(f: Path) -> str:
    return f"{PLACEHOLDER}/{f.relative_to(SITE).as_posix().removesuffix('index.html')}"


def resolves(path: str) -> bool:
    rel = path.lstrip("/")
    if path.endswith("/"):
        return (SITE / rel / "index.html").is_file()
    return (SITE / rel).is_file() or (SITE / rel / "index.html").is_file()


def post_slugs() -> set[str]:
    return {p.parent.name for p in (SITE / "blog").glob("*/index.html")}


def links(f: Path, xpath: str = "//a[@href]") -> list[str]:
    return [a.get("href") for a in lxml.html.document_fromstring(f.read_bytes()).xpath(xpath)]


# ------------------------------------------------------------------ the bundled site (no server needed)
def test_bundled_site_shape() -> None:
    assert len(post_slugs()) == 60
    assert len(html_files()) == 60 + 3                        # posts, home, archive, about
    assert not (SITE / "archive" / "page").exists()
    for name in ("robots.txt", "sitemap.xml", "assets/site.css", "LICENSE-BSD", "ATTRIBUTION.md"):
        assert (SITE / name).is_file(), name
    assert "60-post subset" in (SITE / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert sum(f.stat().st_size for f in SITE.rglob("*") if f.is_file()) < 2_000_000
    for f in html_files():
        assert f.read_bytes().startswith(b"<!DOCTYPE html>\n<html"), f


def test_every_internal_link_of_the_bundled_site_resolves() -> None:
    broken = []
    for f in html_files():
        doc = lxml.html.document_fromstring(f.read_bytes())
        base = page_url(f)
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            refs = [el.get(a) for a in ("href", "src") if el.get(a) is not None]
            refs += [c.split()[0] for c in (el.get("srcset") or "").split(",") if c.split()]
            for ref in refs:
                parts = urlsplit(urljoin(base, ref))
                if f"{parts.scheme}://{parts.netloc}" == PLACEHOLDER and not resolves(parts.path):
                    broken.append(f"{f.relative_to(SITE)}: {ref}")
    assert not broken, broken[:10]


def test_sitemap_and_robots_match_the_subset() -> None:
    locs = re.findall(r"<loc>(.*?)</loc>", (SITE / "sitemap.xml").read_text(encoding="utf-8"))
    assert locs[0] == PLACEHOLDER + "/"
    assert {urlsplit(u).path for u in locs[1:]} == {f"/blog/{s}/" for s in post_slugs()}
    assert len(locs) == 61 and all(resolves(urlsplit(u).path) for u in locs)
    assert (SITE / "sitemap.xml").read_text(encoding="utf-8").count("<lastmod>") == 60
    robots = (SITE / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {PLACEHOLDER}/sitemap.xml" in robots


def test_lists_and_post_navigation_are_consistent() -> None:
    slugs = post_slugs()
    archive = links(SITE / "archive" / "index.html", '//*[@class="post-list"]//a')
    assert sorted(archive) == sorted(f"/blog/{s}/" for s in slugs)
    assert not links(SITE / "archive" / "index.html", '//*[contains(@class, "pagination")]//a')
    home = links(SITE / "index.html", '//*[@class="post-list"]//a')
    assert home == archive[:10]                               # newest first, on both
    for f in html_files():
        assert links(f, '//ul[@class="featured"]//a') == links(SITE / "index.html", '//ul[@class="featured"]//a')
        assert links(f, '//*[@class="recent-posts"]//a') == archive[:10]
    chain = {}
    for s in slugs:
        nav = {a.get("rel"): a.get("href") for a in lxml.html.document_fromstring(
            (SITE / "blog" / s / "index.html").read_bytes()).xpath('//nav[@class="post-nav"]/a')}
        chain[f"/blog/{s}/"] = nav
    for url, nav in chain.items():                            # prev = older, next = newer, both ways
        i = archive.index(url)
        assert nav.get("prev") == (archive[i + 1] if i + 1 < len(archive) else None)
        assert nav.get("next") == (archive[i - 1] if i > 0 else None)


def test_links_to_omitted_posts_point_at_go_dev() -> None:
    slugs = post_slugs()
    to_go_dev = 0
    for s in slugs:
        for href in links(SITE / "blog" / s / "index.html", '//article[contains(@class, "post-body")]//a[@href]'):
            m = re.fullmatch(r"https://go\.dev/blog/([^/#?]+)/(?:[#?].*)?", href)
            to_go_dev += bool(m)
            assert not (m and m.group(1) in slugs), f"{s}: {href} should stay on the site"
    assert to_go_dev > 0


@pytest.mark.skipif(not (CORPORA / "go-blog").is_dir(), reason="the go-blog corpus is not here")
def test_generator_is_deterministic_and_matches_the_bundled_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    run = subprocess.run([sys.executable, str(GENERATOR), "--dst", str(out)], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken internal links" in run.stdout
    made = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bundled = {p.relative_to(SITE): p.read_bytes() for p in SITE.rglob("*") if p.is_file()}
    assert made.keys() == bundled.keys()
    assert [k for k in made if made[k] != bundled[k]] == []


# ------------------------------------------------------------------ the demo itself (serves, ingests, embeds)
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_ingests_the_sample_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a port of our own, so the second run is served at the same URL (8765 may be taken on this machine)
    monkeypatch.setattr(demo_module, "PREFERRED_PORT", free_port())
    ws = tmp_path / "ws"
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(ws), "demo", "--format", "json", "--plan-dir", str(tmp_path)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"summary", "top_pages", "site_url"} <= set(data)
    assert data["site_url"].startswith("http://127.0.0.1:")
    s = data["summary"]
    expected = len(html_files())
    assert s["complete"] is True
    assert s["new"] == s["totals"]["html_pages"] == expected
    assert s["errors"] == {"non-html": 1}                     # /sitemap.xml, linked from every footer
    assert s["totals"]["content_links"] > 0
    assert s["vectors"] == s["totals"]["chunks"] > 0
    stats = data["stats"]
    assert stats["content_links"] > 0 and stats["boilerplate_links"] > 0 and stats["internal_content_links"] > 0
    assert stats["top_content_anchors"]
    top = data["top_pages"]
    assert len(top) == 10
    inlinks = [p["content_inlinks"] for p in top]
    assert inlinks == sorted(inlinks, reverse=True) and inlinks[0] > 0
    assert all(p["url"].startswith(data["site_url"]) and p["title"] and p["words"] > 0 for p in top)
    assert (ws / "demo" / "assistant.db").is_file()           # the demo's own sub-folder of the workspace
    assert data["plans"] == [str(tmp_path / "demo-plan.html"), str(tmp_path / "demo-plan.md")]
    html = (tmp_path / "demo-plan.html").read_text(encoding="utf-8")
    assert "<svg" in html and "add-internal-link" in html
    assert "add-internal-link" in (tmp_path / "demo-plan.md").read_text(encoding="utf-8")

    again = runner.invoke(app, ["--workspace", str(ws), "demo", "--plan-dir", str(tmp_path)], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert ATTRIBUTION in again.stdout
    assert "Action plan:" in again.stdout and "demo-plan.md" in again.stdout
    assert "top 10 pages by in-content inlinks" in again.stdout
    assert re.search(rf"unchanged pages\s*│\s*{expected}\b", again.stdout)   # same URL: nothing re-fetched anew
    assert re.search(r"chunks embedded this run\s*│\s*0\b", again.stdout)
    # a planned in-content link is not done because a menu or sidebar link joins the two pages: the re-run's plan
    # still holds its link tasks (it had dropped them all as "the link exists")
    assert "add-internal-link |" in (tmp_path / "demo-plan.md").read_text(encoding="utf-8")
