"""The layers of paymo_mcp import one way only: no cycle between its packages, and the rules DESIGN.md
names (tools never import server, the client imports no other layer)."""

from __future__ import annotations

import ast
from pathlib import Path

import paymo_mcp

ROOT = Path(paymo_mcp.__file__).parent


def unit_of(module: str) -> str | None:
    """`paymo_mcp.tools.generator` -> `tools`; a top-level module (`config`) is a unit of its own."""
    parts = module.split(".")
    if parts[0] != "paymo_mcp" or len(parts) < 2:
        return None
    return parts[1]


def import_graph() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> the files that import it (every import: top level, in functions, or
    under TYPE_CHECKING, since each is a dependency a reader follows)."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent).with_suffix("")
        module = ".".join(relative.parts)
        unit = unit_of(module if relative.name != "__init__" else module + ".x")
        if unit is None:
            continue
        edges = graph.setdefault(unit, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
            for target in targets:
                other = unit_of(target)
                if other is not None and other != unit:
                    edges.setdefault(other, []).append(str(path.relative_to(ROOT.parent)))
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Every strongly connected set of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_packages() -> None:
    graph = import_graph()
    found = cycles(graph)
    shown = [
        " <-> ".join(group)
        + ": "
        + "; ".join(f"{a}->{b} in {graph[a][b][0]}" for a in group for b in group if b in graph.get(a, {}))
        for group in found
    ]
    assert not found, "import cycles between packages:\n" + "\n".join(shown)


def test_the_layer_rules_hold() -> None:
    graph = import_graph()
    assert "server" not in graph["tools"], f"tools imports server: {graph['tools'].get('server')}"
    assert not graph["client"], f"the client imports other layers: {graph['client']}"
    assert "config" not in graph["models"] and "tools" not in graph["models"], graph["models"]
    below_tools = ("client", "models", "catalog", "config", "watch", "sandbox")
    for unit in below_tools:
        assert "tools" not in graph.get(unit, {}), f"{unit} imports tools: {graph[unit]['tools']}"
        assert "server" not in graph.get(unit, {}), f"{unit} imports server: {graph[unit]['server']}"


def test_the_check_sees_a_cycle() -> None:
    """The cycle finder itself: a planted cycle is found, a chain is not."""
    assert cycles({"a": {"b": []}, "b": {"a": []}}) == [["a", "b"]]
    assert cycles({"a": {"b": []}, "b": {"c": []}, "c": {}}) == []
