"""paymo-mcp: an MCP server that lets AI assistants and agents work in a Paymo account."""

__version__ = "0.1.0"
