"""Turns (input model, handler) into an MCP Tool: strict argument checks, one-line errors, compact output.

Every tool of the server is made here, so three rules hold everywhere: an unknown or misspelt argument
is an error naming it; a Paymo failure reaches the model as one ToolError line; the text block is
compact JSON next to the structured content.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Annotated, Any, get_args, get_origin

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import build_resolver_plans, find_resolved_parameters
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from paymo_mcp.client import PaymoError
from paymo_mcp.models.timezone import USER_TZ, zone
from paymo_mcp.server.context import AppContext, app_context

logger = logging.getLogger(__name__)
_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")

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
    known = app.extras.get("timezone")
    if isinstance(known, tzinfo):
        return known
    try:
        body = await app.client.request("GET", "me")
    except PaymoError as exc:
        raise ToolError(
            f"Could not read your Paymo time zone (GET /me) to place a time without an offset: {exc}"
        ) from None
    users = body.get("users") if isinstance(body, dict) else None
    me = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    found = zone(me.get("timezone"))
    app.extras["timezone"] = found
    return found


def _without_offset(value: Any) -> bool:
    """A date-time string with a time and no Z/±hh:mm offset (a date alone has no time to place)."""
    return isinstance(value, str) and len(value.strip()) > 10 and not _OFFSET.search(value.strip())


def _mentions_datetime(annotation: Any) -> bool:
    return annotation is datetime or any(_mentions_datetime(a) for a in get_args(annotation))


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
        # A date-time without an offset is the user's local time: their zone is needed to read it.
        token = None
        if any(_without_offset(arguments.get(name)) for name in local_times):
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

    local_times = [n for n, f in input_model.model_fields.items() if _mentions_datetime(f.annotation)]
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


def compact_schema(schema: dict[str, Any], *, nullable: bool = True, output: bool = False) -> dict[str, Any]:
    """Drop what costs tokens and tells a model nothing: titles, `default: null`, anyOf-with-null nesting.

    `nullable=False` also removes the null alternative (create and list tools: null and omitted mean
    the same). Nested input models (`$defs`) never keep null; output schemas (`output=True`) keep it
    everywhere, since Paymo does return nulls. The top-level description repeats the tool's.
    """

    def walk(node: Any, keep_null: bool, names: bool = False) -> Any:
        # `names`: the keys of this node are property names (under properties/$defs), never keywords,
        # so a property called "title" or "default" stays.
        if isinstance(node, list):
            return [walk(n, keep_null) for n in node]
        if not isinstance(node, dict):
            return node
        if names:
            return {k: walk(v, keep_null) for k, v in node.items()}
        out = {
            k: walk(v, keep_null and (output or k != "$defs"), k in _NAMED)
            for k, v in node.items()
            if k != "title"
        }
        if out.get("default", 0) is None:
            del out["default"]
        alts = out.get("anyOf")
        if isinstance(alts, list) and {"type": "null"} in alts:
            rest = [a for a in alts if a != {"type": "null"}]
            base = {k: v for k, v in out.items() if k != "anyOf"}
            if len(rest) == 1 and ("type" in rest[0] or "enum" in rest[0]) and "$ref" not in rest[0]:
                merged = {**base, **rest[0]}
                if keep_null and "type" in merged:
                    kinds = merged["type"] if isinstance(merged["type"], list) else [merged["type"]]
                    merged["type"] = [*kinds, "null"]
                if keep_null and "enum" in merged:
                    merged["enum"] = [*merged["enum"], None]
                return merged
            return {**base, "anyOf": alts if keep_null else rest}
        return out

    result: dict[str, Any] = walk(schema, nullable)
    result.pop("description", None)
    return result
