"""Which tool a view draws, and the `Apps` extension that serves the views and marks those tools.

A view is one self-contained HTML document (package data next to this module; the CSS and script the
two share are inlined when it is read), served as a `ui://` resource. Its tools keep their names,
descriptions and schemas: only their `_meta.ui.resourceUri` points at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from mcp.server.apps import Apps
from mcp.server.mcpserver.tools import Tool


@dataclass(frozen=True)
class View:
    uri: str
    file: str
    title: str
    description: str
    tools: tuple[str, ...]


VIEWS = (
    View(
        uri="ui://paymo-mcp/timesheet.html",
        file="timesheet.html",
        title="Timesheet",
        description="Tasks or projects by days with daily, weekly and billable totals and the running "
        "timer; log time in a cell, start or stop a timer.",
        tools=("summarize_time",),
    ),
    View(
        uri="ui://paymo-mcp/invoice.html",
        file="invoice.html",
        title="Invoice",
        description="An invoice, or the preview of one from unbilled time, as the client would get it.",
        tools=("get_invoice", "create_invoice_from_time"),
    ),
)
_SHARED = {"/*SHARED_CSS*/": "shared.css", "/*SHARED_JS*/": "shared.js"}


@cache
def html_of(view: View) -> str:
    """The view's document, with the shared CSS and script inlined (a view may fetch nothing)."""
    folder = files(__package__)
    html = folder.joinpath(view.file).read_text(encoding="utf-8")
    for marker, name in _SHARED.items():
        html = html.replace(marker, folder.joinpath(name).read_text(encoding="utf-8"))
    return html


def views_extension(tools: list[Tool]) -> tuple[list[Tool], Apps | None]:
    """The tools, those a view draws marked with its URI, and the extension serving the views in use
    (None when no served tool has a view)."""
    apps = Apps()
    by_tool = {name: view for view in VIEWS for name in view.tools}
    used: set[View] = set()
    marked = []
    for tool in tools:
        view = by_tool.get(tool.name)
        if view is not None:
            used.add(view)
            meta = {**(tool.meta or {}), "ui": {"resourceUri": view.uri}}
            tool = tool.model_copy(update={"meta": meta})
        marked.append(tool)
    for view in VIEWS:
        if view in used:
            apps.add_html_resource(
                view.uri,
                html_of(view),
                name=view.file.removesuffix(".html"),
                title=view.title,
                description=view.description,
                prefers_border=True,
            )
    return marked, (apps if used else None)
