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


def test_a_plain_pip_install_is_a_working_tool(tmp_path: Path) -> None:
    """`pip install .` into a fresh virtualenv (no install.sh, no system packages) gives a tool that ingests a
    site with vectors: everything it needs at run time is declared or ships in the wheel, and the wheel stays
    small (the models beyond the ones we ship come from their own packages)."""
    import json
    import subprocess
    import sys
    import zipfile

    from tests.sites import CORPORA, make_mini_site, rebase, serve

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("link_assistant-*.whl")
    assert wheel.stat().st_size < 50 * 2**20
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"assistant/models/tokenizer.json", "assistant/models/minilm-static.npz", "assistant/prompts/ask.md",
            "assistant/models/NOTICE.md"} <= names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                         capture_output=True, text=True, timeout=1200, check=False)
    assert pip.returncode == 0, pip.stderr[-3000:]
    tool = str(venv / "bin" / "assistant")
    assert "ingest" in subprocess.run([tool, "--help"], capture_output=True, text=True, check=True).stdout
    site = tmp_path / "site"
    make_mini_site(CORPORA / "go-blog", site, 6)
    with serve(site) as url:
        rebase(site, url)
        out = subprocess.run([tool, "--workspace", str(tmp_path / "ws"), "ingest", url + "sitemap.xml", "--format",
                              "json"], capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout)
    assert summary["new"] == 6 and summary["embedded_chunks"] == summary["totals"]["chunks"] > 0
