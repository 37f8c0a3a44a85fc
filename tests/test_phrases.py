"""Anchors are whole phrases about the target; sentences are prose (issue 17). Pure functions, real text from
the demo's and the corpora's pages."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.suggest import phrases
from assistant.suggest.anchors import Names, Placement, anchor_ok, split_sentences, title_line
from assistant.suggest.fit import anchor_fit, broader, names_whole, naming_words
from assistant.suggest.placing import place, with_topic_of

DEP = "To provide feedback and help shape the future of dependency management in Go, please send us bug reports."


def span(sentence: str, anchor: str) -> tuple[int, int]:
    i = sentence.index(anchor)
    return i, i + len(anchor)


@pytest.mark.parametrize(("sentence", "anchor", "ok"), [
    (DEP, "management in Go", False),                 # cut out of "dependency management in Go"
    (DEP, "dependency management in Go", True),
    ("Developers in this situation could go back to using Go 1.5, but that's not very satisfying.", "using Go", False),
    ("Developers in this situation could go back to using Go 1.5, but that's not very satisfying.", "Go 1.5", True),
    ("In August we delivered the first rough implementation, called Go modules, in Go 1.11.", "Go modules", True),
    ("In other words, it might be that the changes from (2) to (3) are incompatible.", "2) to (3", False),
    ("Go modules make it easy to version code.", "Go modules", True),
    ("It now offers support for most basic IDE operations.", "now offers", False),
    ("The Libz Blitz proceeds apace!", "Libz Blitz", True),
    ("a second Content Delivery Network (CDN) for static files", "Content Delivery", False),
    ("In April we posted an update about Rust's WASI targets to the main Rust blog.", "Rust's WASI targets", True),
    ("They take place during our design meeting most weeks.", "design meeting", True),
    ("Since Rust 1.19.0, it has been possible to coerce closures.", "Rust 1.19", False),   # inside the version
    ("Since Rust 1.19.0, it has been possible to coerce closures.", "Rust 1.19.0", True),
    ("If the build then packages that file using a tool like tar, the result differs.", "file using", False),
    ("Better error handling in Go is coming.", "error handling", True),
    ("The godoc.org site now redirects to pkg.go.dev for everyone.", "dev", False),     # cut out of a host
    ("The new math/rand/v2 package has faster generators.", "v2", False),              # cut out of a path
    ("Edit the go.mod file by hand.", "go.mod file", True),
    # a determiner right after the span: its last word was a verb (an unseen blog's plan linked this)
    ("The Select method obeys the first functor law.", "Select method obeys", False),
    ("The Select method obeys the first functor law.", "first functor law", True),
    ("The design decision that we made was simple.", "design decision", True),       # "that" may be a relative
    ("Some monads, like Maybe, Either and Reader, nest nicely.", "like Maybe", False),  # a preposition
    ("We had a sold out RustCamp last August, and more events.", "RustCamp last", False),  # "last" modifies August
    ("We had a sold out RustCamp last August, and more events.", "RustCamp", True),
    ("This is one of many reasons to be wary of AI-generated source code.", "AI-generated", False),
    ("This is one of many reasons to be wary of AI-generated source code.", "AI-generated source code", True),
    # a number sign is part of a numbered name (an unseen newsletter site links "Newsletter #37" to issue 37)
    ("It builds on the work done for addrv2 messages (see Newsletter #37), but is less flexible.", "Newsletter #37",
     True),
    ("It builds on the work done for addrv2 messages (see Newsletter #37), but is less flexible.", "Newsletter", False),
    ("The fix landed in Eclair #1247.", "Eclair #1247", True),
    ("Both options, A # B, were discussed.", "A # B", False),
])
def test_whole_phrases(sentence: str, anchor: str, ok: bool) -> None:
    assert phrases.whole(sentence, *span(sentence, anchor)) is ok


def test_the_site_decides_what_a_compound_is() -> None:
    """A noun before the span joins it only where the site writes the two together."""
    sentence = "We must not split the Go ecosystem."
    assert phrases.whole(sentence, *span(sentence, "Go ecosystem"))
    s2 = "the exported API of a package"
    assert phrases.whole(s2, *span(s2, "exported API"))          # "exported" only modifies
    s4 = "Try the Go fuzzing beta today."                         # "Go" names, it does not modify
    assert not phrases.whole(s4, *span(s4, "fuzzing"), df=lambda key: 3 if key == "go fuzzing" else 0)
    s3 = "please look at the protobuf module docs"
    assert not phrases.whole(s3, *span(s3, "protobuf module"))   # no df: any noun after it goes on
    assert phrases.whole(s3, *span(s3, "protobuf module"), df=lambda key: 0)


@pytest.mark.parametrize("anchor", ["new version", "real problem", "the same size", "five years", "past five",
                                    "August 18", "last week", "Tuesday morning"])
def test_generic_phrases(anchor: str) -> None:
    assert not phrases.generic("Sunshine Week") and not phrases.generic("March Madness bracket")
    assert phrases.generic(anchor)


def test_generic_and_taken_phrases_are_no_anchor() -> None:
    sentence = "See Go Modules in 2019 for more information."
    taken = {"go modules in 2019"}
    assert phrases.whole(sentence, *span(sentence, "Go Modules"))
    assert not anchor_ok(sentence, *span(sentence, "Go Modules"), Names(taken=taken.__contains__))
    s2 = "The new version is around 3.8% faster!"
    assert not anchor_ok(s2, *span(s2, "new version"), Names())


def test_headings_and_list_titles_are_not_sentences() -> None:
    text = "An Update on Go 2\nGo 1.21 includes new features to improve compatibility.\nCreating a new module"
    assert list(split_sentences(text)) == ["Go 1.21 includes new features to improve compatibility."]
    steps = "Creating a new module.\nAdding a dependency.\nUpgrading dependencies.\nLet's create a new module."
    assert list(split_sentences(steps)) == ["Let's create a new module."]     # a list of steps, then prose
    assert list(split_sentences("Go 1.21 is out.\nHappy birthday, Go!")) == ["Go 1.21 is out."]
    assert not title_line("The compiler now inlines more calls.")              # six words: a sentence
    tags = "Topics Ruby 365 JavaScript CSS PHP Twitter Git Review Google Design Linux Ruby on Rails"
    run_on = "The following example shows how the new API handles every request that reaches the server"
    assert list(split_sentences(f"{tags}\n{run_on}")) == [run_on]    # a long line without a full stop needs a verb
    assert place(text, [], Counter(), {"go": 1.0, "2": 2.0}) is None or \
        place(text, [], Counter(), {"go": 1.0, "2": 2.0}).sentence != "An Update on Go 2"   # type: ignore[union-attr]


def test_the_anchor_is_about_the_target() -> None:
    opaque = naming_words("Go Protobuf: The new Opaque API", ["Opaque API"], "https://go.dev/blog/protobuf-opaque/")
    spec = {"protobuf": 0.9, "module": 0.5, "opaque": 0.95, "api": 0.6, "new": 0.1, "version": 0.2}.get
    assert anchor_fit("protobuf module", opaque, lambda w: spec(w, 0.5)) == 0.0      # its head names another thing
    assert anchor_fit("Opaque API", opaque, lambda w: spec(w, 0.5)) == 1.0
    modules = naming_words("Using Go Modules", [], "https://go.dev/blog/using-go-modules/")
    assert anchor_fit("Go modules", modules, lambda w: 0.5) == 1.0
    assert anchor_fit("modules", modules, lambda w: 0.2) == pytest.approx(0.2)     # a bare common word: weak
    visitor = naming_words("Visitor as a sum type", [], "https://blog.example/2018/06/25/visitor-as-a-sum-type/")
    assert anchor_fit("return type", visitor, lambda w: 0.5) > 0                   # its head noun is the target's,
    title, specific = "Visitor as a sum type", lambda w: 0.5
    assert not names_whole("return type", visitor, title, specific)
    assert names_whole("sum types", visitor, title, specific)
    assert not names_whole("visitor", visitor, title, specific) and names_whole("Traversals", visitor, "Traversals",
                                                                                 specific)
    relax = naming_words("Go relax", [], "https://blog.example/fragments/go-relax/")
    assert not names_whole("go relax", relax, "Go relax", specific, mentioned=True)    # "a way to go relax": words
    assert names_whole("Go relax", relax, "Go relax", specific, mentioned=True)        # written as the name


def test_an_anchor_broader_than_the_title_names_another_thing() -> None:
    """"Lifetimes in Rust" is broader than "Rvalue lifetimes in Rust", "RFC process" than "the pre-RFC process"; an
    adjective, a verb, a word on most of the site's pages or a series' part narrow nothing."""
    site = {"rust": 0.02, "18f": 0.05}
    spec = lambda w: site.get(w, 0.5)   # noqa: E731
    assert broader("Lifetimes in Rust", "Rvalue lifetimes in Rust", spec)
    assert broader("design sprint", "Compiler design sprint summary", spec)
    assert broader("RFC process", "AiC: Improving the pre-RFC process", spec)
    for anchor, title in [("Go modules", "Using Go Modules"), ("Opaque API", "Go Protobuf: The new Opaque API"),
                          ("test data generator", "The Test Data Generator functor"),
                          ("Libz Blitz", "The Rust Libz Blitz"),
                          ("micro-purchase platform", "Announcing the 18F Micro-purchase Platform"),
                          ("part 2", "Senior executives part 2: Work outside the hierarchy")]:
        assert not broader(anchor, title, spec), anchor


def test_a_code_identifier_is_an_anchor_only_for_a_page_that_names_it() -> None:
    """In a sentence on the target's topic, "WillAccept" still names a method, not the page (an unseen blog's plan
    linked it to an article on naming)."""
    text = ("The Domain Model in question, an immutable class named MaitreD, uses the WillAccept method to decide "
            "whether to accept a reservation request.")
    weights = {"willaccept": 2.0, "method": 0.2, "reservation": 0.1}
    other = place(text, [], Counter(), weights, names=Names(own="name by role"))
    assert other is None or "WillAccept" not in other.anchor
    named = place(text, [], Counter(), weights, names=Names(own="the willaccept method"))
    assert named is not None and "WillAccept" in named.anchor


def test_a_quoted_title_is_the_anchor_commas_and_all() -> None:
    """A sentence that quotes the target's title names the page: the quoted title is the anchor, not a phrase cut
    out of it ("Backward Compatibility" of “Backward Compatibility, Go 1.21, and Go 2”, as go-blog's /blog/14years/
    had it), even past the 6 words of other anchors; a quotation that is not the title changes nothing."""
    text = ("Go 1.21 keeps old programs working. See the blog post “Backward Compatibility, Go 1.21, and Go 2” for an "
            "overview and the documentation “Go, Backwards Compatibility, and GODEBUG” for details.")
    own = Names(own="backward compatibility go 1 21 and go 2")
    placed = place(text, [], Counter(), {"compatibility": 1.0, "backward": 1.0}, names=own)
    assert placed is not None and placed.anchor == "Backward Compatibility, Go 1.21, and Go 2" and placed.mentioned
    assert placed.anchor in placed.sentence
    linked = Names(own=own.own, linked=(("Backward Compatibility, Go 1.21, and Go 2", ""),))
    again = place(text, [], Counter(), {"compatibility": 1.0, "backward": 1.0}, names=linked)
    assert again is None or again.anchor != "Backward Compatibility, Go 1.21, and Go 2"   # it is linked already
    other = place(text, [], Counter(), {"godebug": 1.0}, names=Names(own="go 1 21 release notes"))
    assert other is None or other.anchor != "Backward Compatibility, Go 1.21, and Go 2"


def test_a_short_quotation_is_one_unit() -> None:
    """Words inside a short quotation are no anchor on their own ("World" of 'we said, "Hello, World!"', an unseen
    blog's suggestion); the quotation is, when it is the target's title or its first clause."""
    text = ('One year ago we said, "Hello, World!" and launched not only a new team, but also the promise of a new '
            "way of working.")
    weights = {"world": 1.0, "hello": 1.0}
    assert place(text, [], Counter(), weights, names=Names(own="other title")) is None
    head = Names(own="hello world we are 18f", forms=frozenset({"hello world"}))
    placed = place(text, [], Counter(), weights, names=head)
    assert placed is not None and placed.anchor == "Hello, World!"


def test_names_with_capital_function_words_and_glued_words_are_not_cut() -> None:
    """"Hands" of "Rust All Hands", "Test" of "System Under Test", "init" of "Podcast.__init__" and "C" of "C#" are
    pieces of a name (rust-blog's, an unseen blog's and a newsletter's suggestions had them)."""
    def ok(sentence: str, part: str) -> bool:
        at = sentence.index(part)
        return anchor_ok(sentence, at, at + len(part), Names())
    assert not ok("I made many friends at the Rust All Hands, which makes Rust a hobby.", "Hands")
    assert not ok("It has more on the System Under Test (SUT), repeated here.", "Test")
    assert not ok("She was interviewed by the Podcast.__init__ team.", "init")
    assert not ok("This is part of a series about the IO container in C#.", "IO container in C")
    assert ok("Since then Rust has a new home.", "Rust")


def test_the_post_a_sentence_is_about_takes_the_link() -> None:
    """A mention introduced as the topic of a post ("a small series of articles about personal pendulum swings")
    is linked with those words: the writer points at the post, named by its topic."""
    placed = with_topic_of(Placement("pendulum swings", "This is an article in a small series of articles about "
                                     "personal pendulum swings.", True, "ngram"), Names())
    assert placed.anchor == "small series of articles about personal pendulum swings"
    assert with_topic_of(Placement("modules", "We wrote a post about how modules work.", True, "ngram"),
                         Names()).anchor == "modules"                 # "how …" is a clause, not a topic
    title = Placement("Go Modules", "See the post about Go Modules.", True, "title")
    assert with_topic_of(title, Names()) is title                      # the target's own name stays as it is


def test_a_lone_adjective_is_an_anchor_only_for_a_page_titled_with_it() -> None:
    """"subjective" linked to an article on subjectivity names nothing (an unseen blog's plan had it in its top
    20); "idiomatic" names "Idiomatic or idiosyncratic?", whose authors link it so; "library" is a noun."""
    sentence = "You're expected to not involve yourself, ostensibly because this appears subjective and idiomatic."
    at = sentence.index("subjective")
    assert not anchor_ok(sentence, at, at + len("subjective"), Names(own="subjectivity"))
    at = sentence.index("idiomatic")
    assert anchor_ok(sentence, at, at + len("idiomatic"), Names(own="idiomatic or idiosyncratic"))
    lib = "I used the library in production."
    assert anchor_ok(lib, lib.index("library"), lib.index("library") + 7, Names(own="to id or not to id"))
