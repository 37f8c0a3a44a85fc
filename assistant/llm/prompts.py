"""Prompt templates as files (``prompts/*.md``, shipped in the wheel as ``assistant.prompts``).

A template is Markdown with two sections, ``## system`` and ``## user``; ``{name}`` marks a variable and
``{{``/``}}`` a literal brace. Variables are strict: :func:`render` refuses a missing or an unknown one, so a
renamed variable fails loudly instead of sending the model an empty string.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


class PromptError(ValueError):
    """A template is missing, malformed, or rendered with the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    name: str
    system: str
    user: str

    @property
    def variables(self) -> frozenset[str]:
        return _fields(self.system) | _fields(self.user)

    def render(self, **values: object) -> tuple[str, str]:
        """(system, user) with every variable filled; extra or missing variables are errors."""
        missing = self.variables - set(values)
        extra = set(values) - self.variables
        if missing or extra:
            raise PromptError(f"prompt {self.name!r}: missing variables {sorted(missing)}, unknown {sorted(extra)}")
        text = {k: str(v) for k, v in values.items()}
        return self.system.format_map(text).strip(), self.user.format_map(text).strip()


def _fields(text: str) -> frozenset[str]:
    names = set()
    for _lit, field, _spec, _conv in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier():
            raise PromptError(f"template variable {{{field}}} is not a plain name")
        names.add(field)
    return frozenset(names)


def parse(name: str, text: str) -> Prompt:
    """A template from its file text (``## system`` then ``## user``; anything before them is a comment)."""
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    if set(sections) != {"system", "user"} or len(parts) != 5:
        raise PromptError(f"prompt {name!r} needs exactly one '## system' and one '## user' section")
    prompt = Prompt(name, sections["system"], sections["user"])
    _ = prompt.variables  # validate the placeholders now, not at first use
    return prompt


@cache
def load(name: str) -> Prompt:
    """The packaged template ``prompts/<name>.md``."""
    try:
        text = resources.files("assistant.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        raise PromptError(f"no prompt template {name!r} (prompts/{name}.md)") from None
    return parse(name, text)


def render(template: str, /, **values: object) -> tuple[str, str]:
    """(system, user) messages of template ``template`` filled with ``values``."""
    return load(template).render(**values)
