"""One resource = one declaration: every spec is served, and no other place names a resource or a path
that the catalog does not declare."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import SecretStr

import paymo_mcp
from paymo_mcp.catalog.resources import RESOURCES
from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS, OPT_IN, PRESETS, TOOL_TOOLSETS, TOOLSETS
from paymo_mcp.config import Settings
from paymo_mcp.server.prompts import PROMPTS
from paymo_mcp.server.resources import LOOKUP_NAMES
from paymo_mcp.tools.generator import resource_tools
from paymo_mcp.tools.references import REFERENCES
from paymo_mcp.tools.registry import HAND_WRITTEN, build_tools
from paymo_mcp.watch.resources import WATCH_RESOURCES

ROOT = Path(paymo_mcp.__file__).parent
EVERYTHING = Settings(api_key=SecretStr("k"), toolsets=TOOLSETS)
SPEC_TOOLSETS = {spec.toolset for spec in RESOURCES if spec.ops}


def tool_names(spec_name: str, singular: str, ops: tuple[str, ...]) -> set[str]:
    named = {"list": f"list_{spec_name}", "watch": f"watch_new_{spec_name}"}
    return {named.get(op, f"{op}_{singular}") for op in ops}


@pytest.mark.parametrize("spec", [s for s in RESOURCES if s.ops], ids=lambda s: s.name)
def test_every_spec_is_served_with_exactly_its_operations(spec) -> None:  # type: ignore[no-untyped-def]
    served = {tool.name for tool in build_tools(EVERYTHING)}
    wanted = tool_names(spec.name, spec.singular, spec.ops)
    assert wanted <= served, f"{spec.name}: not served: {sorted(wanted - served)}"
    undeclared = tool_names(spec.name, spec.singular, ("list", "get", "watch", "create", "update", "delete"))
    assert not (undeclared - wanted) & served, f"{spec.name}: tools it did not declare"
    alone = {t.name for t in build_tools(Settings(api_key=SecretStr("k"), toolsets=(spec.toolset,)))}
    assert wanted <= alone, f"{spec.name}: its toolset {spec.toolset!r} alone does not serve it"


def test_toolsets_are_the_specs_then_the_hand_written_ones() -> None:
    assert set(TOOLSETS) == SPEC_TOOLSETS | set(TOOL_TOOLSETS)
    assert set(DEFAULT_TOOLSETS) == set(TOOLSETS) - OPT_IN
    for toolset in TOOLSETS:  # each toolset alone serves something
        assert build_tools(Settings(api_key=SecretStr("k"), toolsets=(toolset,))), toolset


def test_nothing_names_a_toolset_or_resource_without_a_declaration() -> None:
    known = set(TOOLSETS)
    for preset, toolsets in PRESETS.items():
        assert set(toolsets) <= known, f"preset {preset} names {set(toolsets) - known}"
    for group in HAND_WRITTEN:
        assert set(group.needs) <= known, f"a hand-written group needs {set(group.needs) - known}"
    for prompt, needs, _ in PROMPTS:
        assert set(needs) <= known, f"prompt {prompt.__name__} needs {set(needs) - known}"
    assert set(WATCH_RESOURCES) == {s.name for s in RESOURCES if s.watchable}
    for name, watched in WATCH_RESOURCES.items():
        spec = next(s for s in RESOURCES if s.name == name)
        assert (watched.model, watched.path, watched.key) == (spec.webhook_model, spec.path, spec.key)
    paths = {spec.path for spec in RESOURCES}
    assert {path for path, _, _ in REFERENCES.values()} <= paths
    lookups = {s.name for s in RESOURCES if s.toolset == "lookups" or s.lookup_kind}
    assert set(LOOKUP_NAMES) == {"me", "currencies"} | lookups


CLIENT_METHODS = {"list", "get", "create", "update", "delete", "page", "read_one", "walk"}


def literal_paths(tree: ast.AST) -> list[int]:
    """Lines where a client method is called with a path written out (a string, or an f-string that
    starts with text) instead of one taken from a declaration."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if owner_name != "client":
            continue
        method = node.func.attr
        position = 1 if method == "request" else 0 if method in CLIENT_METHODS else None
        if position is None or len(node.args) <= position:
            continue
        path = node.args[position]
        written = isinstance(path, ast.Constant) and isinstance(path.value, str)
        starts_with_text = isinstance(path, ast.JoinedStr) and isinstance(path.values[0], ast.Constant)
        if written or starts_with_text:
            lines.append(node.lineno)
    return lines


def test_no_path_is_written_out_outside_the_catalog_and_the_client() -> None:
    outside = [
        path
        for layer in ("tools", "server", "watch", "models")
        for path in sorted((ROOT / layer).rglob("*.py"))
    ]
    found = {
        str(path.relative_to(ROOT)): lines
        for path in outside
        if (lines := literal_paths(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not found, f"Paymo paths written out (use a catalog spec or endpoint): {found}"


def test_the_path_check_sees_a_written_path() -> None:
    tree = ast.parse(
        'await app.client.list("entries", "entries")\n'
        'await client.request("GET", "me")\n'
        'await client.request("GET", f"{spec.path}/1")\n'
        "await TIME_ENTRIES.on(client).list()\n"
    )
    assert literal_paths(tree) == [1, 2]


def test_a_spec_says_which_operations_it_has_and_refuses_one_without_its_model() -> None:
    from paymo_mcp.catalog.resources import TASKS
    from paymo_mcp.catalog.spec import ResourceSpec

    common = {
        "name": "notes",
        "singular": "note",
        "noun": "note",
        "path": "notes",
        "key": "notes",
        "read": TASKS.read,
        "filters": TASKS.filters,
        "includes": (),
    }
    # Create but no update or delete: only what is declared is served.
    spec = ResourceSpec(**common, create=TASKS.create, operations=("create", "list"))
    assert spec.ops == ("list", "create") and not spec.watchable
    names = {t.name for t in resource_tools(spec)}
    assert names == {"list_notes", "create_note"}
    assert ResourceSpec(**common).ops == ("list", "get")  # derived: no write models, no webhook
    with pytest.raises(ValueError, match="update declared without its model"):
        ResourceSpec(**common, operations=("update",))
    with pytest.raises(ValueError, match="unknown operations"):
        ResourceSpec(**common, operations=("archive",))
