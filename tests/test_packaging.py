"""The wheel's package list is complete and the prompt templates ship and load strictly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.llm import prompts

ROOT = Path(__file__).parents[1]


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "assistant").rglob("__init__.py")}
    assert found | {"assistant.prompts"} == listed


def test_every_template_parses_and_is_importable() -> None:
    names = [p.stem for p in (ROOT / "prompts").glob("*.md") if p.name != "README.md"]
    assert "example" in names
    for name in names:
        assert prompts.load(name).system.strip(), name


def test_variables_are_strict() -> None:
    assert prompts.render("example", name="Ann") == ("You answer in one sentence.", "Say hello to Ann in {braces}.")
    with pytest.raises(prompts.PromptError, match=r"missing variables \['name'\]"):
        prompts.render("example")
    with pytest.raises(prompts.PromptError, match=r"unknown \['nmae'\]"):
        prompts.render("example", name="Ann", nmae="x")
    with pytest.raises(prompts.PromptError, match="no prompt template 'nope'"):
        prompts.load("nope")
    with pytest.raises(prompts.PromptError, match="exactly one"):
        prompts.parse("bad", "## system\nhi\n")
    with pytest.raises(prompts.PromptError, match="plain name"):
        prompts.parse("bad", "## system\n{a.b}\n## user\nx\n")
