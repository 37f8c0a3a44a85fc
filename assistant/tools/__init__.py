"""The engines as tools, defined once for every surface that lets a model or a client call them.

A tool is a typed function (:mod:`.base`): its docstring is what a model reads, its JSON schema is derived from
its parameters' types, its result is the records the matching command prints with ``--format json``, wrapped in
provenance by the :class:`~assistant.tools.box.Toolbox` (workspace, crawl run, engine). All tools read; only
``ingest`` writes, and only when the surface was started with ``--allow-ingest``. The MCP server
(:mod:`assistant.mcp`) publishes them; the chat's tool calling (``[llm] tools``) binds the same list.
"""

from __future__ import annotations

from assistant.tools.base import Tool, ToolError
from assistant.tools.box import Options, Toolbox

__all__ = ["Options", "Tool", "ToolError", "Toolbox"]
