"""Settings precedence (defaults < config.toml < ASSISTANT_* env < flags) and clear config errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import ConfigError, load_settings
from tests.conftest import cli


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[crawl]\nmax_pages = 7\ndelay = 0.5\n[store]\nchroma_url = "http://127.0.0.1:9"\n')
    assert load_settings(cfg).crawl.max_pages == 7
    monkeypatch.setenv("ASSISTANT_CRAWL__MAX_PAGES", "5")
    s = load_settings(cfg)
    assert (s.crawl.max_pages, s.crawl.delay, s.store.chroma_url) == (5, 0.5, "http://127.0.0.1:9")
    s = load_settings(cfg, crawl={"max_pages": 3})
    assert (s.crawl.max_pages, s.crawl.delay) == (3, 0.5)
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    assert load_settings().crawl.delay == 0.5


def test_defaults_match_the_example_config() -> None:
    import tomllib

    example = tomllib.loads((Path(__file__).parents[1] / "config.example.toml").read_text())
    defaults = load_settings(None).model_dump(mode="json")
    for section, values in example.items():
        for key, value in values.items():
            assert defaults[section][key] == value, f"[{section}] {key}"
        assert set(values) == set(defaults[section]), f"[{section}] documents every key"


@pytest.mark.parametrize(("text", "needle"), [
    ("[crawl\nmax_pages = 1", "cannot read config file"),
    ("[crawl]\nmax_pagez = 1\n", "crawl.max_pagez"),
    ("[crawl]\nmax_pages = -1\n", "crawl.max_pages"),
])
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert needle in str(err.value) and (str(cfg) in str(err.value) or "settings" in str(err.value))


def test_cli_reports_config_errors_without_traceback(tmp_path: Path) -> None:
    result = cli("--config", str(tmp_path / "missing.toml"), "--workspace", str(tmp_path / "ws"), "pages")
    assert result.exit_code == 2
    assert "missing.toml does not exist" in result.stderr and "Traceback" not in result.output


def test_source_errors_name_the_input(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# comment\nnot a url\n")
    result = cli("--workspace", str(tmp_path / "ws"), "ingest", str(urls))
    assert result.exit_code == 2 and str(urls) in result.stderr
    result = cli("--workspace", str(tmp_path / "ws"), "ingest", "nonsense-source")
    assert result.exit_code == 2 and "nonsense-source" in result.stderr
