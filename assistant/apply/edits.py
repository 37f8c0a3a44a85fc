"""From a plan's tasks to edits of the source files: what each task changes, or why it cannot. Pure.

:func:`plan_edits` reads each file once, finds each task's place (:mod:`assistant.apply.locate`), writes the link
in the file's own syntax and URL form (:mod:`assistant.apply.links`) and gives one :class:`Outcome` per task:
``applied`` (the edit is in :attr:`Result.changes`), ``already-applied`` (the file already has it) or ``skipped``
with the reason. Two tasks that would edit the same characters: the first (by the plan's priority) wins.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from assistant.apply.doc import Doc
from assistant.apply.links import href_for, link_form, newline_of, same_page, wrap
from assistant.apply.locate import Text, locate, read_doc
from assistant.apply.sources import SourceFile, SourceMap

LINK_TASKS = ("add-internal-link", "link-orphan", "refresh-old-content", "link-important-page")
FIX_TASKS = ("fix-redirected-link", "fix-broken-link")
EDITABLE = (*LINK_TASKS, *FIX_TASKS)


@dataclass
class Outcome:
    task: str
    type: str
    status: str                          # applied | already-applied | skipped
    reason: str = ""
    page: str = ""
    file: str = ""
    line: int = 0
    anchor: str = ""
    target: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Edit:
    start: int
    end: int
    text: str
    task: str


@dataclass
class Change:
    """One file's edits: its text when read (and that text's digest) and its new text."""

    file: SourceFile
    before: str
    digest: str
    edits: list[Edit] = field(default_factory=list)
    appended: list[str] = field(default_factory=list)

    def after(self) -> str:
        text = self.before
        for e in sorted(self.edits, key=lambda e: -e.start):
            text = text[:e.start] + e.text + text[e.end:]
        if self.appended:
            nl = newline_of(self.before)
            text = text.rstrip("\r\n") + nl + nl + nl.join(self.appended) + nl
        return text


@dataclass
class Result:
    outcomes: list[Outcome]
    changes: list[Change]
    manual: dict[str, int]                # tasks of other types, by type: for a human

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out


def is_link_task(task: dict[str, Any]) -> bool:
    ev = task.get("evidence") or {}
    return task.get("type") in LINK_TASKS and isinstance(ev, dict) and all(
        isinstance(ev.get(k), str) and ev[k] for k in ("source", "target", "anchor", "sentence"))


class Planner:
    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.docs: dict[str, tuple[Doc, Text] | str] = {}
        self.changes: dict[str, Change] = {}
        self.defined: dict[str, dict[str, str]] = {}

    def doc(self, f: SourceFile) -> tuple[Doc, Text] | str:
        """The file's doc (read once), or why it cannot be read."""
        if f.rel not in self.docs:
            try:
                raw = f.path.read_bytes()
                text = raw.decode("utf-8")
            except OSError as exc:
                self.docs[f.rel] = f"cannot read {f.rel}: {exc.strerror or exc}"
            except UnicodeDecodeError:
                self.docs[f.rel] = f"{f.rel} is not UTF-8"
            else:
                doc = read_doc(text, f.path.name)
                self.docs[f.rel] = (doc, Text(doc))
                self.changes[f.rel] = Change(f, text, hashlib.sha256(raw).hexdigest())
        return self.docs[f.rel]

    def claim(self, f: SourceFile, edit: Edit) -> str | None:
        """Adds the edit unless it overlaps one already made; the id of the task it overlaps otherwise."""
        change = self.changes[f.rel]
        for e in change.edits:
            if edit.start < e.end and e.start < edit.end:
                return e.task
        change.edits.append(edit)
        return None

    def source(self, url: str, out: Outcome) -> tuple[SourceFile, Doc, Text] | None:
        """The page's source file and its doc; None with ``out.reason`` set when there is none to edit."""
        found = self.smap.find(url)
        if found.file is None:
            out.reason = found.reason
            return None
        out.file = found.file.rel
        read = self.doc(found.file)
        if isinstance(read, str):
            out.reason = read
            return None
        return found.file, read[0], read[1]

    def link(self, task: dict[str, Any]) -> Outcome:
        ev = task["evidence"]
        out = Outcome(task["id"], task["type"], "skipped", page=ev["source"], anchor=ev["anchor"],
                      target=ev["target"])
        opened = self.source(ev["source"], out)
        if opened is None:
            return out
        f, doc, text = opened
        page = urlsplit(ev["source"]).path or "/"
        place = locate(text, ev["sentence"], ev["anchor"],
                       lambda href: same_page(self.smap.page_of_href(href, page, f), ev["target"]))
        out.line = place.line
        if place.status != "ok":
            out.status = "already-applied" if place.status == "already" else "skipped"
            out.reason = place.reason
            return out
        href = href_for(link_form(doc, self.smap, f, page), ev["target"], self.smap, f, page)
        defined = self.defined.setdefault(f.rel, {})
        replacement, definition = wrap(doc, place.span, href, place.html, ev["anchor"], defined)
        other = self.claim(f, Edit(place.span[0], place.span[1], replacement, task["id"]))
        if other is not None:
            out.reason = f"overlaps the edit of task {other}"
            return out
        if definition is not None:
            defined[definition[0]] = definition[1]
            self.changes[f.rel].appended.append(f"[{definition[0]}]: {definition[1]}")
        out.status = "applied"
        return out

    def redirect(self, task: dict[str, Any]) -> list[Outcome]:
        """fix-redirected-link: each link to the old target, on each source page, points at the final URL."""
        ev = task.get("evidence") or {}
        old, final = ev.get("target"), ev.get("final_url")
        outcomes = []
        sources = ev.get("sources") or ([ev["source"]] if ev.get("source") else [])
        if not old or not final or task["type"] != "fix-redirected-link":
            what = "no final URL in the task" if task["type"] == "fix-redirected-link" else "no replacement URL"
            return [Outcome(task["id"], task["type"], "skipped", f"{what}: for a human", page=str(s))
                    for s in sources or [""]]
        for source in sources:
            out = Outcome(task["id"], task["type"], "skipped", page=source, target=final)
            outcomes.append(out)
            opened = self.source(source, out)
            if opened is None:
                continue
            f, doc, _ = opened
            page = urlsplit(source).path or "/"
            hits = [x for x in doc.links if x.href_span[0] >= 0
                    and same_page(self.smap.page_of_href(x.href, page, f), old)]
            if not hits:
                finals = [x for x in doc.links if same_page(self.smap.page_of_href(x.href, page, f), final)]
                out.status = "already-applied" if finals else "skipped"
                out.reason = "" if finals else "no link to the old target in the source"
                continue
            href = href_for(link_form(doc, self.smap, f, page), final, self.smap, f, page)
            clash = None
            for x in {x.href_span: x for x in hits}.values():
                clash = clash or self.claim(f, Edit(x.href_span[0], x.href_span[1], href, task["id"]))
            out.line = doc.line_of(hits[0].href_span[0])
            out.status, out.reason = ("skipped", f"overlaps the edit of task {clash}") if clash else ("applied", "")
        return outcomes


def select(tasks: Iterable[dict[str, Any]], ids: Iterable[str] = (), types: Iterable[str] = ()) -> list[dict[str, Any]]:
    want_ids, want_types = set(ids), set(types)
    return [t for t in tasks if (not want_ids or t.get("id") in want_ids)
            and (not want_types or t.get("type") in want_types)]


def plan_edits(tasks: list[dict[str, Any]], smap: SourceMap,
               progress: Callable[[int, int], None] | None = None) -> Result:
    """Every editable task's outcome and the files' new texts (nothing is written); ``progress(done, total)``
    after each task."""
    planner = Planner(smap)
    smap.hosts |= {urlsplit(str(p)).netloc.lower() for t in tasks for p in t.get("pages") or [] if "://" in str(p)}
    outcomes: list[Outcome] = []
    manual: dict[str, int] = {}
    for done, task in enumerate(sorted(tasks, key=lambda t: int(t.get("priority") or 0)), 1):
        kind = str(task.get("type"))
        if is_link_task(task):
            outcomes.append(planner.link(task))
        elif kind in FIX_TASKS:
            outcomes.extend(planner.redirect(task))
        else:
            manual[kind] = manual.get(kind, 0) + 1
        if progress is not None:
            progress(done, len(tasks))
    changes = [c for c in planner.changes.values() if c.edits or c.appended]
    return Result(outcomes, changes, manual)
