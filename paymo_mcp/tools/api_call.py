"""api_call: one authorized raw request to the Paymo API, for what the typed tools do not cover.

The key can only go to the configured base URL (see client/confine.py); redirects are never followed.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import BaseModel, Field, field_validator, model_validator

from paymo_mcp.catalog.resources import RESOURCES
from paymo_mcp.client import PaymoError
from paymo_mcp.client.confine import (
    METHOD_OVERRIDE,
    METHODS,
    ConfinementError,
    confine_headers,
    confine_method,
    confine_override,
    confine_path,
    confine_query,
    effective_method,
    join_url,
    method_override,
    same_origin,
)
from paymo_mcp.client.paymo import ANSWER_LOST
from paymo_mcp.models.common import InputModel
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.toolkit import compact_json, compact_schema, make_tool, tool_hints

MAX_BODY_CHARS = 36_000  # of response text: with the headers, the answer stays under 40,000 characters
MAX_REQUEST_BODY_CHARS = 1_000_000
_TEXT_TYPES = (
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
)


def _refusal(field: str, exc: ConfinementError) -> ValueError:
    """The confinement message without a leading field name, which the error line already shows."""
    return ValueError(str(exc).removeprefix(f"{field} "))


class ApiCallArguments(InputModel):
    """One raw Paymo request; every part is checked by client/confine.py before anything is sent."""

    method: str = Field(
        "GET",
        description="GET, POST (create), PUT (update), PATCH or DELETE.",
        json_schema_extra={"enum": list(METHODS)},
    )
    path: str = Field(
        description="Endpoint relative to the API base, e.g. 'milestones', 'expenses/12'; "
        "a leading '/' or 'api/' is fine. No '?': parameters go in query."
    )
    query: dict[str, str | int | float | bool] | None = Field(
        None,
        description='Query parameters, e.g. {"where": "project_id=5 and complete=false", '
        '"include": "tasks"}; strings, numbers or booleans.',
    )
    headers: dict[str, str] | None = Field(
        None,
        description="Extra request headers. Authorization, Host, Cookie and connection headers "
        "are the server's and are refused.",
    )
    body: dict[str, Any] | list[Any] | None = Field(
        None, description="JSON body (object or array) for POST, PUT or PATCH."
    )

    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, value: object) -> str:
        try:
            return confine_method(value)
        except ConfinementError as exc:
            raise _refusal("method", exc) from None

    @field_validator("path", mode="before")
    @classmethod
    def _path(cls, value: object) -> str:
        try:
            return confine_path(value)
        except ConfinementError as exc:
            raise _refusal("path", exc) from None

    @field_validator("query", mode="before")
    @classmethod
    def _query(cls, value: object) -> dict[str, str]:
        try:
            return confine_query(value)
        except ConfinementError as exc:
            raise _refusal("query", exc) from None

    @field_validator("headers", mode="before")
    @classmethod
    def _headers(cls, value: object) -> dict[str, str]:
        try:
            return confine_headers(value)
        except ConfinementError as exc:
            raise _refusal("headers", exc) from None

    @field_validator("body", mode="before")
    @classmethod
    def _body(cls, value: object) -> object:
        if value is not None and not isinstance(value, dict | list):
            raise ValueError("must be a JSON object or array")
        if value is not None and len(compact_json(value)) > MAX_REQUEST_BODY_CHARS:
            raise ValueError(f"is longer than {MAX_REQUEST_BODY_CHARS} characters as JSON")
        if isinstance(value, dict):
            try:
                confine_override("body", value)
            except ConfinementError as exc:
                raise _refusal("body", exc) from None
        return value

    @model_validator(mode="after")
    def _one_override(self) -> ApiCallArguments:
        if method_override(self.query) and method_override(self.body):
            raise ValueError(f"give {METHOD_OVERRIDE} in query or in body, not in both")
        return self


class ApiCallResult(BaseModel):
    """What Paymo answered, whatever the status."""

    status: int = Field(description="HTTP status; a non-2xx status is Paymo's answer, not a tool failure.")
    headers: dict[str, str] = Field(
        description="content-type, location, retry-after and x-ratelimit-* when present."
    )
    body: Any = Field(description="Parsed JSON, or text for other types; null when empty or binary.")
    truncated: bool = Field(description="True when the body was cut to the size cap.")
    note: str | None = Field(None, description="Why something was cut, withheld or not followed.")


def _location(response: httpx.Response, base_url: str) -> tuple[str, str | None]:
    """The Location header to show, and a note: shown in full only when it is on the API's own origin."""
    raw = response.headers["location"]
    try:
        resolved = response.request.url.join(raw)
        shown, host = str(resolved), resolved.host or "an unnamed host"
        # User-info in a location is a credential of its own: such a URL is never shown.
        showable = not resolved.userinfo and same_origin(base_url, shown)
    except (httpx.InvalidURL, ValueError):
        shown, host, showable = "", "an unparseable URL", False
    redirect = response.is_redirect
    if showable:
        note = (
            f"HTTP {response.status_code} redirect, not followed (api_call never follows redirects); "
            "if the location is under the API base, call api_call again with its path."
        )
        return shown, note if redirect else None
    what = f"HTTP {response.status_code} redirect" if redirect else "The Location header"
    return f"(withheld: another origin, {host})", (
        f"{what} points to another origin ({host}): not followed, no credentials were sent there, "
        "and the full URL is withheld."
    )


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+json", "+xml"))


def _body(response: httpx.Response) -> tuple[Any, bool, str | None]:
    """(body, truncated, note): JSON parsed, text as text, binary described, anything long cut."""
    raw = response.content
    if not raw:
        return None, False, None
    content_type = response.headers.get("content-type", "")
    if (content_type and not _is_text(content_type)) or b"\x00" in raw:
        kind = content_type.split(";", 1)[0] or "binary"
        return None, False, f"{kind} body of {len(raw)} bytes not shown (not text)"
    try:
        text = response.text if content_type else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, False, f"binary body of {len(raw)} bytes not shown (not text)"
    if len(text) > MAX_BODY_CHARS:
        cut = text[:MAX_BODY_CHARS]
        while (over := len(json.dumps(cut, ensure_ascii=False)) - MAX_BODY_CHARS) > 0:
            cut = cut[: len(cut) - over]  # quotes and backslashes double in the answer's JSON
        note = (
            f"body cut to the first {len(cut)} of {len(text)} characters (so not parsed as JSON); "
            "ask for less: where, page and page_size, or fewer include keys."
        )
        return cut, True, note
    if "json" in content_type.lower() or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text), False, None
        except ValueError:
            pass
    return text, False, None


def _result(response: httpx.Response, base_url: str) -> dict[str, Any]:
    headers: dict[str, str] = {}
    notes: list[str] = []
    for name, value in response.headers.items():
        name = name.lower()
        if name in ("content-type", "retry-after") or name.startswith("x-ratelimit-"):
            headers[name] = value
    if "location" in response.headers:
        headers["location"], note = _location(response, base_url)
        if note:
            notes.append(note)
    body, truncated, body_note = _body(response)
    if body_note:
        notes.append(body_note)
    if response.extensions.get(ANSWER_LOST):
        notes.append(
            "An earlier try of this request got no answer and may have been applied"
            + (
                " (a 404 on DELETE then means it was deleted)."
                if response.request.method == "DELETE"
                else "."
            )
        )
    result: dict[str, Any] = {
        "status": response.status_code,
        "headers": headers,
        "body": body,
        "truncated": truncated,
    }
    if notes:
        result["note"] = " ".join(notes)
    return result


def _inside(url: str, base_url: str) -> bool:
    """The URL as httpx will send it has the base's origin and lies under its path."""
    target, base = httpx.URL(url), httpx.URL(base_url)
    return (
        (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)
        and target.raw_path.startswith(base.raw_path)
        and not target.userinfo
    )


def _acts_as(args: ApiCallArguments) -> str:
    """`DELETE`, or `GET with _method=DELETE`: how a refusal names what the request would do."""
    acts = effective_method(args.method, args.query, args.body)
    return args.method if acts == args.method else f"{args.method} with {METHOD_OVERRIDE}={acts}"


async def delete_question(arguments: dict[str, Any], app: AppContext) -> str | None:
    """What to ask before a call that deletes (DELETE, or a `_method=DELETE` override); None otherwise.
    A record path of a typed resource (`clients/3`) is named as delete_client would name it."""
    args = ApiCallArguments.model_validate(arguments)  # checked already: make_tool asks only if valid
    if effective_method(args.method, args.query, args.body) != "DELETE":
        return None
    request = f"api_call {_acts_as(args)} {args.path}"
    resource, _, record_id = args.path.partition("/")
    spec = next((s for s in RESOURCES if s.path == resource), None)
    if spec is None or not (record_id.isascii() and record_id.isdigit() and len(record_id) <= 18):
        return f"Send {request} to Paymo? It deletes what that path names. This cannot be undone."
    label = ""
    try:
        record = await app.client.get(spec.path, spec.key, int(record_id))
        label = next(
            (
                f" {record[k]!r}"
                for k in ("name", "number", "description")
                if str(record.get(k) or "").strip()
            ),
            "",
        )
    except PaymoError:
        pass  # e.g. not found: the call itself will say so
    cascade = f" Also deletes {spec.cascade}." if spec.cascade else ""
    return f"Delete {spec.noun} {int(record_id)}{label} ({request})?{cascade} This cannot be undone."


def api_call_tool(read_only: bool, served: frozenset[str] = frozenset()) -> Tool:
    """The api_call tool; with `read_only`, every method but GET (and any override of GET) is refused.
    A call that deletes asks the user first, as the delete_* tools do (unless --no-confirm)."""

    async def handler(args: ApiCallArguments, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
        writes = args.method != "GET" or effective_method(args.method, args.query, args.body) != "GET"
        if (read_only or app.settings.read_only) and writes:
            raise ToolError(
                f"Refused: this server is read-only (PAYMO_READ_ONLY), so api_call allows only GET, "
                f"not {_acts_as(args)}. Nothing was sent."
            )
        if args.body is not None and args.method in ("GET", "DELETE"):
            raise ToolError(
                f"Invalid arguments: body: {args.method} sends no body; use POST, PUT or PATCH, "
                "or pass GET parameters in query"
            )
        client = app.client
        try:
            url = join_url(client.base_url, args.path)
        except ConfinementError as exc:
            raise ToolError(f"Refused: {exc}. Nothing was sent.") from None
        if not _inside(url, client.base_url):
            raise ToolError("Refused: the request would leave the configured API base URL. Nothing was sent.")
        try:
            # The absolute URL that was checked is the one sent: httpx uses an absolute URL as is.
            response = await client.send(
                args.method,
                url,
                params=args.query or None,
                json_body=args.body,
                headers=args.headers or None,
            )
        except PaymoError as exc:
            exc.path = "/" + args.path
            raise
        return _result(response, client.base_url)

    # What the typed tools of this server do not cover: the opt-in resources it does not serve, then
    # what no typed tool covers.
    uncovered = [name for name in ("milestones", "expenses") if name not in served]
    uncovered += ["estimates", "reports", *(["comments"] if "comments" not in served else []), "files"]
    description = (
        "Raw authorized call to the Paymo API, for what the typed tools do not cover "
        f"({', '.join(uncovered)} ...); prefer a typed tool when one fits. "
        "The server adds the account's authorization and sends the request only to the configured "
        "Paymo API base. Lists take query where/include/page/page_size. Returns {status, headers, body, "
        "truncated}: a non-2xx answer is a normal result whose status and body say what went wrong, "
        f"not a tool error. Bodies over {MAX_BODY_CHARS // 1000} KB are cut (truncated=true). "
        "Redirects are never followed."
    )
    schema = compact_schema(ApiCallArguments.model_json_schema())
    if read_only:
        description += " This server is read-only: only GET is allowed."
        schema["properties"]["method"].update(enum=["GET"], description="GET only: this server is read-only.")
    else:
        description += " POST, PUT, PATCH and DELETE change the account; DELETE asks the user first."
    return make_tool(
        confirm=delete_question,
        name="api_call",
        description=description,
        input_model=ApiCallArguments,
        input_schema=schema,
        handler=handler,
        output_model=ApiCallResult,
        annotations=tool_hints("Paymo API call", read_only=False, destructive=True),
    )


__all__ = ["MAX_BODY_CHARS", "ApiCallArguments", "ApiCallResult", "api_call_tool"]
