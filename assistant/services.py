"""The one place that builds external clients (HTTP, SQLite, embedder, Chroma, LLM, Slack) and hands them out.

Commands and tests build a :class:`Services` from settings; engines receive the clients they need.
Nothing heavy is imported or opened until first use, so `assistant pages` starts fast.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from assistant.settings import ConfigError, Settings
from assistant.store.db import Database
from assistant.store.vectors import StoreError
from assistant.urls import host_port

if TYPE_CHECKING:   # the clients' modules are imported when first built, so small commands start fast
    from langchain_core.language_models import BaseChatModel

    from assistant.ingest.embedding import VectorWriter
    from assistant.ingest.fetch import Fetcher
    from assistant.store.embedder import Embedder
    from assistant.store.vectors import VectorStore


class SlackError(Exception):
    """The bot cannot start (token missing or refused, Web API unreachable): one line for the user."""


def slack_api_base(url: str) -> str:
    """``[slack] api_url`` as the WebClient's base URL (with its trailing slash); "" for Slack's own."""
    if not url:
        return ""
    if host_port(url) is None:
        raise ConfigError(f"[slack] api_url {url!r} is not an http(s) URL")
    return url if url.endswith("/") else url + "/"


def slack_web_client(token: str, api_url: str) -> Any:
    """The Slack Web API client for ``token``, at ``[slack] api_url`` when set (a test's fake Slack)."""
    from slack_sdk import WebClient

    return WebClient(token=token, timeout=30, base_url=slack_api_base(api_url) or WebClient.BASE_URL)


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workspace: Path = settings.workspace

    @cached_property
    def db(self) -> Database:
        return Database(self.workspace / "assistant.db")

    @cached_property
    def fetcher(self) -> Fetcher:
        from assistant.ingest.fetch import Fetcher

        return Fetcher(self.settings.crawl)

    @cached_property
    def ingest_embedder(self) -> Embedder:
        """The embedder ``[embed] model`` names: what ingest makes vectors with."""
        return self._embedder(self.settings.embed.model)

    @cached_property
    def embedder(self) -> Embedder:
        """The embedder for queries: the model that made the workspace's vectors (a workspace whose vectors a
        previous ``[embed] model`` made keeps working until the next ingest re-embeds it), else the configured one."""
        from assistant.store.embedder import embedder_key

        recorded = self.db.vectors_model()
        key = embedder_key(recorded) if recorded else None
        if key is None or key == self.settings.embed.model:
            return self.ingest_embedder
        return self._embedder(key)

    def _embedder(self, key: str) -> Embedder:
        from assistant.store.embedder import build_embedder

        e = self.settings.embed
        own = key == e.model     # the configured files belong to the configured model
        return build_embedder(key, model_path=Path(e.model_path) if own and e.model_path else None,
                              tokenizer_path=Path(e.tokenizer_path) if e.tokenizer_path else None, threads=e.threads)

    @cached_property
    def chroma_client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma = ChromaSettings(anonymized_telemetry=False)
        url = self.settings.store.chroma_url
        if not url:
            path = self.workspace / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=chroma)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"[store] chroma_url {url!r} is not an http(s) URL")
        try:
            return chromadb.HttpClient(host=parts.hostname, ssl=parts.scheme == "https", settings=chroma,
                                       port=parts.port or (443 if parts.scheme == "https" else 80))
        except Exception as exc:  # chromadb raises ValueError / httpx errors for an unreachable server
            raise StoreError(f"cannot reach the Chroma server at {url} ([store] chroma_url): {exc}") from None

    @cached_property
    def vectors(self) -> VectorStore:
        from assistant.store.vectors import ChromaStore

        return ChromaStore(self.chroma_client, self.settings.store.collection, self.ingest_embedder.name,
                           records=self.db.chunk_records, page_urls=self.db.page_urls)

    @cached_property
    def llm(self) -> BaseChatModel:
        from assistant.llm import build_llm

        return build_llm(self.settings.llm)

    @cached_property
    def slack_client(self) -> Any:
        """The Slack Web API client of the bot's app (SLACK_BOT_TOKEN, ``[slack] api_url``), for alerts."""
        from assistant.secrets import slack_tokens

        token = slack_tokens().bot
        if not token:
            raise SlackError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) of the Slack app of `assistant slack`")
        return slack_web_client(token, self.settings.slack.api_url)

    def vector_writer(self) -> VectorWriter:
        """What ingest embeds and writes vectors with: a process of its own (``[embed] process``), unless this
        process already holds the Chroma client (two clients on one persistent folder do not see each other)."""
        from assistant.ingest.embedding import LocalWriter

        if self.settings.embed.process and "chroma_client" not in self.__dict__ and (os.cpu_count() or 1) > 1:
            from assistant.ingest.vectorproc import ProcessWriter

            return ProcessWriter(self.settings)
        return LocalWriter(self.ingest_embedder, self.vectors, self.settings.embed.batch_size)

    def close(self) -> None:
        if "fetcher" in self.__dict__:
            self.fetcher.close()
        if "db" in self.__dict__:
            self.db.close()
