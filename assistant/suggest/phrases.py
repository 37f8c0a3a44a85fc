"""What a person would link: whole noun phrases and names, never a span cut out of one. Pure.

A rule set over the words of a sentence, not a statistical tagger: no tagger on the package registry ships its
model offline at a size and speed that suits this (spaCy's models come from elsewhere, NLTK's data is a
download), and an anchor needs only its two edges checked.

* Inside: content words joined by a space, a hyphen or a possessive, with joiners ("history of Go") between;
  no punctuation ("2) to (3"), no other function word, no lowercase verb except a closing gerund ("design
  meeting") that no object follows ("file using a tool" is a verb's); it neither starts nor ends with a
  function word or a verb ("the same size", "using Go").
* At the edges: the phrase does not go on. It goes on across a hyphen, a possessive or punctuation with no space
  around it ("dev" of "pkg.go.dev", "v2" of "math/rand/v2" are cut out of a name); into a number after it
  ("Go 1.5"); from one capitalised word to the next ("Content Delivery Network"); and into a noun-like word
  that the site writes together with the edge word on two or more pages ("dependency management": then
  "management in Go" is a fragment). An adjective, a number or a verb before the span only modifies it, and a
  lowercase word after a capitalised name ends it ("Libz Blitz proceeds").
* Generic: every word a function word, a generic modifier, a number or a generic noun ("new version", "real
  problem", "five years"): it says nothing about any one target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from itertools import pairwise

_WORD = re.compile(r"[^\W_]+(?:(?<=\d)\.(?=\d)[^\W_]+)*", re.UNICODE)
def _words(text: str) -> list[str]:
    return text.split()


FUNCTION = frozenset(_words("""
a about above across after against all almost along already also although always am among an and another any
anything are around as at away be because been before behind being below beside besides between both but by
can cannot could did do does doing done down during each either else enough etc even ever every everything few
for from further had has have having he her here hers herself him himself his how however i if in inside
instead into is it its itself just least less many may me might mine more most much must my myself neither
never no nor not nothing now of off often on once one only onto or other others otherwise our ours ourselves
out over own per perhaps quite rather really same several shall she should since so some something sometimes
soon still such than that the their theirs them themselves then there therefore these they this those though
through throughout thus to together too toward towards under unless until up upon us usually very via was we
well were what whatever when whenever where whether which while who whom whose why will with within without
would yet you your yours yourself yourselves let lets
everyone everybody someone somebody anyone anybody nobody everywhere anywhere somewhere
s t d ll re ve m
isn aren wasn weren don doesn didn hasn haven hadn couldn shouldn wouldn mustn needn
"""))

# common verbs (every form is derived below): a verb ends a noun phrase ("Go modules make it easy")
_VERBS = _words("""
accept access add allow apply ask avoid become begin believe break bring build buy call change check choose
come compile complete consider contain continue copy create cut decide define delete depend describe design
develop do download drop enable end ensure expect explain fail feel find finish fix follow force get give go
grow happen help hold implement import improve include increase install introduce keep know lead learn leave
let like link list live load look lose make mean meet move need note notice offer open pass pay plan point
prefer prepare present prevent print produce provide publish put read receive reduce refer release remain
remember remove replace report require return run save say see seem send serve set share show sign solve
speak spend start stay stop suggest support take talk tell tend test think try turn understand update upgrade
use wait want watch work write
""")
_IRREGULAR = _words("""
am are is was were been being has had does did done gone went got gotten made said saw seen took taken came
gave given knew known thought found told became began begun brought built bought chose chosen felt held kept
led left lost meant met paid put read ran sent set showed shown spoke spoken spent stood understood wrote
written broke broken grew grown
""")

ADJECTIVES = frozenset(_words("""
new old big small large great good bad best better worse worst first last next previous same different other
main major minor many multiple several various real actual current latest recent early earlier late later
simple easy hard common important useful possible available whole full entire certain specific general
particular own high low long short few little free open public private official basic additional existing
similar single double original standard future past present modern final initial key top prior preceding second
third fourth fifth sixth seventh eighth ninth tenth following upcoming
"""))
_ADJ_SUFFIX = ("able", "ible", "al", "ful", "ic", "ive", "ous", "less", "ary", "ed")
# endings of words that are nouns, never verbs ("-ment" and "-ence" are not: "implement", "reference")
_NOUN_SUFFIX = ("ation", "ization", "isation", "ness", "ity", "ism", "ship")

GENERIC_NOUNS = frozenset(_words("""
version versions problem problems issue issues thing things way ways part parts step steps time times example
examples case cases point points change changes feature features idea ideas result results number numbers set
kind kinds type types lot fact facts reason reasons question questions option options section sections people
person year years day days size work detail details value values place places end start list lists item items
area areas form level levels side term terms line lines rest bit bits instance instances matter matters
approach approaches topic topics stuff case situation situations system systems
"""))
# what a blog calls its own posts: "the second post", "our last update", "last week's newsletter" point somewhere
# only from the page that writes them (a series' own references are :mod:`assistant.suggest.series`'s)
POST_NOUNS = frozenset(_words("""
post posts blog blogs article articles entry entries installment installments update updates newsletter newsletters
report reports edition editions episode episodes chapter chapters writeup writeups piece pieces series trilogy
announcement announcements coverage
"""))



@cache
def _verb_forms() -> frozenset[str]:
    forms = set(_IRREGULAR)
    for v in _VERBS:
        stem = v[:-1] if v.endswith("e") and not v.endswith("ee") else v
        forms.update({v, v + "s", v + "es", stem + "ed", stem + "ing", v + "ing"})
        if v.endswith("y"):
            forms.update({v[:-1] + "ies", v[:-1] + "ied"})
    return frozenset(forms)


@lru_cache(maxsize=1024)
def spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, lowercased word) of each word; a version's dots stay inside its word ("1.21"). Cached: the
    edges of every candidate span of one sentence are checked against the same words."""
    return tuple((m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text))


def is_function(word: str) -> bool:
    return word in FUNCTION


def is_verb(word: str) -> bool:
    return word in _verb_forms() or (len(word) > 4 and word.endswith("ly"))


AUXILIARIES = frozenset(_words("can cannot could will would shall should may might must do does did has have had"))


def finite(word: str) -> bool:
    """A verb form that can carry a clause ("is", "adds", "created", "can"), not a gerund or participle in -ing."""
    return word in AUXILIARIES or (word in _verb_forms() and not word.endswith("ing"))


def is_modifier(word: str) -> bool:
    """A word that only modifies the noun after it (a phrase may start after it): "new", "multiple"."""
    return (word in ADJECTIVES or word.isdigit() or is_verb(word)
            or (len(word) > 5 and word.endswith(_ADJ_SUFFIX)))


def is_adjective(word: str) -> bool:
    """A word that is most likely an adjective: a known one, or one of 6+ letters with an adjective's ending
    ("subjective", "functional", "readable"); "-ed" is a verb's as often, "-ary" a noun's ("library")."""
    return word in ADJECTIVES or (len(word) > 5 and word.endswith(_ADJ_SUFFIX) and not word.endswith(("ed", "ary")))


def runs_of(words: list[str], part: list[str]) -> list[int]:
    """Where ``part`` stands in ``words``, word for word (the start of each occurrence)."""
    n = len(part)
    return [i for i in range(len(words) - n + 1) if words[i:i + n] == part] if n else []


def _capital(text: str, span: tuple[int, int, str]) -> bool:
    return text[span[0]].isupper()


def _verbish(text: str, span: tuple[int, int, str]) -> bool:
    """A lowercase verb form (a capitalised one may be a name: "Go")."""
    return not _capital(text, span) and is_verb(span[2])


def verb_form(text: str, span: tuple[int, int, str]) -> bool:
    """A lowercase participle ("using", "built"): a verb where a phrase would start, where a base form may be a
    noun ("design meeting", "test suite")."""
    return _verbish(text, span) and (span[2].endswith(("ing", "ed")) or span[2] in _IRREGULAR)


JOINERS = frozenset({"of", "for", "and", "in", "on", "to", "with"})
# how two words of one phrase may be joined: a space, a hyphen, a possessive ("Rust's WASI targets")
_INNER = (" ", "-", "'", "’")
Collocation = Callable[[str], int]


def whole(text: str, start: int, end: int, df: Collocation | None = None, inner: frozenset[str] = frozenset()) -> bool:
    """Is ``text[start:end]`` a whole phrase of ``text``? ``df(key)``: on how many of the site's pages the
    lowercase words ``key`` stand together (a site that writes "dependency management" on several pages
    makes "management" alone a fragment there); without it, any noun-like neighbour joins the phrase. ``inner``:
    words that may stand inside it, function words besides :data:`JOINERS` or verbs (a title's: "warnings as
    errors", "FsCheck test data generator")."""
    ws = spans(text)
    idx = [k for k, (s, e, _) in enumerate(ws) if s >= start and e <= end]
    if not idx or ws[idx[0]][0] != start or ws[idx[-1]][1] != end:
        return False                                   # cut inside a word ("Rust 1.19" of "1.19.0")
    first, last = idx[0], idx[-1]
    if any(text[ws[k][1]:ws[k + 1][0]] not in _INNER and text[ws[k][1]:ws[k + 1][0]] not in _GLUED
           and not (text[ws[k][1]:ws[k + 1][0]] == " #" and ws[k + 1][2].isdigit()) for k in idx[:-1]):
        return False                                   # punctuation inside: "2) to (3", "Go, Rust"; a number
                                                       # sign is part of a name: "Newsletter #37", "issue #123"
    words = [ws[k][2] for k in idx]
    # "design meeting", "error handling"; not "file using (a tool)": a verb's -ing form before its object
    gerund = len(idx) > 1 and words[-1].endswith("ing") and not _object_follows(text, ws, last)
    # a base form at the start may be a noun ("design meeting", "test suite"); a participle is a verb there
    if words[0] in FUNCTION or words[-1] in FUNCTION or verb_form(text, ws[first]) \
            or (_verbish(text, ws[last]) and not gerund):
        return False                                   # "the same size", "using Go", "now offers"
    opens = len(idx) > 1 and words[0] in PREPOSITIONS and text[ws[first][1]:ws[first + 1][0]] == " "
    if opens or words[-1] in PREPOSITIONS:           # ("like-minded" is a word, not a preposition)
        return False                                   # "like Maybe": a preposition opens no noun phrase
    if _determiner_follows(text, ws, last) and not gerund:
        return False                                   # "the Select method obeys (the first law)": a verb
    possessive = {k for k in idx[1:] if ws[k][2] == "s" and text[ws[k - 1][1]:ws[k][0]] in ("'", "’")}
    if any(ws[k][2] in FUNCTION and ws[k][2] not in JOINERS | inner and k not in possessive for k in idx) \
            or any(_verbish(text, ws[k]) and text[ws[k - 1][1]:ws[k][0]] not in _GLUED and ws[k][2] not in inner
                   for k in idx[1:-1]):
        return False
    return not _attached(text, ws, first - 1, first, df, left=True) and \
        not _attached(text, ws, last + 1, last, df, left=False)


# punctuation written between two words without a space glues them into one name: a host, a path, an identifier
_GLUED = frozenset("./_:@+#")
# words that open a verb's object: after "using", "the tool" is what is used
OBJECT_STARTS = frozenset(_words("a an the this that these those its their our your my his her some any each every no"))


# prepositions that FUNCTION leaves out because they are other words too ("like" is a verb, "including" a form)
PREPOSITIONS = frozenset(_words("like unlike including despite except versus vs regarding concerning amid beyond"))
# an article, demonstrative or possessive right after a span opens a new noun phrase: the span's last word was a
# verb or a preposition ("method obeys the law"), since two noun phrases rarely stand side by side
DETERMINERS = frozenset(_words("a an the this these those its their our your my his her"))


def _determiner_follows(text: str, ws: tuple[tuple[int, int, str], ...], k: int) -> bool:
    return k + 1 < len(ws) and text[ws[k][1]:ws[k + 1][0]] == " " and ws[k + 1][2] in DETERMINERS


def _object_follows(text: str, ws: tuple[tuple[int, int, str], ...], k: int) -> bool:
    """Does an object follow the word ``k`` (a determiner, a pronoun or a content word right after it)?"""
    if k + 1 >= len(ws) or text[ws[k][1]:ws[k + 1][0]] != " ":
        return False
    word = ws[k + 1][2]
    return word in OBJECT_STARTS or word not in FUNCTION


def _attached(text: str, ws: tuple[tuple[int, int, str], ...], k: int, edge: int, df: Collocation | None,
              left: bool) -> bool:
    """Does the word ``k`` beside the span's ``edge`` word belong to the same phrase?"""
    if k < 0 or k >= len(ws):
        return False
    a, b = (ws[k], ws[edge]) if left else (ws[edge], ws[k])
    gap = text[a[1]:b[0]]
    if gap in ("-", "'", "’") or (gap and set(gap) <= _GLUED | {"_"}) or (
            gap == " #" and not left and ws[k][2].isdigit()):
        return True                                    # a compound, a possessive, "pkg.go.dev", "math/rand/v2",
        #                                                "Podcast.__init__", a numbered name: "Newsletter (#37)"
    if gap != " ":
        return False                                   # punctuation ends the phrase
    word = ws[k][2]
    if word in FUNCTION and k > 0 and _capital(text, ws[k]) and _capital(text, ws[edge]) and word != "i":
        return True                                    # a capital function word inside a name: "Rust All Hands",
        #                                                "System Under Test"
    if word in FUNCTION or _verbish(text, ws[k]):
        return False
    if _capital(text, ws[k]) and _capital(text, ws[edge]) and (not left or k > 0):
        return True                                    # a name goes on: "Content Delivery Network"
    if not left and (ws[edge][2] in ADJECTIVES or (len(ws[edge][2]) > 5 and ws[edge][2].endswith("ed"))):
        return True                                    # "RustCamp last (August)", "AI-generated (source code)": an
        #                                                adjective or a participle modifies the noun after it
    if not left and (word[0].isdigit() or _capital(text, ws[edge])):
        return word[0].isdigit()                       # "Go 1.5" goes on; "Libz Blitz proceeds" ends
    if left and is_modifier(word) and not (k > 0 and _capital(text, ws[k])):
        return False                                   # "new", "multiple", "fixed-length" only modify; "Go" names
    if not left and len(word) > 6 and word.endswith(_NOUN_SUFFIX):
        return True                                    # "compiler team (prioritization effort)": a noun goes on
    return df is None or df(f"{a[2]} {b[2]}") >= 2


NUMBERS = frozenset(_words("""
two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds thousand
thousands million millions dozen dozens half
"""))


# a date names a day, not a page ("held on August 18" linked to a weekly update, in an unseen blog's suggestions)
CALENDAR = frozenset(_words("""
january february march april may june july august september october november december jan feb mar apr jun jul
aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow week
weeks month months weekend morning evening night
"""))


def generic(anchor: str) -> bool:
    """Every word a function word, a generic modifier, a number, a generic noun, a blog's word for a post or a
    calendar word: "new version", "the same size", "five years", "August 18", "last week's newsletter"; not a
    numbered name ("Newsletter #37")."""
    words = [w for _, _, w in spans(anchor)]
    if any(a in POST_NOUNS and b.isdigit() for a, b in pairwise(words)):
        return False                       # a numbered name: "Newsletter #37", "episode 12"
    return bool(words) and all(
        w in FUNCTION or w in ADJECTIVES or w in GENERIC_NOUNS or w in POST_NOUNS or w in NUMBERS or w in CALENDAR
        or w.isdigit() or w == "s" for w in words)


def head(anchor: str) -> str:
    """The phrase's head noun: its last word, or the last before its first joiner ("history" of "history of
    Go")."""
    words = [w for _, _, w in spans(anchor)]
    for k, w in enumerate(words):
        if k and w in JOINERS:
            return words[k - 1]
    return words[-1] if words else ""


def stem(word: str) -> str:
    """A crude plural-folding stem ("modules" -> "module", "libraries" -> "library")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
