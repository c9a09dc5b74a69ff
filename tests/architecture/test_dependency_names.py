"""The few non-public names of the MCP SDK and uvicorn that paymo-mcp relies on, each checked here.

The SDK 2.3 offers no public way to publish a tool's pre-built input schema while seeing its raw
arguments (an unknown argument must be an error naming it), nor to answer `resources/subscribe` of
earlier protocol versions; uvicorn offers no public hook for the request-head timeout. So
`pyproject.toml` pins the versions these were tested on (mcp 2.3.x, uvicorn < 0.55), and a release that
renames one fails here, naming it, rather than somewhere at run time.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import pytest
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT_PINS = ("mcp", "uvicorn")


def pinned(name: str) -> Requirement:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    return next(r for r in map(Requirement, project["dependencies"]) if r.name == name)


@pytest.mark.parametrize("name", PYPROJECT_PINS)
def test_the_installed_version_is_within_the_pin(name: str) -> None:
    requirement = pinned(name)
    assert requirement.specifier.contains(Version(version(name))), (name, version(name), requirement)
    installed = Version(version(name))
    next_minor = Version(f"{installed.major}.{installed.minor + 1}.0")
    assert not requirement.specifier.contains(next_minor), f"{name}: pin below {next_minor} ({requirement})"


def test_the_sdk_tool_takes_a_prebuilt_schema_and_raw_argument_metadata() -> None:
    from mcp.server.mcpserver.resolve import build_resolver_plans, find_resolved_parameters
    from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata

    fields = set(Tool.model_fields)
    assert {
        "fn",
        "name",
        "title",
        "description",
        "parameters",
        "fn_metadata",
        "is_async",
        "context_kwarg",
        "annotations",
        "resolved_params",
        "resolver_plans",
    } <= fields
    assert {"arg_model", "output_model", "output_schema"} <= set(FuncMetadata.model_fields)
    assert callable(ArgModelBase.model_dump_one_level)
    assert list(inspect.signature(find_resolved_parameters).parameters)[:1] == ["fn"]
    assert len(inspect.signature(build_resolver_plans).parameters) == 2


def test_the_sdk_lowlevel_server_and_connection_are_where_the_watch_reaches_them() -> None:
    from mcp.server.connection import Connection
    from mcp.server.session import ServerSession

    server = MCPServer("names")
    assert callable(server._lowlevel_server.add_request_handler)
    assert "self._connection = connection" in inspect.getsource(ServerSession.__init__)
    assert "outbound" in Connection.__annotations__


def test_uvicorn_offers_what_the_http_limits_subclass_uses() -> None:
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    for name in ("connection_made", "on_response_complete", "connection_lost"):
        assert callable(getattr(H11Protocol, name)), name
    source = inspect.getsource(H11Protocol.__init__)
    assert "self.conn = h11.Connection" in source and "self.transport" in inspect.getsource(H11Protocol)
    assert callable(uvicorn.Server.serve)
    assert "self.started = False" in inspect.getsource(uvicorn.Server.__init__)
