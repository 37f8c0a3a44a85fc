"""Settings: defaults < config.toml (``--config`` / ``ASSISTANT_CONFIG``) < ``ASSISTANT_*`` env < CLI flags.

Secrets (OPENAI_API_KEY, SLACK_*) never live here: :mod:`assistant.services` reads them from the
environment when it builds the client that needs them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


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


class EmbedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="embed chunks during ingest (off: pages and links only)")
    model_path: str = Field("", description="ONNX model; empty = the packaged all-MiniLM-L6-v2 int8")
    tokenizer_path: str = Field("", description="tokenizer.json; empty = the packaged one")
    chunk_tokens: int = Field(128, ge=16, le=256, description="word-piece tokens per chunk")
    batch_size: int = Field(32, ge=1, le=512)
    threads: int = Field(0, ge=0, description="onnxruntime intra-op threads; 0 = all cores")


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chroma_url: str = Field("", description="empty = PersistentClient in the workspace; else a `chroma run` URL")
    collection: str = Field("chunks", description="Chroma collection name (one workspace, one collection)")


class Settings(BaseSettings):
    """All settings. Build with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    workspace: Path = Path(".assistant")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)  # type: ignore[arg-type]
    embed: EmbedSettings = Field(default_factory=EmbedSettings)  # type: ignore[arg-type]
    store: StoreSettings = Field(default_factory=StoreSettings)  # type: ignore[arg-type]

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
