"""The vector writer's child process (``python -m assistant.vectorchild``, started by
:class:`assistant.ingest.vectorproc.ProcessWriter`): it builds the embedder and the Chroma store as the ingest
process would (through :class:`~assistant.services.Services`, the one place that builds clients) and serves the
ingest's calls. It sits beside ``services.py``, above the engines, so that ``ingest/`` imports nothing above it."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.ingest.embedding import LocalWriter
from assistant.ingest.lifeline import die_with_parent
from assistant.ingest.vectorproc import serve
from assistant.services import Services
from assistant.settings import EmbedSettings, Settings, StoreSettings
from assistant.store.vectors import ChromaStore


def build(workspace: Path, embed: EmbedSettings, store: StoreSettings) -> LocalWriter:
    """The writer of the child: the ingest's embedder and the workspace's Chroma collection (no SQLite here: the
    ingest process is its only writer)."""
    settings = Settings.model_construct(workspace=workspace, embed=embed, store=store)   # validated already
    services = Services(settings)
    embedder = services.ingest_embedder
    return LocalWriter(embedder, ChromaStore(services.chroma_client, store.collection, embedder.name),
                       embed.batch_size)


if __name__ == "__main__":
    if die_with_parent():
        serve(sys.argv[1:], build)
