"""Extraction and URL rules on hand-made pages (pure functions, no I/O)."""

from __future__ import annotations

import pytest

from assistant.ingest.extract import ExtractError, decode_html, extract
from assistant.text import chunk_text, sentence_at
from assistant.urls import normalize, same_site, shape, trap_reason

ARTICLE = " ".join(["Composition roots keep object graphs explicit and testable in large services."] * 6)

PAGE = f"""<!doctype html><html lang="en-GB"><head><title>Guide to wiring | Site</title>
<meta name="description" content="How to wire services.">
<link rel="canonical" href="guide/">
<base href="/docs/">
</head><body>
<header><nav><a href="/">Home</a> <a href="../about/">About</a></nav></header>
<main><article>
<h1>Guide to wiring</h1>
<p>{ARTICLE} Read the <a href="intro/" rel="nofollow sponsored">introduction to wiring</a> first.
Then see <a href="https://other.example/x?b=2&amp;a=1#frag">an external guide</a>.</p>
<p>{ARTICLE}</p>
<p><a href="diagram/"><img src="d.png" alt="Wiring diagram"></a></p>
<ul><li><a href="further/one/">Further reading one</a></li><li><a href="further/two/">Further two</a></li></ul>
<p><a href="#top">Back to top</a> <a href="mailto:x@example.com">mail</a> <a href="javascript:void(0)">js</a></p>
</article></main>
<aside class="sidebar"><a href="/recent/">Recent post</a></aside>
<div class="related-posts"><a href="/related/">Related</a></div>
<footer><a href="/privacy/">Privacy</a></footer>
</body></html>"""


def test_links_resolve_against_page_and_base_not_host_root() -> None:
    ex = extract(PAGE, "http://site.test/a/b/page/")
    targets = {link.target for link in ex.links}
    assert "http://site.test/docs/intro/" in targets               # <base href="/docs/">
    assert "http://site.test/about/" in targets                    # ../about/ against /docs/
    assert "https://other.example/x?b=2&a=1" in targets            # fragment dropped, query kept
    assert not any(t.startswith(("mailto", "javascript")) for t in targets)
    assert ex.canonical == "http://site.test/docs/guide/"


def test_placement_rel_and_anchor_kinds() -> None:
    ex = extract(PAGE, "http://site.test/docs/page/")
    by_anchor = {link.anchor: link for link in ex.links}
    for content in ("introduction to wiring", "an external guide", "Wiring diagram", "Further reading one",
                    "Further two"):
        assert by_anchor[content].placement == "content", content
    for chrome in ("Home", "About", "Recent post", "Related", "Privacy"):
        assert by_anchor[chrome].placement == "boilerplate", chrome
    assert by_anchor["introduction to wiring"].rel == "nofollow sponsored"
    assert by_anchor["Wiring diagram"].anchor_kind == "image"
    assert by_anchor["Back to top"].target == "http://site.test/docs/"   # "#top" resolves against <base>
    plain = extract(PAGE.replace('<base href="/docs/">', ""), "http://site.test/docs/page/")
    assert "Back to top" not in {link.anchor for link in plain.links}  # in-page fragment: not a link


def test_sentence_is_the_one_around_the_link_and_in_main_text() -> None:
    ex = extract(PAGE, "http://site.test/docs/page/")
    link = next(link for link in ex.links if link.anchor == "introduction to wiring")
    assert link.sentence == "Read the introduction to wiring first."
    assert link.sentence in ex.main_text
    assert ex.title == "Guide to wiring" and ex.lang == "en-gb" and ex.description == "How to wire services."
    assert ex.word_count > 60


def test_meta_robots_noindex_nofollow() -> None:
    page = PAGE.replace("<head>", '<head><meta name="ROBOTS" content="NOINDEX, nofollow">')
    ex = extract(page, "http://site.test/docs/page/")
    assert ex.noindex and ex.nofollow


@pytest.mark.parametrize(("body", "ctype", "expected"), [
    ("Grüße aus Köln".encode("latin-1"), "text/html; charset=ISO-8859-1", "Grüße aus Köln"),
    ('<meta charset="windows-1252"><p>caf\xe9</p>'.encode("cp1252"), "text/html", "café"),
    ("\ufeff<p>bom</p>".encode("utf-8"), "text/html", "<p>bom</p>"),
    ("<p>ok ü</p>".encode(), "text/html; charset=x-unknown", "<p>ok ü</p>"),
])
def test_decoding(body: bytes, ctype: str, expected: str) -> None:
    assert expected in decode_html(body, ctype)


def test_binary_garbage_is_bad_encoding() -> None:
    import random

    rng = random.Random(1)
    junk = bytes(rng.randrange(256) for _ in range(20_000))
    with pytest.raises(ExtractError) as err:
        decode_html(junk, "text/html; charset=utf-8")
    assert err.value.reason == "bad-encoding"


@pytest.mark.parametrize(("raw", "norm"), [
    ("HTTP://Example.COM:80/a/./b/../c/#x", "http://example.com/a/c/"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com:8443/p?q=1", "https://example.com:8443/p?q=1"),
    ("http://example.com/Use%2BCases/%7euser", "http://example.com/Use%2BCases/~user"),
    ("http://example.com/a b/ü", "http://example.com/a%20b/%C3%BC"),
    ("ftp://example.com/", None),
    ("http://[::1", None),
])
def test_normalize(raw: str, norm: str | None) -> None:
    assert normalize(raw) == norm


def test_trailing_slash_policy_and_scope() -> None:
    assert normalize("http://e.com/a", "add") == "http://e.com/a/"
    assert normalize("http://e.com/a.html", "add") == "http://e.com/a.html"
    assert normalize("http://e.com/a/", "strip") == "http://e.com/a"
    assert same_site("http://www.e.com/x", {"e.com"}) and not same_site("http://e.com.evil/x", {"e.com"})
    assert shape("http://e.com/cal/2026/11/?month=3&y=1") == "/cal/#/#/?month=&y="
    assert trap_reason("http://e.com/a/b/a/b/a/b/", 2000) is not None
    assert trap_reason("http://e.com/" + "x" * 3000, 2000) is not None


def test_sentence_at_and_chunks() -> None:
    text = "First one here. The second sentence holds the anchor text. Third."
    assert sentence_at(text, text.index("anchor"), "anchor text") == "The second sentence holds the anchor text."
    words = "alpha beta gamma delta. " * 200          # one "sentence" (no capital): split by words
    chunks = chunk_text("Title\n" + words, 32, lambda texts: [len(t.split()) for t in texts])
    assert all(len(c.text.split()) <= 32 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == ("Title\n" + words).split()


def test_xhtml_with_xml_declaration_parses() -> None:
    page = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
            'Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html '
            'xmlns="http://www.w3.org/1999/xhtml"><head><title>Tutorial</title></head><body>'
            '<div class="navheader"><a accesskey="p" href="prev.html">Prev</a></div>'
            f'<div class="chapter"><h2>Getting started</h2><p>{ARTICLE} See <a href="install.html">installation</a>.'
            "</p></div></body></html>")
    ex = extract(decode_html(page.encode(), "application/xhtml+xml"), "http://docs.test/15/tutorial.html")
    by_anchor = {link.anchor: link for link in ex.links}
    assert by_anchor["installation"].target == "http://docs.test/15/install.html"
    assert by_anchor["installation"].placement == "content"
    assert by_anchor["Prev"].placement == "boilerplate"


def test_title_is_the_title_element_before_a_section_heading() -> None:
    doc = f"""<html><head><title>Write-Ahead Logging</title></head><body>
    <h1>1. Overview</h1><p>{ARTICLE}</p><h1>2. How WAL works</h1><p>{ARTICLE}</p></body></html>"""
    assert extract(doc, "http://site.test/wal.html").title == "Write-Ahead Logging"
    assert extract(PAGE, "http://site.test/docs/page/").title == "Guide to wiring"          # site name stripped
    untitled = doc.replace("<title>Write-Ahead Logging</title>", "")
    assert extract(untitled, "http://site.test/wal.html").title == "1. Overview"


def test_chrome_beside_a_short_article_is_no_main_text() -> None:
    """trafilatura keeps a post's "Older: … Newer: …" block and its tag line when the article is short; that line
    would pass for a sentence to put a link in (a plan asked to link 'Keep your CV fresh' there). The chrome's
    text is pruned; its links stay boilerplate, the article's link stays content."""
    html = """<html><body><div id="menu" role="navigation"><a href="/archive/">Posts</a></div>
    <article class="entry"><h1>Looking for popover-inner?</h1>
    <div class="entry-content"><p>If you have recently upgraded your version of Bootstrap from 2 to 3 then you might
    be wondering why some of your popovers are not working as you might expect, says
    <a href="/2013/01/01/css/">my CSS notes</a>.</p></div>
    <div class="entry-tags">Tagged: <a href="/tags/css/">CSS</a>, <a href="/tags/bootstrap/">Bootstrap</a></div>
    <div class="entry-nav"><span class="older">Older: <a href="/2013/10/06/blog/" rel="prev">Good things happen
    to those that blog</a></span> <span class="newer">Newer: <a href="/2013/10/17/cv/" rel="next">Keep your CV
    fresh</a></span></div></article>
    <div id="colophon" role="contentinfo"><p>© Toby. All rights reserved.</p></div></body></html>"""
    page = extract(html, "https://site.test/2013/10/07/popover/")
    assert "Bootstrap from 2 to 3" in page.main_text
    for chrome in ("Older", "Newer", "Keep your CV", "Tagged", "All rights reserved"):
        assert chrome not in page.main_text, chrome
    placement = {link.anchor: link.placement for link in page.links}
    assert placement["my CSS notes"] == "content"
    assert {placement["Keep your CV fresh"], placement["CSS"], placement["Posts"]} == {"boilerplate"}


def test_an_article_inside_a_chrome_looking_wrapper_keeps_its_text() -> None:
    """A class that looks like chrome on the element around most of the text ("has-sidebar") prunes nothing."""
    body = " ".join(f"Sentence {i} of a long article about goroutines and channels." for i in range(40))
    html = f"""<html><body><div class="layout has-sidebar"><div><p>{body}</p>
    <p>See <a href="/blog/pipelines/">the pipelines post</a> for more.</p></div></div></body></html>"""
    page = extract(html, "https://site.test/blog/x/")
    assert "Sentence 39 of a long article" in page.main_text
