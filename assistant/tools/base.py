"""What a tool is: a typed function over a :class:`~assistant.tools.box.Toolbox`, defined once.

Its docstring is what a model reads (the first paragraph is the description); its parameters after the toolbox,
annotated with ``Annotated[type, Field(description=...)]``, are its arguments, and the JSON schema every surface
publishes (MCP's ``inputSchema``, an OpenAI ``tools`` entry) is derived from them by pydantic. Arguments are
validated here, so a wrong type or an unknown name is one sentence whatever the surface.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from assistant.chain.tools import ToolError as ToolError  # the chain's tool loop reports it to the model


@dataclass(frozen=True)
class Tool:
    name: str
    fn: Callable[..., Any]          # fn(box, **arguments) -> JSON-able records
    engine: str                     # what produced the records, for provenance
    read_only: bool
    args: type[BaseModel]           # the arguments, as a pydantic model built from the signature
    fetches: bool = False           # reaches the network (the crawler's client), not only the workspace

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")

    @property
    def parameters(self) -> list[inspect.Parameter]:
        """The signature's parameters after the toolbox, with their annotations evaluated."""
        hints = _hints(self.fn)
        params = list(inspect.signature(self.fn).parameters.values())[1:]
        return [p.replace(annotation=hints[p.name]) for p in params]

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (what MCP lists as ``inputSchema``)."""
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        return schema

    @property
    def summary(self) -> str:
        """The docstring's first paragraph, on one line (what a chat model with a small context reads)."""
        return self.description.split("\n\n")[0].replace("\n", " ")

    def openai(self) -> dict[str, Any]:
        """The tool as an entry of the OpenAI chat API's ``tools`` list (langchain's ``bind_tools`` takes it)."""
        return {"type": "function", "function": {"name": self.name, "description": self.summary,
                                                 "parameters": self.schema()}}

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The arguments as the function's keyword arguments; :class:`ToolError` (one sentence) when they do not
        fit the schema."""
        try:
            parsed = self.args.model_validate(arguments)
        except ValidationError as exc:
            raise ToolError(f"{self.name}: {_explain(exc)}") from None
        return {k: getattr(parsed, k) for k in type(parsed).model_fields}


def _explain(exc: ValidationError) -> str:
    """The first problem of a validation error in words: ``argument 'limit' must be an integer (got 'ten')``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "arguments"
    if err["type"] == "extra_forbidden":
        return f"unknown argument {where!r}"
    if err["type"] == "missing":
        return f"argument {where!r} is required"
    got = err.get("input")
    shown = repr(got) if isinstance(got, str | int | float | bool) or got is None else type(got).__name__
    return f"argument {where!r}: {err['msg'][:1].lower()}{err['msg'][1:]} (got {shown})"


REGISTRY: dict[str, Tool] = {}


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """The evaluated annotations of ``fn`` (its toolbox parameter is imported for type checking only)."""
    return typing.get_type_hints(fn, localns={"Toolbox": object}, include_extras=True)


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def tool(engine: str, read_only: bool = True, fetches: bool = False) -> Decorator:
    """Register the decorated function as a tool named after it."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        hints = _hints(fn)
        fields: dict[str, Any] = {}
        for p in list(inspect.signature(fn).parameters.values())[1:]:
            fields[p.name] = (hints[p.name], ... if p.default is inspect.Parameter.empty else p.default)
        args = create_model(f"{fn.__name__}_arguments", __config__=ConfigDict(extra="forbid"), **fields)
        REGISTRY[fn.__name__] = Tool(fn.__name__, fn, engine, read_only, args, fetches)
        return fn

    return register
