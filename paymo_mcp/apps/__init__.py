"""MCP Apps views (`io.modelcontextprotocol/ui`): a timesheet and an invoice document, drawn by clients
that render Apps from the results of the tools that name them; other clients see the tools unchanged."""

from paymo_mcp.apps.views import VIEWS, View, html_of, views_extension

__all__ = ["VIEWS", "View", "html_of", "views_extension"]
