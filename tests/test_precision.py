"""Issue 17: every planned link is one an editor accepts — anchors are whole phrases about the target, sentences are
prose, and the confidence means what it says on a corpus it was not calibrated on.

Two workspaces, each ingested once (static vectors, as a user gets them): the demo's bundled sample of the Go
blog, and rust-blog with a seeded fifth of its in-content links unwrapped to plain text by the shared
link-prediction harness's own code (``../shared/bench/linkpred.py``). The confidence was calibrated on go-blog
(``assistant/suggest/confidence.py``); rust-blog only checks it.
"""

from __future__ import annotations

import copy
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import assistant
from assistant.services import Services
from assistant.settings import load_settings
from assistant.suggest import Engine, Suggestion, load_site
from assistant.suggest.anchors import PROSE_WORDS, anchor_ok
from assistant.suggest.candidates import tokens
from assistant.suggest.placing import topic_of
from assistant.suggest.series import is_previous_post
from assistant.text import normalize_space
from tests.conftest import cli, cli_json
from tests.sites import CORPORA, SHARED, copy_site, rebase, serve

DEMO = Path(assistant.__file__).resolve().parent / "demo_site"
MIN_CONFIDENCE = load_settings(None).suggest.min_confidence
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def ingest(site: Path) -> Iterator[tuple[Path, Engine]]:
    with serve(site) as url:
        rebase(site, url)
        ws = site.parent / "ws"
        result = cli("--workspace", str(ws), "ingest", url)
        assert result.exit_code == 0, result.output
        yield ws, Engine(load_site(Services(load_settings(None, workspace=ws))))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Engine]]:
    yield from ingest(copy_site(DEMO, tmp_path_factory.mktemp("demo") / "site"))


@pytest.fixture(scope="module")
def holed_rust(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Engine, dict[str, set[str]]]]:
    """rust-blog with 20 % of its post-to-post content links hidden (seed 0): (workspace, engine, gold)."""
    sys.path.insert(0, str(SHARED / "bench"))
    import linkpred

    root = tmp_path_factory.mktemp("rust")
    graph = linkpred.build_graph(linkpred.scan_site(CORPORA / "rust-blog"))
    edges = sorted(graph.edges)
    random.Random(0).shuffle(edges)
    hidden = sorted(edges[:round(len(edges) * 0.2)])
    linkpred.write_holed_copy(CORPORA / "rust-blog", root / "site", graph, hidden, None)
    gold: dict[str, set[str]] = {}
    for s, t in hidden:
        gold.setdefault(s, set()).add(t)
    for ws, engine in ingest(root / "site"):
        yield ws, engine, gold


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def every_suggestion(engine: Engine, sources: list[str] | None = None, to: bool = True) -> list[Suggestion]:
    pages = sorted(engine.data.pages)
    found = [s for u in sources or pages for s in engine.suggest_from(u, 10)]
    return found + ([s for u in pages for s in engine.suggest_to(u, 10)] if to else [])


@pytest.fixture(scope="module")
def demo_suggestions(demo: tuple[Path, Engine]) -> list[Suggestion]:
    return every_suggestion(demo[1])


# ------------------------------------------------------------------ the demo's bad tasks
def test_the_demo_cases_are_not_suggested(demo: tuple[Path, Engine], demo_suggestions: list[Suggestion]) -> None:
    """The issue's and the last session's bad demo tasks: a fragment, an off-topic generic, a list title, a
    verb's -ing form, a list item of steps, words of another page's title."""
    found = {(path(s.source_url), path(s.target_url), s.anchor): s for s in demo_suggestions}
    never = [("/blog/migrating-to-go-modules/", "/blog/toolchain/", "management in Go"),
             ("/blog/pgo-preview/", "/blog/protobuf-opaque/", "new version")]
    for case in never:
        assert case not in found, case
    for s in demo_suggestions:
        assert s.sentence not in {"An Update on Go 2", "Creating a new module."}, s
        assert s.anchor not in {"file using", "using Go", "new version", "management in Go"}, s
        assert not (s.anchor == "Go Modules" and s.sentence.startswith("See Go Modules in 2019")), s
    # suggested with --to/--from, but too unsure for the plan and suggest --all
    unsure = [("/blog/protobuf-opaque/", "exported API"), ("/blog/toward-go2/", "problem solving"),
              ("/blog/using-go-modules/", "modules")]
    for s in demo_suggestions:
        if (path(s.target_url), s.anchor) in unsure:
            assert s.confidence < MIN_CONFIDENCE, s


def test_the_demo_plan_keeps_only_confident_links(demo: tuple[Path, Engine], tmp_path: Path) -> None:
    plan = cli_json("--workspace", str(demo[0]), "plan", "--top", "0")
    links = [t for t in plan["tasks"] if t["type"] == "add-internal-link" and "sentence" in t["evidence"]]
    assert links                                          # the demo still shows what a link task is
    confidence = {(s.source_url, s.target_url): s.confidence for s in demo[1].suggest_to(
        links[0]["evidence"]["target"], 50)}
    assert confidence[links[0]["evidence"]["source"], links[0]["evidence"]["target"]] >= MIN_CONFIDENCE
    everything = cli_json("--workspace", str(demo[0]), "suggest", "--all", "--limit", "10")
    assert all(r["confidence"] >= MIN_CONFIDENCE for r in everything)


# ------------------------------------------------------------------ anchors are phrases, sentences are prose
def whole_by_the_chunker(engine: Engine, s: Suggestion) -> bool:
    """The anchor, where it stands as words in the sentence (once at least), is a whole phrase that is not
    generic and not inside another page's name (``anchor_ok`` with the engine's own view of the site)."""
    names = replace(engine.site_names.of(s.source_url, s.target_url), linked=(), linkprob=None)
    if names.refers is not None and names.refers.fullmatch(s.anchor):
        return True              # a post of the source's own series, by its place in it: "our last update"
    if is_previous_post(s.anchor) and engine.previous_of(s.source_url) == s.target_url:
        return True              # "my previous post": the source's author's previous post on the topic
    spots = re.finditer(r"(?<![^\W_])" + re.escape(s.anchor) + r"(?![^\W_])", s.sentence)
    topic = len(s.anchor) - len(topic_of(s.anchor))      # "blog post about the Style team": its topic is whole
    return any(anchor_ok(s.sentence, m.start() + topic, m.end(), names) for m in spots)


def test_no_fragment_anchor_on_the_corpora(demo: tuple[Path, Engine], demo_suggestions: list[Suggestion],
                                           holed_rust: tuple[Path, Engine, dict[str, set[str]]]) -> None:
    """Every anchor of every suggestion (--from and --to of every demo page; --from of every rust-blog page that
    lost a link) is a whole, non-generic phrase by the chunker's own definition, with the site's compounds."""
    assert len(demo_suggestions) > 500
    bad = [s for s in demo_suggestions if not whole_by_the_chunker(demo[1], s)]
    assert not bad, [(s.anchor, s.sentence, s.target_url) for s in bad[:5]]
    _, rust, gold = holed_rust
    by_key = {path(u).rstrip("/"): u for u in rust.data.pages}
    sources = [by_key[k] for k in sorted(gold) if k in by_key]
    found = every_suggestion(rust, sources, to=False)
    assert len(found) > 500
    bad = [s for s in found if not whole_by_the_chunker(rust, s)]
    assert not bad, [(s.anchor, s.sentence, s.target_url) for s in bad[:5]]


def linked_spans(html_file: Path) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each text block of the page as (its text, whitespace collapsed; the spans of that text that are link
    anchors). In-page links ("#aspirations") are left out: ingest does not record them."""
    out = []
    tree = lxml.html.parse(str(html_file)).getroot()
    for block in tree.iter("p", "li", "td", "dd", "blockquote"):
        if any(b is not block for b in block.iter("p", "li", "td", "dd", "blockquote")):
            continue
        marked = copy.deepcopy(block)
        for a in marked.iter("a"):
            if not a.get("href", "").startswith("#"):
                a.text = "\ue000" + (a.text or "")
                if len(a):
                    a[-1].tail = (a[-1].tail or "") + "\ue001"
                else:
                    a.text += "\ue001"
        raw = normalize_space(marked.text_content())
        text, spans, opened = "", [], 0
        for ch in raw:
            if ch == "\ue000":
                opened = len(text)
            elif ch == "\ue001":
                spans.append((opened, len(text)))
            else:
                text += ch
        out.append((text, spans))
    return out


def test_no_anchor_inside_a_link_the_sentence_already_has(holed_rust: tuple[Path, Engine, dict[str, set[str]]]
                                                          ) -> None:
    """An editor cannot put a link inside another: on rust-blog (whose authors link names such as 'rustup self
    update' to other sites) no suggested anchor overlaps words of its sentence that the source already links,
    checked against the source's own HTML rather than the engine's view of it."""
    ws, rust, gold = holed_rust
    by_key = {path(u).rstrip("/"): u for u in rust.data.pages}
    sources = [by_key[k] for k in sorted(gold) if k in by_key]
    site = ws.parent / "site"
    found = every_suggestion(rust, sources, to=False)
    texts = {u: linked_spans(site / path(u).strip("/") / "index.html") for u in sources}
    overlapping = []
    for s in found:
        part = max(s.sentence.split("…"), key=len).strip()     # a long sentence is clipped around its anchor
        for text, spans in texts[s.source_url]:
            at = text.find(part)
            if at == -1:
                continue
            for m in re.finditer(re.escape(s.anchor), part):
                start, end = at + m.start(), at + m.end()
                overlapping += [(path(s.source_url), s.anchor, text[a:b], s.sentence) for a, b in spans
                                if a < end and start < b]
    assert not overlapping, "\n".join(map(repr, overlapping[:4]))


def lines_that_are_no_sentences(html_file: Path, titles: set[str]) -> set[str]:
    """Headings, table cells, captions, and list items that are a page's title or a short line without a full
    stop (a list of titles or links) of a page. A heading written as a whole sentence, end punctuation and all
    ("The Go project wants to hear from you, the Go community!"), is left out: the workspace keeps the main text
    without its markup, where such a heading reads as a one-sentence paragraph."""
    tree = lxml.html.document_fromstring(html_file.read_bytes())
    out = set()
    for e in tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6|//li|//td|//th|//figcaption|//dt"):
        text = normalize_space(e.text_content())
        if e.tag == "li" and text not in titles and (len(text.split()) >= PROSE_WORDS or text.endswith(".")):
            continue                                  # a list item that is prose
        if e.tag in HEADINGS and text.endswith((".", "!", "?")):
            continue
        out.add(text)
    return out


def test_no_heading_or_list_title_becomes_a_sentence(demo: tuple[Path, Engine],
                                                     demo_suggestions: list[Suggestion]) -> None:
    site = demo[0].parent / "site"
    titles = {p.title for p in demo[1].data.pages.values()}
    lines: dict[str, set[str]] = {}
    checked = 0
    for s in demo_suggestions:
        page = path(s.source_url)
        if page not in lines:
            lines[page] = lines_that_are_no_sentences(site / page.strip("/") / "index.html", titles)
        # a list entry that is the target's own name, whole, is linked itself (a "Related posts" entry that lost
        # its link): that is no sentence to put a link in, it is the link's place
        entry = s.anchor == s.sentence and " ".join(tokens(s.anchor)) in demo[1].site_names.of(
            s.source_url, s.target_url).own_names
        assert entry or s.sentence not in lines[page], s
        checked += bool(lines[page])
    assert checked > 100


# ------------------------------------------------------------------ the confidence means what it says
def test_confidence_is_monotonic_with_the_hit_rate_on_rust_blog(
        holed_rust: tuple[Path, Engine, dict[str, set[str]]]) -> None:
    """Calibrated on go-blog; on rust-blog the share of suggestions that restore a hidden link rises with it."""
    _, engine, gold = holed_rust
    by_key = {path(u).rstrip("/"): u for u in engine.data.pages}
    rows: list[tuple[float, bool]] = []
    for key in sorted(gold):
        if key in by_key:
            rows.extend((s.confidence, path(s.target_url).rstrip("/") in gold[key])
                        for s in engine.suggest_from(by_key[key], 10))
    bins: list[dict[str, Any]] = []
    for lo, hi in ((0.0, 0.1), (0.1, MIN_CONFIDENCE), (MIN_CONFIDENCE, 1.01)):
        hits = [hit for c, hit in rows if lo <= c < hi]
        bins.append({"range": (lo, hi), "n": len(hits), "rate": sum(hits) / max(1, len(hits))})
    assert all(b["n"] >= 30 for b in bins), bins
    rates = [b["rate"] for b in bins]
    assert rates == sorted(rates) and rates[0] < rates[1] < rates[2], bins
    assert rates[2] >= 0.3 and rates[0] <= 0.1, bins     # roughly what it claims, not only in order
