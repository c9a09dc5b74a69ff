"""mcp.json.example and the README's client configurations, checked against the schema each client
documents, and the sandbox entry of the example started for real over stdio.

The rules, from each client's documentation:
- Claude Desktop (`claude_desktop_config.json`), Cursor (`mcp.json`), Claude Code (`.mcp.json`):
  `{"mcpServers": {name: server}}`; a local server has `command` (string) and optional `args`
  (strings) and `env` (string to string); Claude Code also takes `"type": "stdio"`, a remote one
  `url`/`headers`. Claude Code names: letters, digits, `-` and `_`.
- VS Code (`.vscode/mcp.json`): `{"servers": {...}, "inputs": [...]}`; every server has a `type`
  (`stdio` needs `command`; `http`/`sse` need `url`); `${input:id}` must name a declared input, and an
  input is `{"type": "promptString", "id", "description", "password"}`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "mcp.json.example"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
PLACEHOLDER = re.compile(
    r"^(your-[a-z-]+|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\{env:[A-Z_]+\}|\$\{input:[a-z-]+\})$"
)
STDIO_KEYS = {"type", "command", "args", "env"}


def check_stdio(name: str, server: dict[str, Any]) -> None:
    assert NAME.match(name), f"server name {name!r}"
    assert set(server) <= STDIO_KEYS, f"{name}: unknown keys {set(server) - STDIO_KEYS}"
    assert server.get("type", "stdio") == "stdio", name
    command = server["command"]
    assert isinstance(command, str) and Path(command).name == "paymo-mcp", f"{name}: command {command!r}"
    args = server.get("args", [])
    assert isinstance(args, list) and all(isinstance(a, str) for a in args), name
    env = server.get("env", {})
    assert isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()), (
        name
    )
    assert set(env) <= {"PAYMO_API_KEY", "PAYMO_BASE_URL", "PAYMO_LOG_LEVEL", "PAYMO_STATE_DIR"}, name
    for key, value in env.items():
        if key == "PAYMO_API_KEY":
            assert PLACEHOLDER.match(value), f"{name}: PAYMO_API_KEY must be a placeholder, not {value!r}"
    # The arguments are ones the server's own command line accepts.
    from paymo_mcp.cli import _parser

    parsed = _parser().parse_args(args)
    assert parsed.command is None, f"{name}: {args} does not serve MCP"


def check_mcp_servers(config: dict[str, Any]) -> dict[str, Any]:
    assert set(config) == {"mcpServers"}, set(config)
    servers: dict[str, Any] = config["mcpServers"]
    assert servers
    for name, server in servers.items():
        check_stdio(name, server)
    return servers


def check_vscode(config: dict[str, Any]) -> None:
    assert set(config) <= {"servers", "inputs"} and "mcpServers" not in config
    inputs = {i["id"]: i for i in config.get("inputs", [])}
    for item in inputs.values():
        assert item["type"] == "promptString" and item["description"] and item["password"] is True
    for name, server in config["servers"].items():
        assert "type" in server, f"VS Code needs a type on {name}"
        check_stdio(name, server)
        for reference in re.findall(r"\$\{input:([^}]+)\}", json.dumps(server)):
            assert reference in inputs, f"${{input:{reference}}} is not declared in inputs"


def readme_blocks() -> dict[str, list[Any]]:
    """The JSON blocks of the README's "Client configuration" section, by the client named before them."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Client configuration") : text.index("## Tools")]
    blocks: dict[str, list[Any]] = {}
    client = ""
    for part in re.split(r"(\*\*[^*]+\*\*|```json\n.*?```)", section, flags=re.S):
        if part.startswith("**"):
            client = part.strip("*")
        elif part.startswith("```json"):
            blocks.setdefault(client, []).append(json.loads(part[len("```json") : -3]))
    return blocks


def test_the_example_has_the_mcp_servers_shape_and_no_secret() -> None:
    config = json.loads(EXAMPLE.read_text())
    servers = check_mcp_servers(config)
    assert set(servers) == {"paymo", "paymo-sandbox"}
    assert servers["paymo"]["env"] == {"PAYMO_API_KEY": "your-paymo-api-key"}
    assert servers["paymo-sandbox"]["args"] == ["--sandbox"] and "PAYMO_API_KEY" not in servers[
        "paymo-sandbox"
    ].get("env", {})
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert servers["paymo"]["command"] in scripts  # the console script the package installs


def test_the_readme_gives_a_valid_block_for_each_client() -> None:
    blocks = readme_blocks()
    assert {"Claude Desktop", "Claude Code", "VS Code"} <= set(blocks), set(blocks)
    for config in blocks["Claude Desktop"] + blocks["Claude Code"]:
        check_mcp_servers(config)
    (vscode,) = blocks["VS Code"]
    check_vscode(vscode)
    assert vscode["servers"]["paymo"]["env"]["PAYMO_API_KEY"] == "${input:paymo-api-key}"
    (shared,) = blocks["Claude Code"]
    assert (
        shared["mcpServers"]["paymo"]["env"]["PAYMO_API_KEY"] == "${PAYMO_API_KEY}"
    )  # expanded by Claude Code
    section = (ROOT / "README.md").read_text()
    assert "claude mcp add --transport stdio --scope user paymo --env PAYMO_API_KEY=" in section
    assert "http://127.0.0.1:8000/mcp" in section


@pytest.mark.anyio
async def test_the_examples_sandbox_entry_starts_and_answers_over_stdio() -> None:
    server = json.loads(EXAMPLE.read_text())["mcpServers"]["paymo-sandbox"]
    # Resolve `paymo-mcp` the way a client would (PATH), else next to this interpreter (an unactivated venv).
    command = shutil.which(server["command"]) or str(Path(sys.executable).parent / server["command"])
    assert Path(command).exists(), f"{server['command']} is not installed"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")} | server.get("env", {})
    params = StdioServerParameters(command=command, args=server["args"], env=env)
    async with Client(params) as client:
        result = await client.call_tool("list_clients", {"limit": 1})
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["clients"][0]["name"] == "Acme Corporation"
