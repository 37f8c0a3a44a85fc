"""`assistant apply`: a plan's link tasks written into Markdown and HTML sources, and the round trip through a
rendered site (rust-blog-src rendered by ../shared/corpora/render_site.py, served, ingested, planned, applied,
rendered and ingested again)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.apply import SourceMap, diff, plan_edits, write
from tests.conftest import cli, cli_json, db_rows
from tests.sites import CORPORA, later, rebase, serve

SITE = "https://example.com"


def task(source: str, target: str, anchor: str, sentence: str, tid: str = "t-1", kind: str = "add-internal-link",
         priority: int = 1) -> dict[str, Any]:
    return {"id": tid, "priority": priority, "type": kind, "pages": [SITE + source, SITE + target],
            "action": "", "why": "", "impact": 50.0, "effort": 1,
            "evidence": {"source": SITE + source, "target": SITE + target, "anchor": anchor, "sentence": sentence}}


def make(tmp: Path, files: dict[str, str], tasks: list[dict[str, Any]]) -> tuple[Path, Path]:
    src = tmp / "src"
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, encoding="utf-8")
    plan = tmp / "plan.json"
    plan.write_text(json.dumps({"site": SITE, "tasks": tasks}), encoding="utf-8")
    return src, plan


def apply_json(plan: Path, src: Path, *args: str) -> dict[str, Any]:
    return cli_json("apply", str(plan), "--source", str(src), *args)  # type: ignore[no-any-return]


def statuses(result: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {t["task"]: (t["status"], t["reason"]) for t in result["tasks"]}


FRONT = "---\ntitle: {title}\n---\n"


def md_case(tmp: Path, body: str, anchor: str, sentence: str, extra: dict[str, str] | None = None,
            write_it: bool = True) -> tuple[str, dict[str, Any], str]:
    """One Markdown page /a/ (content/a.md) and its target /b/; returns (new text, result, diff)."""
    files = {"content/a.md": FRONT.format(title="A") + body, "content/b.md": FRONT.format(title="B") + "B.\n",
             **(extra or {})}
    src, plan = make(tmp, files, [task("/a/", "/b/", anchor, sentence)])
    dry = apply_json(plan, src)
    result = apply_json(plan, src, "--write") if write_it else dry
    return (src / "content/a.md").read_text(encoding="utf-8"), result, dry["diff"]


def test_emphasis_inside_the_anchor_is_kept_inside_the_link(tmp_path: Path) -> None:
    text, result, patch = md_case(tmp_path, "We thank the **Rust Foundation** board for it.\n",
                                  "Rust Foundation board", "We thank the Rust Foundation board for it.")
    assert "We thank the [**Rust Foundation** board](/b/) for it." in text
    assert result["tasks"][0]["status"] == "applied" and result["tasks"][0]["line"] == 4
    assert "-We thank the **Rust Foundation** board for it.\n+We thank the [**Rust Foundation** board](/b/)" in patch


def test_an_anchor_inside_inline_code_is_refused(tmp_path: Path) -> None:
    text, result, _ = md_case(tmp_path, "Run `cargo build --release` to build it.\n", "cargo build",
                              "Run cargo build --release to build it.")
    assert result["tasks"][0]["status"] == "skipped"
    assert result["tasks"][0]["reason"] == "the anchor is inside code"
    assert "[" not in text


def test_a_whole_code_span_as_anchor_is_wrapped_with_its_backticks(tmp_path: Path) -> None:
    text, result, _ = md_case(tmp_path, "The `Drop` trait runs code.\n", "Drop trait", "The Drop trait runs code.")
    assert "The [`Drop` trait](/b/) runs code." in text and result["counts"] == {"applied": 1}


def test_wrapped_lines_entities_and_smart_quotes(tmp_path: Path) -> None:
    body = "It&rsquo;s the \"borrow\nchecker\" that makes\nthis safe, isn't it?\n"
    text, result, _ = md_case(tmp_path, body, "borrow checker",
                              "It’s the “borrow checker” that makes this safe, isn’t it?")
    assert result["tasks"][0]["status"] == "applied"
    assert "It&rsquo;s the \"[borrow\nchecker](/b/)\" that makes\n" in text


def test_a_repeated_sentence_is_linked_once_and_a_rerun_is_already_applied(tmp_path: Path) -> None:
    body = "Async is great.\n\nMore text here.\n\nAsync is great.\n"
    text, result, _ = md_case(tmp_path, body, "Async", "Async is great.")
    assert result["counts"] == {"applied": 1}
    assert text.count("[Async](/b/)") == 1 and text.index("[Async](/b/)") < text.index("More text")
    again = apply_json(tmp_path / "plan.json", tmp_path / "src")
    assert again["tasks"][0]["status"] == "already-applied" and again["diff"] == ""


def test_an_existing_link_on_the_same_words_is_left_alone(tmp_path: Path) -> None:
    body = "See the [trait solver](https://github.com/rust-lang/trait-system) work.\n"
    text, result, _ = md_case(tmp_path, body, "trait solver", "See the trait solver work.")
    assert result["tasks"][0]["status"] == "skipped"
    assert result["tasks"][0]["reason"].startswith("the anchor is already linked (to https://github.com/")
    assert text.endswith(body)


def test_reference_style_files_get_a_reference_and_its_definition(tmp_path: Path) -> None:
    body = "Read [the book][book] and [the reference][ref] about ownership rules.\n\n[book]: /book/\n[ref]: /ref/\n"
    text, result, _ = md_case(tmp_path, body, "ownership rules",
                              "Read the book and the reference about ownership rules.")
    assert result["counts"] == {"applied": 1}
    assert "about [ownership rules][ownership-rules]." in text
    assert text.endswith("[ref]: /ref/\n\n[ownership-rules]: /b/\n")
    again = apply_json(tmp_path / "plan.json", tmp_path / "src")
    assert again["tasks"][0]["status"] == "already-applied"


def test_liquid_code_blocks_are_code_and_new_reference_labels_stay_unique(tmp_path: Path) -> None:
    body = ("Rust 2018 is here, see [the guide][g].\n\n{% highlight rust %}\nlet x = \"Rust 2018 is here\";\n"
            "{% endhighlight %}\n\nWe compare Rust 2018 with Rust 2015 again.\n\n[g]: /guide/\n")
    files = {"_posts/2020-01-01-a.md": FRONT.format(title="A") + body, "_posts/2018-01-01-b.md": "B.\n",
             "_posts/2015-01-01-c.md": "C.\n"}
    src, plan = make(tmp_path, files, [
        task("/2020/01/01/a/", "/2018/01/01/b/", "Rust 2018", "Rust 2018 is here, see the guide.", "t-1"),
        task("/2020/01/01/a/", "/2015/01/01/c/", "Rust 2018", "We compare Rust 2018 with Rust 2015 again.", "t-2",
             priority=2)])
    assert statuses(apply_json(plan, src, "--write")) == {"t-1": ("applied", ""), "t-2": ("applied", "")}
    text = (src / "_posts/2020-01-01-a.md").read_text()
    assert "[Rust 2018][rust-2018] is here" in text and "We compare [Rust 2018][rust-2018-2] with" in text
    assert 'let x = "Rust 2018 is here";' in text
    assert text.endswith("[g]: /guide/\n\n[rust-2018]: /2018/01/01/b/\n[rust-2018-2]: /2015/01/01/c/\n")


def test_markdown_reading_follows_the_renderer(tmp_path: Path) -> None:
    """Cases found by comparing every sentence of rust-blog and ruby-lang.org news with their sources."""
    from assistant.apply.doc import CODE
    from assistant.apply.locate import read_doc

    source = ("> Update with:\n>\n> ```\n> rustup self update\n> ```\n\n"
              "See the [release notes][notes] for details.\n\n"
              "* [Jan](https://example.com) has been a member since\n  2016. That same year he started.\n\n"
              "The patch (<URL:https://example.com/a.patch&gt;) is out.\n\n[notes]:\n  https://example.com/notes\n")
    doc = read_doc(source, "a.md")
    text = " ".join("".join(doc.chars).split())
    assert text == ("Update with: rustup self update See the release notes for details. Jan has been a member since "
                    "2016. That same year he started. The patch (<URL:https://example.com/a.patch>) is out.")
    assert doc.refs["notes"][0] == "https://example.com/notes"
    assert doc.flags["".join(doc.chars).index("rustup")] & CODE


def test_a_hugo_file_with_ref_shortcodes_gets_a_ref_shortcode(tmp_path: Path) -> None:
    body = ('Intro to [the other post]({{< ref "posts/c.md" >}}) and the garbage collector.\n\n'
            '{{< figure src="x.png" title="the garbage collector" >}}\n')
    files = {"content/posts/a.md": "+++\ntitle = \"A\"\n+++\n" + body,
             "content/posts/b.md": "+++\ntitle = \"B\"\nslug = \"gc\"\n+++\nB.\n",
             "content/posts/c.md": "+++\ntitle = \"C\"\n+++\nC.\n"}
    src, plan = make(tmp_path, files, [task("/posts/a/", "/posts/gc/", "garbage collector",
                                            "Intro to the other post and the garbage collector.")])
    result = apply_json(plan, src, "--write")
    assert result["tasks"][0]["status"] == "applied"
    text = (src / "content/posts/a.md").read_text()
    assert 'and the [garbage collector]({{< ref "posts/b.md" >}}).' in text
    assert '{{< figure src="x.png" title="the garbage collector" >}}' in text


def test_headings_code_blocks_and_front_matter_are_never_edited(tmp_path: Path) -> None:
    body = "## The borrow checker\n\n```\nthe borrow checker\n```\n"
    files = {"content/a.md": "---\ntitle: the borrow checker\n---\n" + body, "content/b.md": "B.\n"}
    src, plan = make(tmp_path, files, [task("/a/", "/b/", "borrow checker", "The borrow checker", "t-h"),
                                       task("/a/", "/b/", "borrow checker", "the borrow checker", "t-c")])
    result = statuses(apply_json(plan, src, "--write"))
    assert result["t-h"] == ("skipped", "the sentence is in a heading")
    assert result["t-c"][0] == "skipped"
    assert (src / "content/a.md").read_text() == files["content/a.md"]


def test_html_sources_get_an_a_tag_outside_code_links_and_attributes(tmp_path: Path) -> None:
    page = ('<!DOCTYPE html><html><head><title>Memory safety</title></head><body><main>\n'
            '<h1>Memory safety</h1>\n<p>Rust gives <em>memory safety</em> without a garbage collector.</p>\n'
            '<p title="memory safety">Use <code>memory safety()</code> in <a href="/x/">memory safety docs</a>.</p>\n'
            '</main></body></html>\n')
    files = {"a/index.html": page, "b/index.html": "<p>B</p>\n", "x/index.html": "<p>X</p>\n"}
    src, plan = make(tmp_path, files, [
        task("/a/", "/b/", "memory safety", "Rust gives memory safety without a garbage collector.", "t-ok"),
        task("/a/", "/b/", "memory safety", "Use memory safety() in memory safety docs.", "t-no", priority=2)])
    result = statuses(apply_json(plan, src, "--write"))
    assert result["t-ok"] == ("applied", "")
    assert result["t-no"] == ("skipped", "the anchor is inside code")
    text = (src / "a/index.html").read_text()
    assert '<p>Rust gives <em><a href="/b/">memory safety</a></em> without a garbage collector.</p>' in text
    assert text.replace('<a href="/b/">memory safety</a>', "memory safety") == page


def test_relative_links_in_html_pages_broken_links_and_unreadable_files(tmp_path: Path) -> None:
    files = {"docs/guide/install.html": '<p>See <a href="../ref/api.html">the API</a>. Read the release notes.</p>\n',
             "docs/ref/api.html": "<p>API</p>\n", "news/notes.html": "<p>Notes</p>\n"}
    broken = {"id": "t-b", "priority": 2, "type": "fix-broken-link", "pages": [SITE + "/gone/"],
              "evidence": {"target": SITE + "/gone/", "sources": [SITE + "/docs/guide/install.html"], "links": 1}}
    src, plan = make(tmp_path, files, [
        task("/docs/guide/install.html", "/news/notes.html", "release notes", "Read the release notes.", "t-r"),
        task("/latin/", "/news/notes.html", "notes", "Some notes.", "t-l", priority=3), broken])
    (src / "latin.html").write_bytes("<p>Some notes, caf\xe9.</p>".encode("latin-1"))
    result = statuses(apply_json(plan, src, "--write"))
    assert result == {"t-r": ("applied", ""), "t-b": ("skipped", "no replacement URL: for a human"),
                      "t-l": ("skipped", "latin.html is not UTF-8")}
    text = (src / "docs/guide/install.html").read_text()
    assert 'Read the <a href="../../news/notes.html">release notes</a>.' in text


def test_source_map_follows_each_generators_conventions(tmp_path: Path) -> None:
    files = {
        "hugo/hugo.toml": '[permalinks]\nposts = "/:year/:month/:slug/"\n',
        "hugo/content/posts/my-post.md": '+++\ntitle = "My Post"\ndate = 2021-03-04T10:00:00Z\n+++\nHi.\n',
        "hugo/content/posts/other.md": "---\ntitle: Other\ndate: 2022-05-06\nslug: second\n---\nHi.\n",
        "hugo/content/docs/bundle/index.md": "---\ntitle: Bundle\naliases: [/old-bundle/]\n---\nHi.\n",
        "zola/content/blog/2020-01-02-launch.md": "+++\ntitle = \"Launch\"\n+++\nHi.\n",
        "zola/content/blog/_index.md": "+++\ntitle = \"Blog\"\n+++\n",
        "jekyll/_config.yml": "title: x\npermalink: /:categories/:year/:title/\n",
        "jekyll/_posts/2019-07-08-Hello-World.markdown": "---\ntitle: Hello\n---\nHi.\n",
        "jekyll/about.md": "---\npermalink: /about-us/\n---\nHi.\n",
        "jekyll/en/news/_posts/2021-02-03-release.md": "---\ncategories: [Ruby]\n---\nHi.\n",
        "docusaurus/docs/intro.md": "---\nslug: /start\n---\nHi.\n",
    }
    src, _ = make(tmp_path, files, [])
    cases = {"hugo": {"/2021/03/my-post/": "content/posts/my-post.md", "/2022/05/second/": "content/posts/other.md",
                      "/docs/bundle/": "content/docs/bundle/index.md", "/old-bundle/": "content/docs/bundle/index.md"},
             "zola": {"/blog/launch/": "content/blog/2020-01-02-launch.md", "/blog/": "content/blog/_index.md"},
             "jekyll": {"/2019/Hello-World/": "_posts/2019-07-08-Hello-World.markdown", "/about-us/": "about.md",
                        "/en/news/ruby/2021/release/": "en/news/_posts/2021-02-03-release.md"},
             "docusaurus": {"/start": "docs/intro.md", "/docs/intro/": "docs/intro.md"}}
    for site, expected in cases.items():
        smap = SourceMap(src / site)
        found = {url: (hit.file.rel if hit.file else hit.reason) for url in expected if (hit := smap.find(url))}
        assert found == expected, site


def test_write_refuses_a_file_edited_after_the_diff(tmp_path: Path) -> None:
    src, plan = make(tmp_path, {"a.md": "Linking is fun.\n", "b.md": "B.\n"},
                     [task("/a/", "/b/", "Linking", "Linking is fun.")])
    result = plan_edits(json.loads(plan.read_text())["tasks"], SourceMap(src))
    assert "+[Linking](/b/) is fun." in diff(result)
    (src / "a.md").write_text("Linking is fun, said the editor.\n")        # someone edits it meanwhile
    assert write(result) == []
    assert result.outcomes[0].status == "skipped" and "changed since the diff" in result.outcomes[0].reason
    assert (src / "a.md").read_text() == "Linking is fun, said the editor.\n"
    assert not list(src.glob(".*.tmp"))


def test_unknown_pages_ambiguous_pages_and_bad_plans(tmp_path: Path) -> None:
    files = {"a.md": "Text about links.\n", "b/index.md": "B.\n", "b.md": "B again.\n"}
    src, plan = make(tmp_path, files, [task("/nowhere/", "/a/", "links", "Text about links.", "t-unknown"),
                                       task("/b/", "/a/", "B", "B.", "t-ambiguous"),
                                       {"id": "t-x", "type": "diversify-anchors", "pages": [SITE + "/a/"]}])
    result = apply_json(plan, src)
    got = statuses(result)
    assert got["t-unknown"] == ("skipped", "source file unknown")
    assert got["t-ambiguous"][1].startswith("ambiguous: b.md, b/index.md")
    assert result["manual"] == {"diversify-anchors": 1}
    rows = cli_json("apply", str(plan), "--source", str(src), "--check-map")
    assert {r["page"]: r["status"] for r in rows} == {SITE + "/nowhere/": "not found", SITE + "/a/": "found",
                                                       SITE + "/b/": "not found"}
    (tmp_path / "bad.json").write_text("{\"tasks\": 3}")
    bad = cli("apply", str(tmp_path / "bad.json"), "--source", str(src))
    assert bad.exit_code == 2 and "bad.json is not a plan JSON file" in bad.output and "Traceback" not in bad.output


def test_jekyll_posts_zola_links_maps_and_redirect_fixes(tmp_path: Path) -> None:
    files = {
        "_posts/2020-01-02-hello-world.md": "---\ntitle: Hello\ndate: 2020-01-03 10:00:00 +0100\n---\n"
                                            "Say hello to the new world.\n",
        "_posts/2019-05-06-old.html": "---\ntitle: Old\n---\n<p>Old <a href=\"/2018/01/01/gone/\">post</a>.</p>\n",
        "zola/a.md": "+++\ntitle = \"Z\"\n+++\nSee [that](@/zola/b.md) and the new world.\n",
        "zola/b.md": "+++\ntitle = \"ZB\"\n+++\nB.\n",
    }
    fix = {"id": "t-r", "priority": 3, "type": "fix-redirected-link", "pages": [SITE + "/2018/01/01/gone/"],
           "evidence": {"target": SITE + "/2018/01/01/gone/", "final_url": SITE + "/2020/01/03/hello-world/",
                        "sources": [SITE + "/2019/05/06/old/"], "links": 1}}
    src, plan = make(tmp_path, files, [task("/2020/01/03/hello-world/", "/2019/05/06/old/", "new world",
                                            "Say hello to the new world.", "t-j"),
                                       task("/docs/a/", "/2020/01/03/hello-world/", "new world",
                                            "See that and the new world.", "t-z", priority=2), fix])
    result = statuses(apply_json(plan, src, "--write", "--map", "/docs/{name}/=zola/{name}.md"))
    assert result == {"t-j": ("applied", ""), "t-z": ("applied", ""), "t-r": ("applied", "")}
    assert "the [new world](/2019/05/06/old/)." in (src / "_posts/2020-01-02-hello-world.md").read_text()
    # the Zola file links pages by their source file: so does the new link
    assert "and the [new world](@/_posts/2020-01-02-hello-world.md)." in (src / "zola/a.md").read_text()
    assert '<a href="/2020/01/03/hello-world/">post</a>' in (src / "_posts/2019-05-06-old.html").read_text()


# ---- the round trip on a subset of rust-blog-src

RENDER = CORPORA / "render_site.py"
SUBSET = ["Rust-1.1[3-7]*", "Rust-1.2[3-6]*", "inside-rust/program-management-update-202[56]-*",
          "inside-rust/leadership-council-update@1[01].md", "inside-rust/test-infra-*",
          "inside-rust/project-director-update@*", "launching-the-rust-foundation-maintainers-fund.md",
          "inside-rust/funding-team-progress-update-july-2026.md", "inside-rust/unite-for-clippy"]
NAV = re.compile(r'<ul class="featured".*?</ul>|<meta name="description"[^>]*>|<p class="post-item-summary">.*?</p>',
                 re.S)


def render(src: Path, out: Path) -> None:
    subprocess.run([sys.executable, str(RENDER), "--source", "rust", "--src", str(src), "--out", str(out)],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("apply-rt")
    content = CORPORA / "rust-blog-src" / "content"
    src = tmp / "src" / "content"
    for pattern in SUBSET:
        for f in content.glob(pattern):
            for md in [f] if f.is_file() else f.glob("*.md"):
                (src / md.relative_to(content)).parent.mkdir(parents=True, exist_ok=True)
                (src / md.relative_to(content)).write_bytes(md.read_bytes())
    original = {p: p.read_bytes() for p in src.rglob("*.md")}
    before, served = tmp / "before", tmp / "served"
    render(src, before)
    render(src, served)
    ws = tmp / "ws"
    with serve(served) as url:
        rebase(served, url)
        cli_json("--workspace", str(ws), "ingest", url)
        posts = sorted(p.parent.relative_to(before).as_posix() for p in before.rglob("index.html")
                       if re.match(r"(inside-rust/)?\d{4}/", p.parent.relative_to(before).as_posix()))
        to = [x for p in posts for x in ("--to", f"/{p}/")]
        plan = tmp / "plan.json"
        ci = tmp / "ci"                       # `plan --apply-to` writes the same edits into a second copy
        shutil.copytree(tmp / "src", ci)
        assert cli("--workspace", str(ws), "plan", "--top", "0", *to, "-o", str(plan), "--apply-to", str(ci)
                   ).exit_code == 0
        result = apply_json(plan, tmp / "src", "--write")
        render(src, served)
        for f in served.rglob("*"):
            later(f)
        rebase(served, url)
        cli_json("--workspace", str(ws), "ingest", url)
        links = db_rows(ws, "SELECT p.url AS source, l.target_url AS target, l.anchor AS anchor, l.sentence AS "
                            "sentence, l.internal AS internal FROM links l JOIN pages p ON p.id = l.source_id "
                            "WHERE l.placement = 'content'")
        yield {"tmp": tmp, "src": src, "plan": plan, "result": result, "before": before, "after": served,
               "links": links, "original": original, "url": url, "ci": ci}


def test_round_trip_every_applied_link_is_a_content_link_with_its_anchor(round_trip: dict[str, Any]) -> None:
    tasks = round_trip["result"]["tasks"]
    link_tasks = [t for t in tasks if t["type"] == "add-internal-link"]
    applied = [t for t in link_tasks if t["status"] == "applied"]
    assert len(link_tasks) >= 5 and len(applied) >= 0.7 * len(link_tasks)
    for t in tasks:
        assert t["status"] in ("applied", "skipped") and (t["status"] == "applied") == (not t["reason"])
    have = {(r["source"], r["target"], " ".join((r["anchor"] or "").split())) for r in round_trip["links"]}
    for t in applied:
        assert (t["page"], t["target"], t["anchor"]) in have, t


def test_round_trip_changes_nothing_else_in_the_site(round_trip: dict[str, Any]) -> None:
    """Pages differ only by the new <a> tags (the renderer's featured-posts menu follows link counts, and its
    descriptions and summaries are the first paragraph with tags turned into spaces: those are left out)."""
    before, after = round_trip["before"], round_trip["after"]
    edited = {t["page"].removeprefix(round_trip["url"].rstrip("/")) for t in round_trip["result"]["tasks"]
              if t["status"] == "applied"}
    changed = set()
    for f in before.rglob("*.html"):
        old, new = NAV.sub("", f.read_text()), NAV.sub("", (after / f.relative_to(before)).read_text())
        if old != new:
            page = "/" + f.parent.relative_to(before).as_posix() + "/"
            changed.add(page)
            assert re.sub(r'<a href="[^"]*">|</a>', "", old) == re.sub(r'<a href="[^"]*">|</a>', "", new), page
    assert changed == edited


def test_round_trip_second_apply_is_all_already_applied(round_trip: dict[str, Any]) -> None:
    again = apply_json(round_trip["plan"], round_trip["tmp"] / "src")
    first = {t["task"]: t["status"] for t in round_trip["result"]["tasks"]}
    for t in again["tasks"]:
        assert t["status"] == ("already-applied" if first[t["task"]] == "applied" else "skipped")
    assert again["diff"] == ""
    edited = {p for p, data in round_trip["original"].items() if p.read_bytes() != data}
    assert len(edited) == len({t["file"] for t in round_trip["result"]["tasks"] if t["status"] == "applied"})


def test_plan_apply_to_writes_the_same_edits_as_apply_write(round_trip: dict[str, Any]) -> None:
    src, ci = round_trip["tmp"] / "src", round_trip["ci"]
    files = sorted(p.relative_to(src) for p in src.rglob("*.md"))
    assert files == sorted(p.relative_to(ci) for p in ci.rglob("*.md"))
    assert all((src / f).read_bytes() == (ci / f).read_bytes() for f in files)
    assert any((src / f).read_bytes() != data for f, data in
               ((p.relative_to(src), d) for p, d in round_trip["original"].items()))


def test_round_trip_every_link_of_the_site_reads_as_already_applied(round_trip: dict[str, Any]) -> None:
    """The posts' own in-content links to other posts, as tasks, are found in the sources as links to them."""
    post = re.compile(r"/(inside-rust/)?\d{4}/\d{2}/\d{2}/")
    rows = [r for r in round_trip["links"] if r["internal"] and r["anchor"] and r["sentence"]
            and r["source"] != r["target"] and post.search(r["source"]) and post.search(r["target"])]
    tasks = [task("", "", r["anchor"], r["sentence"], f"t-{n}") for n, r in enumerate(rows)]
    for t, r in zip(tasks, rows, strict=True):
        t["evidence"].update(source=r["source"], target=r["target"])
    result = plan_edits(tasks, SourceMap(round_trip["tmp"] / "src"))
    assert len(tasks) >= 30
    assert result.counts() == {"already-applied": len(tasks)}, [o for o in result.outcomes
                                                                if o.status != "already-applied"]
