"""MCP resources (records and lookups by URI) and argument completion of record ids by name."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import Completion, CompletionArgument, ResourceTemplateReference

from paymo_mcp.client import Condition, PaymoError, build_where
from paymo_mcp.models.currencies import CURRENCIES
from paymo_mcp.server.context import AppContext, app_context
from paymo_mcp.tools.lookups import LOOKUPS
from paymo_mcp.tools.resources import RESOURCES
from paymo_mcp.tools.spec import ResourceSpec
from paymo_mcp.tools.toolkit import compact_json

LOOKUP_NAMES = ("me", "currencies", *(spec.name for spec in LOOKUPS))


def _record_reader(spec: ResourceSpec) -> Callable[..., Any]:
    """`read(<singular>_id, ctx)`: the record as compact JSON; the parameter name follows the URI."""
    param = f"{spec.singular}_id"

    async def read(ctx: Context[Any, Any], **ids: str) -> str:
        record_id = ids[param]
        if not record_id.isdigit():
            raise ValueError(f"{param} must be a number, got {record_id!r}")
        return compact_json(await app_context(ctx).client.get(spec.path, spec.key, int(record_id)))

    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(param, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
            inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
        ],
        return_annotation=str,
    )
    read.__annotations__ = {param: str, "ctx": Context, "return": str}
    read.__name__ = f"read_{spec.singular}"
    return read


async def read_lookup(name: str, ctx: Context[Any, Any]) -> str:
    """The whole of one lookup list (me, currencies, users, workflow_statuses, ...)."""
    client = app_context(ctx).client
    if name == "me":
        return compact_json((await client.request("GET", "me"))["users"][0])
    if name == "currencies":
        return compact_json(CURRENCIES)
    spec = next((s for s in LOOKUPS if s.name == name), None)
    if spec is None:
        raise ValueError(f"unknown lookup {name!r}; use one of {', '.join(LOOKUP_NAMES)}")
    return compact_json(await client.list(spec.path, spec.key, limit=2500))


def add_resources(server: MCPServer[Any], holder: dict[str, AppContext]) -> None:
    """Register record templates, the lookup template and completion. `holder["app"]` is the lifespan's
    AppContext (completion handlers get no request context of their own)."""
    by_uri: dict[str, ResourceSpec] = {}
    for spec in RESOURCES:
        uri = f"paymo://{spec.name}/{{{spec.singular}_id}}"
        by_uri[uri] = spec
        server.resource(
            uri,
            name=spec.singular,
            description=f"One {spec.noun} as JSON; its id completes from a name.",
            mime_type="application/json",
        )(_record_reader(spec))
    server.resource(
        "paymo://lookups/{name}",
        name="lookup",
        description=f"A lookup list as JSON: {', '.join(LOOKUP_NAMES)}.",
        mime_type="application/json",
    )(read_lookup)

    @server.completion()  # type: ignore[no-untyped-call,untyped-decorator]
    async def complete(ref: Any, argument: CompletionArgument, context: Any) -> Completion | None:
        if not isinstance(ref, ResourceTemplateReference):
            return None
        if ref.uri == "paymo://lookups/{name}":
            return Completion(values=[n for n in LOOKUP_NAMES if n.startswith(argument.value)])
        spec = by_uri.get(ref.uri)
        app = holder.get("app")
        if spec is None or app is None:
            return None
        typed = argument.value.strip()
        if typed.isdigit():
            where = build_where([Condition("id", ">=", int(typed))])
        else:
            where = build_where([Condition("name", "like", f"%{typed}%")]) if typed else None
        try:
            found = await app.client.list(spec.path, spec.key, where=where, limit=20)
        except PaymoError:
            return Completion(values=[])
        return Completion(values=[str(r["id"]) for r in found], has_more=len(found) == 20)
