"""The toolbox: one workspace's tools for a surface (the MCP server, a chat that lets a model call them).

:meth:`Toolbox.call` validates the arguments, checks the workspace, runs the tool one call at a time (the engines
and the SQLite connection are shared), turns every known failure into a one-sentence :class:`ToolError`, and
wraps the records in their provenance: the workspace, the crawl run they come from and the engine or rule that
produced them. The engines' loads are kept while the workspace's state (:func:`assistant.suggest.cache.fingerprint`
and the traffic imports) stays the same, so a long-lived server answers fast and never from a stale site.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.tools.base import REGISTRY, Tool, ToolError

if TYPE_CHECKING:
    from assistant.services import Services
    from assistant.suggest import Engine, SiteData


@dataclass
class Options:
    """What the person who started the surface allowed: re-crawling the site, and outreach's input files."""

    allow_ingest: bool = False
    prospects: list[Path] = field(default_factory=list)
    competitors: list[Path] = field(default_factory=list)


class Toolbox:
    def __init__(self, services: Services, options: Options | None = None) -> None:
        self.services = services
        self.options = options or Options()
        self._lock = threading.RLock()
        self._key: str | None = None
        self._cached: dict[str, Any] = {}

    @classmethod
    def for_conversation(cls, services: Services, use_llm: bool) -> Toolbox | None:
        """The toolbox a conversation hands its model (``[llm] tools``), or None: no model, or tools off."""
        from assistant.chain.tools import enabled

        return cls(services) if use_llm and enabled(services.settings.llm) else None

    # ------------------------------------------------------------------------------------------ the tools
    def tools(self) -> list[Tool]:
        """The tools this toolbox offers: ``ingest`` only when allowed, ``outreach_prospects`` only with files."""
        _register()
        hidden = set()
        if not self.options.allow_ingest:
            hidden.add("ingest")
        if not (self.options.prospects or self.options.competitors):
            hidden.add("outreach_prospects")
        return [t for name, t in REGISTRY.items() if name not in hidden]

    def get(self, name: str) -> Tool:
        found = {t.name: t for t in self.tools()}
        if name not in found:
            raise ToolError(f"no tool {name!r}; the tools are {', '.join(found)}")
        return found[name]

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run tool ``name``: ``{"workspace", "crawl_source", "run", "crawled_at", "engine", "result"}``, plain JSON
        (``result`` is what the matching command's ``--format json`` prints). Raises :class:`ToolError`."""
        t = self.get(name)
        kwargs = t.validate(arguments or {})
        with self._lock:
            if t.name != "ingest":
                self.require_pages()
            try:
                result = t.fn(self, **kwargs)
            except _known() as exc:
                raise ToolError(str(exc)) from None
            out = {**self.provenance(), "engine": t.engine, "result": result}
        loaded: dict[str, Any] = json.loads(json.dumps(out, ensure_ascii=False, default=str))
        return loaded

    # ------------------------------------------------------------------------------------------ the workspace
    @property
    def workspace(self) -> Path:
        return self.services.workspace

    def require_pages(self) -> None:
        """A :class:`ToolError` unless the workspace exists and holds pages (never creates one)."""
        if not (self.workspace / "assistant.db").is_file():
            raise ToolError(f"no workspace at {self.workspace}: run `assistant ingest SOURCE` with this workspace "
                            "first (or point ASSISTANT_WORKSPACE at one)")
        from assistant.app.workspace import NoPages, require_pages

        try:
            require_pages(self.services)
        except NoPages as exc:
            raise ToolError(str(exc)) from None

    def provenance(self) -> dict[str, Any]:
        """Which workspace and which crawl the answer comes from (the last finished run, else the last one)."""
        from assistant.store.runs import iso, list_runs

        runs = list_runs(self.services.db) if (self.workspace / "assistant.db").is_file() else []
        done = [r for r in runs if r.status == "done"] or runs
        last = done[-1] if done else None
        return {"workspace": str(self.workspace), "crawl_source": last.source if last else None,
                "run": last.id if last else None,
                "crawled_at": iso(last.finished or last.started) if last else None}

    def summary(self) -> dict[str, Any]:
        """The workspace at a glance: provenance, counts, the top pages by Link Score, the tools offered."""
        out: dict[str, Any] = {**self.provenance(), "tools": [t.name for t in self.tools()]}
        with self._lock:
            try:
                self.require_pages()
            except ToolError as exc:
                return {**out, "problem": str(exc)}
            from assistant.store.traffic import has_traffic

            db = self.services.db
            rows = [r for r in self.overview().values() if r["indexable"]]
            top = sorted(rows, key=lambda r: (-(r["link_score"] or 0), r["url"]))[:10]
            return {**out, "counts": db.counts(), "traffic_imported": has_traffic(db),
                    "orphans": sum(1 for r in rows if r["orphan"]),
                    "top_pages": [{k: r[k] for k in ("url", "title", "link_score", "depth", "content_inlinks")}
                                  for r in top]}

    def url(self, text: str) -> str:
        """The workspace URL ``text`` names (URL, path or slug); :class:`ToolError` with near matches."""
        from assistant.store.queries import UnknownURL, resolve_url

        try:
            return resolve_url(self.services.db, text)
        except UnknownURL as exc:
            raise ToolError(str(exc)) from None

    # ------------------------------------------------------------------------------------------ loaded engines
    def cached(self, name: str, build: Any) -> Any:
        """``build()`` once per workspace state (a re-crawl, an embedding, a backlink or traffic import moves it)."""
        from assistant.store.traffic import imports
        from assistant.suggest.cache import fingerprint

        key = f"{fingerprint(self.services)}:{len(imports(self.services.db))}"
        if key != self._key:
            self._key, self._cached = key, {}
        if name not in self._cached:
            self._cached[name] = build()
        return self._cached[name]

    def engine(self) -> Engine:
        """The suggestion engine over the site (its indexes saved to the workspace's cache, as the CLI does)."""
        from assistant.suggest import Engine, load_site

        def build() -> Engine:
            engine = Engine(load_site(self.services))
            engine.save()
            return engine

        found: Engine = self.cached("engine", build)
        return found

    def site(self) -> SiteData:
        return self.engine().data

    def overview(self) -> dict[str, dict[str, Any]]:
        """``assistant pages --all --format json``'s rows by URL."""
        from assistant.backlinks import backlinked_targets
        from assistant.overview import pages_overview

        db = self.services.db

        def build() -> dict[str, dict[str, Any]]:
            return {r["url"]: r for r in pages_overview(db, True, backlinked=backlinked_targets(db))}

        found: dict[str, dict[str, Any]] = self.cached("overview", build)
        return found


def _register() -> None:
    """Import the modules that define the tools (they register themselves)."""
    from assistant.tools import engines, site  # noqa: F401


def _known() -> tuple[type[Exception], ...]:
    """The failures a tool reports as one sentence (imported when a call fails, as the CLI's friendly() does)."""
    from assistant.app import UserError
    from assistant.ingest.sources import SourceError
    from assistant.llm import LLMError
    from assistant.outreach import InputError, OutreachError
    from assistant.rules import UnknownRule
    from assistant.settings import ConfigError
    from assistant.store.embedder import EmbedderError
    from assistant.store.lock import WorkspaceBusy
    from assistant.store.queries import UnknownURL
    from assistant.store.vectors import StoreError

    return (UserError, ConfigError, SourceError, EmbedderError, WorkspaceBusy, StoreError, LLMError, UnknownURL,
            UnknownRule, InputError, OutreachError, ToolError)
