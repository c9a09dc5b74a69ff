"""Turns (input model, handler) into an MCP Tool: strict argument checks, one-line errors, compact output.

Every tool of the server is made here, so three rules hold everywhere: an unknown or misspelt argument
is an error naming it; a Paymo failure reaches the model as one ToolError line; the text block is
compact JSON next to the structured content.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, tzinfo
from typing import Annotated, Any, get_args, get_origin

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import build_resolver_plans, find_resolved_parameters
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from paymo_mcp.catalog.resources import ME
from paymo_mcp.client import PaymoError
from paymo_mcp.models.timezone import USER_TZ, needs_zone_to_read, zone
from paymo_mcp.tools.context import AppContext, app_context

logger = logging.getLogger(__name__)

Handler = Callable[[Any, AppContext, Context[Any, Any]], Awaitable[Any]]
# Given the raw arguments, the question to put to the user, or None when there is nothing to ask.
Question = Callable[[dict[str, Any], AppContext], Awaitable[str | None]]


class Confirmation(BaseModel):
    """What the user answers when a destructive call asks first."""

    confirm: bool = Field(description="Yes, go ahead.")


def _confirming(question: Question) -> Callable[..., Awaitable[Any]]:
    """A resolver asking the user through elicitation, when the client can and settings want it."""

    async def ask(arguments: dict[str, Any], ctx: Context[Any, Any]) -> Elicit[Confirmation] | Confirmation:
        app = app_context(ctx)
        capabilities = ctx.client_capabilities
        if not app.settings.confirm_deletes or capabilities is None or capabilities.elicitation is None:
            return Confirmation(confirm=True)
        message = await question(arguments, app)
        return Confirmation(confirm=True) if message is None else Elicit(message, Confirmation)

    return ask


class RawArguments(ArgModelBase):
    """Accepts any arguments so that the tool, not the SDK, decides what is unknown or wrong."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.__pydantic_extra__ or {})}


def compact_json(value: Any) -> str:
    """JSON without indentation or spaces: what a model reads, at the fewest tokens."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def tool_result(structured: dict[str, Any]) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=compact_json(structured))], structured_content=structured
    )


def _fields_at(model: type[BaseModel], path: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `path` (e.g. ("items", 1) -> an invoice item's fields)."""
    current = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        kinds: list[Any] = [field.annotation] if field else []
        while kinds and not (isinstance(kinds[0], type) and issubclass(kinds[0], BaseModel)):
            kinds = [*kinds[1:], *get_args(kinds[0])]
        if not kinds:
            return []
        current = kinds[0]
    return list(current.model_fields)


def _shown(got: Any) -> str:
    """` (got …)` for a rejected scalar, short; a huge number is described, not printed."""
    if isinstance(got, dict | list) or got is None:
        return ""
    if isinstance(got, int) and not isinstance(got, bool) and abs(got) > 10**40:
        return " (got a number of over 40 digits)"
    return f" (got {compact_json(got)[:60]})"


def describe_validation_error(exc: ValidationError, model: type[BaseModel]) -> str:
    """One line naming every rejected argument and what is wrong with it."""
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "arguments"
        if err["type"] == "extra_forbidden":
            fields = _fields_at(model, err["loc"][:-1])
            if fields:
                problems.append(f"unknown argument '{loc}' (allowed: {', '.join(fields)})")
            else:
                top = len(err["loc"]) == 1
                problems.append(
                    f"unknown argument '{loc}'" + (" (this tool takes no arguments)" if top else "")
                )
        elif err["type"] == "missing":
            problems.append(f"{loc}: required")
        elif err.get("input", 0) is None:
            problems.append(f"{loc}: cannot be null (omit it to leave the value as it is)")
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            shown = _shown(err.get("input"))
            problems.append(f"{loc}: {msg}{shown}")
    return "Invalid arguments: " + "; ".join(problems)


def _json_string_fields(model: type[BaseModel]) -> set[str]:
    """Fields typed as list/dict: models sometimes send those as JSON text, which is then decoded."""
    names = set()
    for name, field in model.model_fields.items():
        kinds = [field.annotation, *get_args(field.annotation)]
        if any(get_origin(k) in (list, dict) or k in (list, dict) for k in kinds):
            names.add(name)
    return names


def parse_arguments(model: type[BaseModel], arguments: dict[str, Any]) -> BaseModel:
    """Validate raw arguments against `model`, raising a ToolError that names each bad field."""
    decoded = dict(arguments)
    for name in _json_string_fields(model) & decoded.keys():
        value = decoded[name]
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(value)
    try:
        return model.model_validate(decoded)
    except ValidationError as exc:
        raise ToolError(describe_validation_error(exc, model)) from None


async def user_timezone(app: AppContext) -> tzinfo:
    """The Paymo user's time zone (`timezone` of GET /me), read once and kept for the server's life."""
    if app.user.timezone is not None:
        return app.user.timezone
    try:
        me = await ME.on(app.client).one()
    except PaymoError as exc:
        raise ToolError(
            f"Could not read your Paymo time zone (GET /me) to place a time without an offset: {exc}"
        ) from None
    app.user.timezone = found = zone(me.get("timezone"))
    return found


def _kinds(annotation: Any) -> list[Any]:
    """Every type an annotation mentions (through unions, lists and Annotated)."""
    return [annotation, *(k for a in get_args(annotation) for k in _kinds(a))]


def needs_user_zone(model: type[BaseModel], arguments: Any) -> bool:
    """Whether reading these arguments needs the user's zone: a date-time without an offset, or a day
    word (`today`, ...), anywhere in them, nested models (a list of entries) included."""
    if not isinstance(arguments, dict):
        return False
    for name, field in model.model_fields.items():
        value = arguments.get(field.alias or name, arguments.get(name))
        kinds = _kinds(field.annotation)
        if datetime in kinds and needs_zone_to_read(value, moment=True):
            return True
        if date in kinds and datetime not in kinds and needs_zone_to_read(value, moment=False):
            return True
        nested = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        values = value if isinstance(value, list) else [value]
        if any(needs_user_zone(sub, v) for sub in nested for v in values):
            return True
    return False


def tool_hints(
    title: str, *, read_only: bool, destructive: bool = False, idempotent: bool = False
) -> ToolAnnotations:
    """Every hint set explicitly; every tool reaches Paymo, an open world."""
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=True,
    )


def make_tool(
    *,
    name: str,
    description: str,
    input_model: type[BaseModel],
    handler: Handler,
    annotations: ToolAnnotations,
    output_model: type[BaseModel] | None = None,
    input_schema: dict[str, Any] | None = None,
    title: str | None = None,
    confirm: Question | None = None,
) -> Tool:
    """Build a Tool whose schema is `input_model`'s and whose body is `handler(args, app, ctx)`.

    The handler returns a dict (structured content) or a CallToolResult; PaymoError becomes a ToolError.
    With `confirm`, the user is asked first (elicitation) and a refusal ends the call with nothing done.
    """

    async def run(
        arguments: dict[str, Any], ctx: Context[Any, Any], confirmation: Any = None
    ) -> CallToolResult:
        if confirmation is not None and not (
            isinstance(confirmation, AcceptedElicitation) and confirmation.data.confirm
        ):
            raise ToolError("Nothing was done: the user did not confirm.")
        app = app_context(ctx)
        # A date-time without an offset is the user's local time, `today` is their today: their zone
        # is needed to read them (fetched once, only then).
        token = None
        if needs_user_zone(input_model, arguments):
            token = USER_TZ.set(await user_timezone(app))
        try:
            args = parse_arguments(input_model, arguments)
        finally:
            if token is not None:
                USER_TZ.reset(token)
        try:
            result = await handler(args, app, ctx)
        except PaymoError as exc:
            raise ToolError(str(exc)) from None
        return result if isinstance(result, CallToolResult) else tool_result(result)

    run.__name__ = name
    run.input_model = input_model  # type: ignore[attr-defined]  # read by the schema-coverage test
    resolved: dict[str, Any] = {}
    if confirm is not None:
        ask = confirm

        async def checked_question(arguments: dict[str, Any], app: AppContext) -> str | None:
            # Wrong arguments are rejected by `run` without asking the user or calling Paymo.
            try:
                parse_arguments(input_model, arguments)
            except ToolError:
                return None
            return await ask(arguments, app)

        run.__annotations__["confirmation"] = Annotated[
            ElicitationResult[Confirmation], Resolve(_confirming(checked_question))
        ]
        resolved = find_resolved_parameters(run)
    schema = input_schema if input_schema is not None else compact_schema(input_model.model_json_schema())
    return Tool(
        fn=run,
        name=name,
        title=title,
        description=description,
        parameters=schema,
        fn_metadata=FuncMetadata(
            arg_model=RawArguments,
            output_model=output_model,
            output_schema=(
                compact_schema(output_model.model_json_schema(), output=True) if output_model else None
            ),
        ),
        is_async=True,
        context_kwarg="ctx",
        annotations=annotations,
        resolved_params=resolved,
        resolver_plans=build_resolver_plans(resolved, {"arguments"}),
    )


# Schema keywords whose keys are names (of properties or definitions), not keywords.
_NAMED = frozenset({"properties", "$defs", "definitions", "patternProperties"})
# Which keywords constrain which JSON type: when a `type` array is split, each goes to its branch.
_KEYWORDS_OF = {
    "string": ("minLength", "maxLength", "pattern", "format"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
    "object": ("properties", "required", "additionalProperties"),
}


def single_types(node: dict[str, Any], keep_null: bool) -> dict[str, Any]:
    """The node with one type name per `type`: an array becomes `anyOf` branches of one type each.

    Type arrays (`["string", "null"]`) are legal JSON Schema, but the single-type dialects of some
    clients (the OpenAPI subset of Gemini's function declarations) reject them; the MCP Inspector
    flags them. Without `keep_null`, the null type (and a None in `enum`) is dropped.
    """
    kinds, enum = node.get("type"), node.get("enum")
    if not keep_null and isinstance(enum, list) and None in enum:
        node = {**node, "enum": [v for v in enum if v is not None]}
    if not isinstance(kinds, list):
        return node
    kinds = kinds if keep_null else [k for k in kinds if k != "null"]
    if len(kinds) == 1:
        return {**node, "type": kinds[0]}
    branches = [{"type": k, **{w: node[w] for w in _KEYWORDS_OF.get(k, ()) if w in node}} for k in kinds]
    moved = {w for k in kinds for w in _KEYWORDS_OF.get(k, ())}
    return {**{k: v for k, v in node.items() if k != "type" and k not in moved}, "anyOf": branches}


def compact_schema(
    schema: dict[str, Any], *, output: bool = False, nullable: bool | None = None
) -> dict[str, Any]:
    """Drop what costs tokens and tells a model nothing, in a form every major client accepts.

    Titles, `default: null` and anyOf-with-null nesting go; every `type` is one name (see
    single_types). Input schemas carry no null at all, whatever `nullable` says (it stays for the
    callers that pass it): null and omitted mean the same on create and list tools, and on update
    tools the description says "null clears" (null is still accepted there at run time). Nor do they
    carry `additionalProperties: false`, which Gemini's function declarations refuse with a 400: an
    unknown argument is refused at run time, naming the allowed ones. Output schemas (`output=True`)
    keep null, which Paymo does return. The top-level description repeats the tool's.
    """

    def walk(node: Any, names: bool = False) -> Any:
        # `names`: the keys of this node are property names (under properties/$defs), never keywords,
        # so a property called "title" or "default" stays.
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if names:
            return {k: walk(v) for k, v in node.items()}
        out = {k: walk(v, k in _NAMED) for k, v in node.items() if k != "title"}
        if out.get("default", 0) is None:
            del out["default"]
        if not output and out.get("additionalProperties") is False:
            del out["additionalProperties"]
        alts = out.get("anyOf")
        if isinstance(alts, list) and {"type": "null"} in alts:
            rest = [a for a in alts if a != {"type": "null"}]
            base = {k: v for k, v in out.items() if k != "anyOf"}
            if len(rest) == 1 and "$ref" not in rest[0]:
                merged = {**base, **rest[0]}
                if output and "type" in merged:
                    kinds = merged["type"] if isinstance(merged["type"], list) else [merged["type"]]
                    merged["type"] = [*kinds, "null"]
                elif output and "enum" in merged:
                    merged["enum"] = [*merged["enum"], None]
                elif output and "anyOf" in merged:
                    merged["anyOf"] = [*merged["anyOf"], {"type": "null"}]
                return single_types(merged, output)
            return {**base, "anyOf": [single_types(a, output) for a in (alts if output else rest)]}
        return single_types(out, output)

    result: dict[str, Any] = walk(schema)
    result.pop("description", None)
    return result
