"""Series of posts and the words that point at one of them; list entries that are a page's name (issue 17)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from types import SimpleNamespace
from typing import cast

from assistant.suggest import phrases
from assistant.suggest.anchors import Names
from assistant.suggest.candidates import Candidates, Mention, Phrase, title_forms
from assistant.suggest.load import Page, SiteData
from assistant.suggest.naming import SiteNames
from assistant.suggest.placing import place
from assistant.suggest.series import Member, ordered, part_number, reference, series_key


def test_series_keys_and_order() -> None:
    assert series_key("July 2023 Leadership Council Update") == "leadership council update"
    assert series_key("Senior executives part 2: Work outside the traditional hierarchy") == "senior executives"
    assert series_key("Introduction to remote moderated usability testing, part 2: How") == \
        "introduction to remote moderated usability testing"
    assert series_key("Topic: agile") == ""                           # one word is no series' name
    assert part_number("Buying better digital products part 3: Mapping user stories") == 3
    assert part_number("Senior executives are the allies tech teams need, part one") == 1
    dated = [Member("/b", "March 2024 Council Update", date(2024, 3, 1)),
             Member("/a", "July 2023 Council Update", date(2023, 7, 1))]
    assert ordered(dated) == (["/a", "/b"], None)
    parts = [Member("/x", "Part 3: How", date(2020, 1, 1)), Member("/y", "Part 2: Why", date(2020, 2, 1))]
    assert ordered(parts) == (["/y", "/x"], {"/x": 3, "/y": 2})     # the part numbers, not the dates


def test_a_series_reference_names_one_post() -> None:
    updates = ["/2023-07", "/2023-11", "/2024-03"]
    last = reference(updates, "leadership council update", "/2023-11", "/2023-07")
    assert last is not None and last.search("since our last update in July").group(0) == "last update"
    assert reference(updates, "leadership council update", "/2024-03", "/2023-07").search(  # type: ignore[union-attr]
        "since our last update") is None                             # not the update right before it
    first = reference(updates, "leadership council update", "/2024-03", "/2023-07")
    assert first is not None and first.search("In the first update of this series, we …") is not None
    # "a previous blog post" of a series ordered by date is its author's other post: no reference
    releases = ["/1.11", "/1.12"]
    announced = reference(releases, "announcing rust", "/1.12", "/1.11")
    assert announced is None or not announced.search("in a previous blog post, or in my first blog post")
    numbered = ["/part-2", "/part-3"]                   # part 1 is named otherwise: not of this series by its title
    pattern = reference(numbered, "senior executives", "/part-3", "/part-2", {"/part-2": 2, "/part-3": 3})
    assert pattern is not None
    assert pattern.search("(see part 2 for a definition)").group(0) == "part 2"  # type: ignore[union-attr]
    assert pattern.search("as the previous post explained").group(0) == "previous post"  # type: ignore[union-attr]
    assert pattern.search("see part 1") is None


def test_relative_words_are_generic_but_numbered_names_are_not() -> None:
    for anchor in ("the second post", "previous blog post", "last week's newsletter", "prior years", "part 2"):
        assert phrases.generic(anchor), anchor
    for anchor in ("Newsletter #37", "episode 12", "Leadership Council update"):
        assert not phrases.generic(anchor), anchor


def test_a_list_entry_that_is_the_targets_name_is_linked_whole() -> None:
    """A series' list of its parts (or a "Related posts" list) names the target in an entry that lost its link:
    the entry is the anchor. A lone short line is a heading, and stays no place for a link."""
    title = "Human-centered design for IT centralization, part 2 - Deciding whether or not to centralize"
    forms = frozenset(title_forms(title)) - {"human centered design for it centralization"}
    names = Names(own=" ".join(title_forms(title)[:1]), forms=forms)
    text = ("Our multi-part series shares learnings from real scenarios, with a focus on the following topics:\n"
            "Deciding whether or not to centralize\nWorking with vendors to build a centralized solution\n"
            "While there is no one method for IT centralization, there are helpful methods you can use.")
    placed = place(text, [], Counter(), {"centralize": 1.0}, names=names)
    assert placed is not None and placed.anchor == placed.sentence == "Deciding whether or not to centralize"
    heading = ("IT centralization is hard and it takes a long time to get right for the people involved.\n"
               "Deciding whether or not to centralize\n"
               "Agencies weigh the costs of moving to a shared service against keeping their own.")
    alone = place(heading, [], Counter(), {"centralize": 1.0}, names=names)
    assert alone is None or alone.sentence != "Deciding whether or not to centralize"


def test_title_forms_are_names_not_pieces_of_words() -> None:
    """A dot inside a word ends no clause ("pkg.go.dev" made "dev has a new look" a form); a name after a colon is
    one ("cam macdonell" of "2016 Election: Cam Macdonell"), a pronoun clause is not ("we are 18f")."""
    assert title_forms("Pkg.go.dev has a new look!") == ("pkg go dev has a new look",)
    assert "cam macdonell" in title_forms("2016 Election: Cam Macdonell")
    assert "we are 18f" not in title_forms("Hello, World! We Are 18F")
    assert "guide to the 18f writing lab" in title_forms("A guide to the 18F Writing Lab")
    assert "senior executives are the allies tech teams need" in title_forms(
        "Senior executives are the allies tech teams need, part 1")


def test_a_name_of_several_pages_is_the_one_the_source_speaks_of() -> None:
    """"Belinda Weaver" names her 2016 and her 2017 nomination (and a tag page): on "Meet the 2016 Election
    Candidates" it is the 2016 one, whose title shares "2016 election" with the source's; a page that shares
    nothing more with either does not decide."""
    pages = {u: Page(u, t, "", 10, None, None) for u, t in {
        "/meet": "Meet the 2016 Election Candidates", "/w16": "2016 Election: Belinda Weaver",
        "/w17": "2017 Election: Belinda Weaver", "/tag": "Belinda Weaver", "/news": "What we did this week"}.items()}
    # only what naming reads of the site: its pages, the anchors of its links, its listing pages
    data = cast(SiteData, SimpleNamespace(pages=pages, anchors={}, hubs={"/tag"}, link_anchors={}))
    names = SiteNames(Candidates(data))
    assert "belinda weaver" in names.forms("/w16", "/meet")
    assert "belinda weaver" not in names.forms("/w17", "/meet")
    assert "belinda weaver" not in names.forms("/w16", "/news")


def test_a_series_list_entry_and_a_survey_series() -> None:
    """go-blog's module series lists its parts as "Part 1 — Using Go Modules": the title after the part marker is the
    anchor; its surveys are one series whatever their half-year ("2024 H1"), and "our previous survey" on one
    results post is the results post before it."""
    text = ("This post is part 4 in a series.\nPart 1 — Using Go Modules\nPart 2 — Migrating To Go Modules\n"
            "Part 4 — Go Modules: v2 and Beyond (this post)\nAs a successful project matures, features change.")
    placed = place(text, [], Counter(), {"migrating": 1.0}, names=Names(own="migrating to go modules"))
    assert placed is not None and placed.anchor == "Migrating To Go Modules"
    assert placed.sentence == "Part 2 — Migrating To Go Modules"
    key = series_key("Go Developer Survey 2024 H1 Results")
    assert key == series_key("Go Developer Survey 2023 H2 Results") == "go developer survey results"
    previous = reference(["/2023-h2", "/2024-h1"], key, "/2024-h1", "/2023-h2")
    assert previous is not None
    assert previous.search("Our previous survey asked Go developers").group(0) == "previous survey"  # type: ignore[union-attr]


def test_another_pages_relative_anchor_names_nothing() -> None:
    """"previous survey" linked from one results post to the one before it is no name of that post on a third page."""
    pages = {"/s": Page("/s", "Go Developer Survey 2023 H2 Results", "", 10, None, None)}
    data = cast(SiteData, SimpleNamespace(pages=pages, anchors={"/s": Counter({"previous survey": 2, "H2 survey": 1})},
                                          stored=lambda: None))
    keys = {p.key for p in Candidates(data).phrases("/s")}
    assert "h2 survey" in keys and "previous survey" not in keys


def test_the_name_of_a_series_is_no_anchor_for_one_of_its_posts() -> None:
    """"development cycle" names every "This Development-cycle in Cargo: 1.NN": a mention of it is no anchor for
    the 1.77 post; a phrase of that post's own is."""
    text = "We looked at the development cycle again. Workspace members now build faster than before."
    strong = [Mention(Phrase("development cycle", "ngram", 0.55), 0.5),
              Mention(Phrase("workspace members", "anchor", 0.9), 0.3)]
    names = Names(own="this development cycle in cargo 1 77",
                  series=frozenset({"this", "development", "cycle", "in", "cargo"}))
    placed = place(text, strong, Counter(), {}, names=names)
    assert placed is not None and placed.anchor == "Workspace members"


def test_a_task_needs_an_anchor_that_names_the_target() -> None:
    """plan and suggest --all keep a suggestion at min_confidence when its anchor is an unlinked mention of the target
    or names it (every word of the anchor is one of the target's): "dto object" in a passage on naming by role names
    something else. At min_confidence 0 every suggestion is kept."""
    from assistant.suggest import Suggestion

    passage = Suggestion("/a", "/b", "dto object", "Could we pass the dto object on?", 0.5, confidence=0.51)
    mention = Suggestion("/a", "/b", "Name by role", "See Name by role.", 0.5, mentioned=True, named=True,
                         confidence=0.51)
    named = Suggestion("/a", "/b", "role names", "Use role names.", 0.5, anchor_fit=0.4, named=True,
                       confidence=0.51)
    assert not passage.actionable(0.3) and mention.actionable(0.3) and named.actionable(0.3)
    assert not named.actionable(0.6) and passage.actionable(0.0)


def test_an_anchor_takes_the_run_of_the_target_title_it_ends() -> None:
    """The unseen blog's plan linked "data generator" (of "an FsCheck test data generator") and "errors" (of "treat all
    warnings as errors"): the words before the anchor that continue the target's title are its modifiers. Across a
    function word only from where a phrase starts: "dependency management in Go" holds no "management in Go"."""
    from assistant.suggest.anchors import Placement
    from assistant.suggest.candidates import tokens
    from assistant.suggest.placing import with_title_run

    def run(anchor: str, sentence: str, title: str, linked: tuple[tuple[str, str], ...] = ()) -> str:
        names = Names(own=" ".join(tokens(title)), linked=linked, df=lambda key: 0)   # the site writes no compound
        return with_title_run(Placement(anchor, sentence, False, "passage"), names).anchor

    generator = "It can also be a data source for an FsCheck test data generator:"
    assert run("data generator", generator, "The Test Data Generator functor") == "test data generator"
    fscheck = Names(own="the test data generator functor", df=lambda key: 5 if key == "fscheck test" else 0)
    passage = Placement("data generator", generator, False, "passage")      # the site writes "FsCheck test" often
    assert with_title_run(passage, fscheck).anchor == "FsCheck test data generator"
    warnings = "The earlier you treat all warnings as errors, the easier it is."
    assert run("errors", warnings, "Warnings-as-errors friction") == "warnings as errors"
    assert run("errors", "Treat warnings, as errors, early.", "Warnings-as-errors friction") == "errors"
    toolchain = "Forward Compatibility and Toolchain Management in Go 1.21"
    assert run("Go", "This is dependency management in Go today.", toolchain) == "Go"
    assert run("Go", "This is toolchain management in Go today.", toolchain) == "toolchain management in Go"
    assert run("memory model", "Read the Go memory model first.", "The Go Memory Model") == "Go memory model"
    assert run("Go", "Developers could go back to using Go 1.5.", "Using Go Modules") == "Go"   # a participle
    assert run("memory model", "Read the Go memory model first.", "The Go Memory Model",
               (("Go", "Read the Go memory model first."),)) == "memory model"          # "Go" is a link already
    title = Placement("memory model", "Read the Go memory model first.", True, "title")
    assert with_title_run(title, Names(own="the go memory model")) is title


def test_my_previous_post_is_the_latest_earlier_of_the_best_targets() -> None:
    """"In my previous post, I talked about …" points at the post its author published last before the source on its
    topic: of the source's three best targets, the latest earlier one; none when two share that day or when the source
    already links to a later earlier post. "A previous post" (any of them) is no such reference."""
    import re

    from assistant.suggest.series import PREVIOUS_POST, is_previous_post, previous_post

    days = {"/a": date(2016, 9, 24), "/b": date(2016, 9, 29), "/c": date(2016, 10, 2), "/d": date(2016, 11, 1),
            "/e": date(2016, 9, 29)}
    born = date(2016, 10, 24)
    assert previous_post(["/a", "/b", "/d", "/c"], born, days.get, []) == "/b"       # /c is not among the best 3
    assert previous_post(["/a", "/b", "/e"], born, days.get, []) is None             # two of that day
    assert previous_post(["/a", "/b"], born, days.get, ["/c"]) is None               # it links to a later one
    assert previous_post(["/d"], born, days.get, []) is None and previous_post(["/a"], None, days.get, []) is None
    words = re.compile(PREVIOUS_POST, re.IGNORECASE)
    found = [m.group(0) if (m := words.search(s)) else None for s in
             ("In my previous post, I talked", "My last blog post", "as I argued in a previous post",
              "the last post of the series", "The last post covered the basics.")]
    assert found == ["previous post", "last blog post", None, None, "last post"]
    assert is_previous_post("previous post") and not is_previous_post("second post")


def test_title_forms_and_quoted_names() -> None:
    """A title's closing hashtags are no words of its name; a mention that closes a quotation opened before it takes
    the opening mark ('"Tootsie Pop" model for unsafe code'), and no word is dropped across a quote mark."""
    from assistant.suggest.anchors import from_mentions

    assert title_forms("Dare to ask for more #rust2024")[-1] == "dare to ask for more"
    assert title_forms("This Week in Rust #37") == ("this week in rust 37",)
    sents = ['A while back, I wrote up a proposal I called the "Tootsie Pop" model for unsafe code.']
    names = Names(own="the tootsie pop model for unsafe code", forms=frozenset({"tootsie pop model for unsafe code"}),
                  df=lambda key: 0)
    found = [Mention(Phrase("tootsie pop model", "anchor", 0.9), 0.63),
             Mention(Phrase("tootsie pop model for unsafe code", "part", 0.8), 0.61)]
    placed = from_mentions(sents, found, Counter(), names)
    assert placed is not None and placed.anchor == '"Tootsie Pop" model for unsafe code'


def test_a_verb_form_is_no_anchor_of_its_own() -> None:
    """One page linked "constrained" to "Toward Go 2"; every page that wrote the word was then offered that link
    (confidence 0.61 in the demo's `suggest --to`). A one-word anchor that is a verb form names no page."""
    from assistant.suggest.candidates import weak_word

    assert weak_word("constrained") and weak_word("using") and weak_word("released")
    assert not weak_word("generics") and not weak_word("gopls") and not weak_word("embed")
