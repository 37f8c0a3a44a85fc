"""The LLM providers by name, with what each is: the ``[llm] provider`` values :mod:`assistant.settings` allows,
and the rows of the table :mod:`assistant.llm.providers` builds each model from. Below both, so the settings
never import the model code."""

from __future__ import annotations

PROVIDERS: dict[str, str] = {
    "local": "llama.cpp's server, started by the tool (xllamacpp)",
    "openai": "any OpenAI-compatible endpoint",
}
