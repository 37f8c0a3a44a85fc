"""The MCP server over the tool layer (`assistant mcp`)."""
