"""MCP resources (records and lookups by URI) and argument completion of record ids by name."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp_types import Completion, CompletionArgument, ResourceTemplateReference

from paymo_mcp.client import Condition, PaymoError, PaymoNotFoundError, build_where
from paymo_mcp.config import TOOLSETS
from paymo_mcp.models.currencies import CURRENCIES
from paymo_mcp.server.context import AppContext, app_context
from paymo_mcp.tools.lookups import LOOKUPS
from paymo_mcp.tools.resources import RESOURCES
from paymo_mcp.tools.spec import ResourceSpec
from paymo_mcp.tools.toolkit import compact_json

LOOKUP_NAMES = ("me", "currencies", *(spec.name for spec in LOOKUPS))
LOOKUP_TEMPLATE = "paymo://lookups/{name}"
WATCH_TEMPLATE = "paymo://watch/{resource}"
MAX_RECORD_ID = 2**63 - 1  # Paymo's ids are 64-bit integers; a larger one names no record
COMPLETIONS = 20  # most ids one completion answer offers
# The text field a typed word is matched against, per resource: most records have a name; an invoice
# is known by its number (or title), a time entry by its description.
SEARCH_FIELD = {"invoices": "number", "time_entries": "description"}


def parse_record_id(param: str, text: str) -> int:
    """A record id from a URI: ASCII digits (not `²` or other Unicode digits), 1 to MAX_RECORD_ID."""
    if not (text.isascii() and text.isdigit()):
        shown = repr(text) if len(text) <= 40 else f"{text[:37]!r}... ({len(text)} characters)"
        raise ResourceNotFoundError(f"{param} must be a number such as 42, got {shown}")
    # Compared as text first: int() of thousands of digits is refused (and slow) in Python.
    digits = text.lstrip("0")
    if len(digits) > len(str(MAX_RECORD_ID)) or int(digits or "0") > MAX_RECORD_ID:
        raise ResourceNotFoundError(
            f"{param} must be at most {MAX_RECORD_ID}, got a number of {len(digits)} digits"
        )
    return int(digits or "0")


def _record_reader(spec: ResourceSpec) -> Callable[..., Any]:
    """`read(<singular>_id, ctx)`: the record as compact JSON; the parameter name follows the URI."""
    param = f"{spec.singular}_id"

    async def read(ctx: Context[Any, Any], **ids: str) -> str:
        record_id = parse_record_id(param, ids[param])
        try:
            record = await app_context(ctx).client.get(spec.path, spec.key, record_id)
        except PaymoNotFoundError:
            raise ResourceNotFoundError(f"there is no {spec.noun} with id {record_id}") from None
        except PaymoError as exc:
            raise ResourceError(str(exc)) from None
        return compact_json(record)

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
    spec = next((s for s in LOOKUPS if s.name == name), None)
    if name not in ("me", "currencies") and spec is None:
        raise ResourceNotFoundError(f"unknown lookup {name!r}; use one of {', '.join(LOOKUP_NAMES)}")
    try:
        if name == "me":
            return compact_json(client._unwrap_one(await client.request("GET", "me"), "users", "GET", "/me"))
        if name == "currencies":
            return compact_json(CURRENCIES)
        assert spec is not None
        return compact_json(await client.list(spec.path, spec.key, limit=2500))
    except PaymoError as exc:
        raise ResourceError(str(exc)) from None


async def complete_ids(app: AppContext, spec: ResourceSpec, typed: str) -> Completion:
    """Ids of `spec`'s records whose id starts with the digits typed, then those whose name (an
    invoice's number, an entry's description) contains what was typed."""
    typed = typed.strip()
    queries: list[tuple[str | None, bool]] = []  # (where, keep only ids starting with `typed`)
    if typed.isdigit():
        queries.append((build_where([Condition("id", ">=", int(typed))]), True))
    field = SEARCH_FIELD.get(spec.name, "name")
    queries.append((build_where([Condition(field, "like", f"%{typed}%")]) if typed else None, False))
    ids: list[str] = []
    more = False
    for where, by_prefix in queries:
        try:
            found = await app.client.list(spec.path, spec.key, where=where, limit=COMPLETIONS)
        except PaymoError:
            continue
        more = more or len(found) == COMPLETIONS
        for record in found:
            record_id = str(record["id"])
            if record_id not in ids and (record_id.startswith(typed) or not by_prefix):
                ids.append(record_id)
    return Completion(values=ids[:COMPLETIONS], has_more=more or len(ids) > COMPLETIONS)


def add_resources(
    server: MCPServer[Any], holder: dict[str, AppContext], toolsets: tuple[str, ...] = TOOLSETS
) -> None:
    """Register record templates (of the enabled toolsets), the lookup template and completion.
    `holder["app"]` is the lifespan's AppContext (completion handlers get no request context)."""
    by_uri: dict[str, ResourceSpec] = {}
    for spec in RESOURCES:
        if spec.name not in toolsets:
            continue
        uri = f"paymo://{spec.name}/{{{spec.singular}_id}}"
        by_uri[uri] = spec
        searched = SEARCH_FIELD.get(spec.name, "name")
        server.resource(
            uri,
            name=spec.singular,
            description=f"One {spec.noun} as JSON; its id completes from its {searched}.",
            mime_type="application/json",
        )(_record_reader(spec))
    if "lookups" in toolsets:
        server.resource(
            LOOKUP_TEMPLATE,
            name="lookup",
            description=f"A lookup list as JSON: {', '.join(LOOKUP_NAMES)}.",
            mime_type="application/json",
        )(read_lookup)

    @server.completion()  # type: ignore[no-untyped-call,untyped-decorator]
    async def complete(ref: Any, argument: CompletionArgument, context: Any) -> Completion | None:
        if not isinstance(ref, ResourceTemplateReference):
            return None
        if ref.uri == LOOKUP_TEMPLATE:
            return Completion(values=[n for n in LOOKUP_NAMES if n.startswith(argument.value)])
        if ref.uri == WATCH_TEMPLATE:
            return Completion(
                values=[s.name for s in RESOURCES if s.name in toolsets and s.name.startswith(argument.value)]
            )
        spec = by_uri.get(ref.uri)
        app = holder.get("app")
        if spec is None or app is None:
            return None
        return await complete_ids(app, spec, argument.value)
