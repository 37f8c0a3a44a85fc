"""Settings: defaults < config.toml (``--config`` / ``ASSISTANT_CONFIG``) < ``ASSISTANT_*`` env < CLI flags.

Secrets (OPENAI_API_KEY, SLACK_*) never live here: :mod:`assistant.secrets` reads them from the
environment when a client that needs them is built.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.llmnames import PROVIDERS


class ConfigError(Exception):
    """A configuration problem worth a one-line message (file and key named)."""


class CrawlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_pages: int = Field(10_000, ge=1, description="stop after this many pages (HTML or error) are recorded")
    max_depth: int = Field(50, ge=0, description="clicks from the start URL; sitemap URLs start at depth 1")
    concurrency: int = Field(4, ge=1, le=64, description="parallel requests")
    delay: float = Field(0.0, ge=0, description="seconds between requests to the same host")
    user_agent: str = "link-assistant/0.1 (+https://example.invalid/link-assistant)"
    max_bytes: int = Field(5_000_000, ge=1024, description="largest page body accepted, after decompression")
    timeout: float = Field(20.0, gt=0, description="seconds allowed for one request, body included")
    max_time: float = Field(3600.0, gt=0, description="seconds for the whole crawl; then it stops cleanly")
    retries: int = Field(1, ge=0, le=5, description="extra tries after a timeout, connection error or 5xx")
    max_redirects: int = Field(10, ge=0, le=30)
    respect_robots: bool = True
    include: list[str] = Field(default_factory=list, description="regexes; when set a URL must match one")
    exclude: list[str] = Field(default_factory=list, description="regexes; a URL matching one is skipped")
    max_url_length: int = Field(2000, ge=64, description="longer URLs are crawl traps")
    max_per_pattern: int = Field(
        500, ge=1, description="URLs sharing one shape (digits and query values masked) before it is a trap"
    )
    trailing_slash: str = Field("keep", pattern="^(keep|add|strip)$", description="URL normalisation policy")
    sitemaps: bool = Field(True, description="also seed a crawl from the sitemaps robots.txt lists")
    extract_processes: int = Field(0, ge=0, le=64, description="processes parsing pages; 0 = one per core")


EmbedModel = Literal["minilm-static", "minilm"]   # assistant.store.embedder.EMBEDDERS (a test checks they agree)


class EmbedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="embed chunks during ingest (off: pages and links only)")
    model: EmbedModel = Field("minilm-static", description="minilm-static (static vectors distilled from MiniLM, "
                              "fast) or minilm (the MiniLM network itself); changing it re-embeds once")
    model_path: str = Field("", description="the model's file; empty = the packaged one")
    tokenizer_path: str = Field("", description="tokenizer.json; empty = the packaged one")
    chunk_tokens: int = Field(128, ge=16, le=256, description="word-piece tokens per chunk")
    batch_size: int = Field(32, ge=1, le=512)
    threads: int = Field(0, ge=0, description="onnxruntime intra-op threads; 0 = all cores")
    process: bool = Field(True, description="ingest embeds and writes vectors in a process of its own "
                          "(off: a thread of the ingest process)")


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chroma_url: str = Field("", description="empty = PersistentClient in the workspace; else a `chroma run` URL")
    collection: str = Field("chunks", description="Chroma collection name (one workspace, one collection)")


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    important_urls: list[str] = Field(default_factory=list, description="pages you call important (URLs or paths)")
    brand_terms: list[str] = Field(default_factory=list,
                                   description="brand words: anchors with them are not exact-match")
    exact_match_share: float = Field(0.10, ge=0, le=1, description="exact-match anchors above this share of backlinks")
    exact_match_min_backlinks: int = Field(5, ge=1, description="backlinks a page needs before anchor shares count")
    dominant_anchor_share: float = Field(0.5, ge=0, le=1, description="one non-brand backlink anchor above this share")
    same_anchor_share: float = Field(0.6, ge=0, le=1, description="one internal anchor above this share of inlinks")
    same_anchor_min_inlinks: int = Field(5, ge=1, description="internal content inlinks before anchor shares count")
    too_many_links: int = Field(150, ge=1, description="links on one page (all placements)")
    content_links_per_100_words: float = Field(10.0, gt=0, description="content links per 100 words of main text")
    underlinked_content_inlinks: int = Field(3, ge=0, description="important pages need more content inlinks than this")
    underlinked_max_depth: int = Field(3, ge=1, description="important pages deeper than this many clicks")
    important_top_share: float = Field(0.1, ge=0, le=1,
                                       description="top share of pages by Link Score that count as important")
    old_after_months: int = Field(24, ge=1, description="a page published this long ago is old")
    recent_months: int = Field(12, ge=1, description="pages published within this many months are recent")
    related_similarity: float = Field(0.55, ge=-1, le=1, description="embedding similarity for related pages")
    related_similarity_tfidf: float = Field(0.2, ge=0, le=1, description="the same, when pages have no embeddings")
    irrelevant_similarity: float = Field(0.15, ge=-1, le=1, description="links between pages less similar than this")
    irrelevant_similarity_tfidf: float = Field(0.02, ge=0, le=1, description="the same, when pages have no embeddings")
    link_farm_external_links: int = Field(100, ge=1, description="external links that make a page a link farm")
    sitewide_share: float = Field(0.5, ge=0, le=1, description="one external content link on this share of pages")


class SuggestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(0.3, ge=0, le=1, description="plan and suggest --all keep only suggestions with at "
                                                               "least this confidence (--to/--from show all)")


class LLMSettings(BaseModel):
    """[llm]: who phrases answers. The LLM never decides: ranking and rules come first, guards after."""

    provider: str = Field("local", pattern=f"^({'|'.join(PROVIDERS)})$",
                          description="local = llama.cpp's server, started by the tool (xllamacpp); openai = any "
                                      "OpenAI-compatible endpoint")
    model_path: str = Field("", description="a GGUF file for `local`; empty = the packaged Qwen2.5-Coder-0.5B Q4_K_M")
    base_url: str = Field("", description="`openai` endpoint, e.g. http://127.0.0.1:8080/v1 (empty = OpenAI)")
    model: str = Field("gpt-4o-mini", description="model name sent to the `openai` endpoint")
    temperature: float = Field(0.2, ge=0, le=2)
    max_tokens: int = Field(400, ge=16, le=8192, description="longest answer, in tokens")
    context_tokens: int = Field(4096, ge=512, le=131072, description="`local` context window")
    threads: int = Field(0, ge=0, description="`local` CPU threads; 0 = all cores")
    timeout: float = Field(120.0, gt=0, description="seconds for one `openai` request")
    tools: str = Field("auto", pattern="^(auto|on|off)$",
                       description="let the model call the engines' tools (ask, chat): auto = with an `openai` "
                                   "endpoint, not the local 0.5B model (it does not emit tool calls)")


class SlackSettings(BaseModel):
    """[slack]: the bot. Tokens come from SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN only."""

    api_url: str = Field("", description="Web API base URL; empty = Slack's (set for enterprise grids and tests)")
    allowed_channels: list[str] = Field(default_factory=list, description="channel IDs; empty = any channel")
    allowed_users: list[str] = Field(default_factory=list, description="user IDs; empty = any user")


class Settings(BaseSettings):
    """All settings. Build with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    workspace: Path = Path(".assistant")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)  # type: ignore[arg-type]
    embed: EmbedSettings = Field(default_factory=EmbedSettings)  # type: ignore[arg-type]
    store: StoreSettings = Field(default_factory=StoreSettings)  # type: ignore[arg-type]
    audit: AuditSettings = Field(default_factory=AuditSettings)  # type: ignore[arg-type]
    suggest: SuggestSettings = Field(default_factory=SuggestSettings)  # type: ignore[arg-type]
    llm: LLMSettings = Field(default_factory=LLMSettings)  # type: ignore[arg-type]
    slack: SlackSettings = Field(default_factory=SlackSettings)  # type: ignore[arg-type]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def config_path(explicit: Path | None) -> Path | None:
    """The config file to read: ``--config``, else ASSISTANT_CONFIG, else ./config.toml if present."""
    if explicit is not None:
        return explicit
    env = os.environ.get("ASSISTANT_CONFIG")
    if env:
        return Path(env)
    default = Path("config.toml")
    return default if default.is_file() else None


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, the TOML file, the environment and ``overrides`` (highest)."""
    path = config_path(config)
    if path is not None and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")

    class _Settings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return _Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        where = f"config file {path}" if path else "settings"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{where} (or ASSISTANT_* environment): {problems}") from None
    except ValueError as exc:  # TOML syntax errors surface as ValueError subclasses
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
