"""What an engine reads a workspace through: :class:`Clients`, a protocol. :class:`assistant.services.Services`
(the composition root, above the engines) is one; an engine names this protocol, so its imports only go down."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from assistant.settings import Settings
    from assistant.store.db import Database
    from assistant.store.embedder import Embedder
    from assistant.store.vectors import VectorStore


class Clients(Protocol):
    """The workspace's settings, folder, database, embedder and vector store (each opened on first use)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def workspace(self) -> Path: ...

    @property
    def db(self) -> Database: ...

    @property
    def embedder(self) -> Embedder: ...

    @property
    def vectors(self) -> VectorStore: ...
