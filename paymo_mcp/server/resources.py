"""MCP resources (records and lookups by URI) and argument completion of record ids by name."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp_types import Completion, CompletionArgument, ResourceTemplateReference

from paymo_mcp.catalog.resources import ME, RESOURCES
from paymo_mcp.catalog.spec import ResourceSpec
from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from paymo_mcp.client import Condition, PaymoError, PaymoNotFoundError, build_where
from paymo_mcp.models.currencies import CURRENCIES
from paymo_mcp.tools.context import AppContext, app_context
from paymo_mcp.tools.toolkit import compact_json

# The lookup lists: the specs of the lookups toolset and every get_lookup kind.
LOOKUP_SPECS = {spec.name: spec for spec in RESOURCES if spec.toolset == "lookups" or spec.lookup_kind}
LOOKUP_NAMES = ("me", "currencies", *LOOKUP_SPECS)
LOOKUP_TEMPLATE = "paymo://lookups/{name}"
WATCH_TEMPLATE = "paymo://watch/{resource}"
MAX_RECORD_ID = 2**63 - 1  # Paymo's ids are 64-bit integers; a larger one names no record
COMPLETIONS = 20  # most ids one completion answer offers


def searched_field(spec: ResourceSpec) -> str:
    """The text field a typed word is matched against: what `search` looks in first (a name, an
    invoice's number, an entry's description)."""
    return spec.search_fields[0] if spec.search_fields else "name"


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
    spec = LOOKUP_SPECS.get(name)
    if name not in ("me", "currencies") and spec is None:
        raise ResourceNotFoundError(f"unknown lookup {name!r}; use one of {', '.join(LOOKUP_NAMES)}")
    try:
        if name == "me":
            return compact_json(await ME.on(client).one())
        if name == "currencies":
            return compact_json(CURRENCIES)
        assert spec is not None
        return compact_json(await spec.on(client).list(limit=2500))
    except PaymoError as exc:
        raise ResourceError(str(exc)) from None


async def complete_ids(app: AppContext, spec: ResourceSpec, typed: str) -> Completion:
    """Ids of `spec`'s records whose id starts with the digits typed, then those whose name (an
    invoice's number, an entry's description) contains what was typed."""
    typed = typed.strip()
    queries: list[tuple[str | None, bool]] = []  # (where, keep only ids starting with `typed`)
    if typed.isdigit():
        queries.append((build_where([Condition("id", ">=", int(typed))]), True))
    field = searched_field(spec)
    queries.append((build_where([Condition(field, "like", f"%{typed}%")]) if typed else None, False))
    ids: list[str] = []
    more = False
    for where, by_prefix in queries:
        try:
            found = await spec.on(app.client).list(where=where, limit=COMPLETIONS)
        except PaymoError:
            continue
        more = more or len(found) == COMPLETIONS
        for record in found:
            record_id = str(record["id"])
            if record_id not in ids and (record_id.startswith(typed) or not by_prefix):
                ids.append(record_id)
    return Completion(values=ids[:COMPLETIONS], has_more=more or len(ids) > COMPLETIONS)


def add_resources(
    server: MCPServer[Any],
    running: Callable[[], AppContext | None],
    toolsets: tuple[str, ...] = DEFAULT_TOOLSETS,
) -> None:
    """Register record templates (every spec with a get tool, in an enabled toolset), the lookup
    template and completion. `running()` is the lifespan's AppContext (completion handlers get no
    request context)."""
    by_uri: dict[str, ResourceSpec] = {}
    for spec in RESOURCES:
        if spec.toolset not in toolsets or not spec.offers("get"):
            continue
        uri = spec.uri_template
        by_uri[uri] = spec
        searched = searched_field(spec)
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
                values=[
                    s.name
                    for s in RESOURCES
                    if s.watchable and s.toolset in toolsets and s.name.startswith(argument.value)
                ]
            )
        spec = by_uri.get(ref.uri)
        app = running()
        if spec is None or app is None:
            return None
        return await complete_ids(app, spec, argument.value)
