"""The /api routes: one generic handler for every declared resource, plus /me, /company and /sessions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from paymo_mcp.sandbox import company, permissions, sessions
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import ApiError, bad_request
from paymo_mcp.sandbox.uploads import Upload

JSON_ONLY = "The sandbox answers in JSON only (format=pdf, xlsx, html and xml are not supported)"


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse({"message": error.message}, status_code=error.status, headers=error.headers)


async def read_body(request: Request) -> dict[str, Any]:
    """A JSON object, or form fields (`users[]=1&users[]=2` gives a list; multipart files become `Upload`s);
    other content types are refused."""
    raw = await request.body()
    if not raw.strip():
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise bad_request(f"Malformed JSON body: {exc}") from None
        if not isinstance(body, dict):
            raise bad_request("The JSON body must be an object")
        return body
    fields: list[tuple[str, Any]] = []
    if kind == "application/x-www-form-urlencoded":
        fields = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    elif kind == "multipart/form-data":
        for key, part in (await request.form()).multi_items():
            if isinstance(part, str):
                fields.append((key, part))
            else:
                fields.append((key, Upload(part.filename or "", part.content_type or "", await part.read())))
    else:
        raise bad_request(
            f"Unsupported Content-Type {kind or '(none)'}: the sandbox reads application/json, "
            "application/x-www-form-urlencoded and multipart/form-data (no XML)"
        )
    form: dict[str, Any] = {}
    for key, value in fields:
        if key.endswith("[]"):
            form.setdefault(key[:-2], []).append(value)
        else:
            form[key] = value
    return form


def _method_not_allowed(method: str, what: str) -> ApiError:
    return ApiError(405, f"Method not allowed: {method} {what}")


def handle(
    ctx: Ctx,
    method: str,
    path: str,
    query: Mapping[str, str],
    body: Mapping[str, Any],
    base_url: str,
    ip: str,
) -> JSONResponse:
    """Answer one authenticated /api request (inside the caller's transaction)."""
    parts = [p for p in path.split("/") if p]
    if query.get("format", "json").lower() != "json":
        raise bad_request(JSON_ONLY)
    if not parts:
        raise ApiError(404, "Not found: name a resource, e.g. /api/tasks")
    name, rest = parts[0], parts[1:]
    include = query.get("include")
    ctx.base_url, ctx.method = base_url, method
    if name == "me" and not rest:
        if method != "GET":
            raise _method_not_allowed(method, "/api/me")
        return JSONResponse({"users": [ctx.show(ctx.res("users"), ctx.user_id, include)]})
    if name == "company" and not rest:
        permissions.check(ctx, method, name, 1, body)
        if method == "GET":
            return JSONResponse({"company": company.show(ctx)})
        if method in ("POST", "PUT"):
            return JSONResponse({"company": company.update(ctx, body, method)})
        raise _method_not_allowed(method, "/api/company")
    if name == "sessions":
        return _sessions(ctx, method, rest, ip, base_url)
    res = ctx.registry.get(name)
    if res is None or len(rest) > 1:
        raise ApiError(404, f"Not found: the sandbox has no endpoint /api/{'/'.join(parts)}")
    if not rest:
        permissions.check(ctx, method, name, None, body)
        if method == "GET" and "list" in res.methods:
            return JSONResponse({name: ctx.list_records(res, query)})
        if method == "POST" and "create" in res.methods:
            record = ctx.create(name, body)
            shown = ctx.show(res, record["id"], None)
            location = f"{base_url}api/{name}/{record['id']}"
            return JSONResponse({name: [shown]}, status_code=201, headers={"Location": location})
        raise _method_not_allowed(method, f"/api/{name}")
    try:
        record_id = int(rest[0])
    except ValueError:
        raise ApiError(404, f"Not found: {rest[0]!r} is not a {res.label} id") from None
    permissions.check(ctx, method, name, record_id, body)
    if method == "GET" and "get" in res.methods:
        return JSONResponse({name: [ctx.show(res, record_id, include)]})
    if method in ("POST", "PUT") and "update" in res.methods:
        ctx.show(res, record_id, None)  # 404 before anything else, also for records out of the caller's scope
        ctx.update(name, record_id, body)
        return JSONResponse({name: [ctx.show(res, record_id, None)]})
    if method == "DELETE" and "delete" in res.methods:
        ctx.show(res, record_id, None)
        ctx.delete(name, record_id)
        return JSONResponse({})
    raise _method_not_allowed(method, f"/api/{name}/{record_id}")


def _sessions(ctx: Ctx, method: str, rest: list[str], ip: str, base_url: str) -> JSONResponse:
    if not rest and method == "GET":
        return JSONResponse({"sessions": sessions.list_sessions(ctx.storage, ctx.user_id)})
    if not rest and method == "POST":
        session = sessions.create_session(ctx.storage, ctx.user_id, ip)
        location = f"{base_url}api/sessions/{session['id']}"
        return JSONResponse({"sessions": [session]}, status_code=201, headers={"Location": location})
    if len(rest) == 1 and method == "GET":
        return JSONResponse({"sessions": [sessions.get_session(ctx.storage, ctx.user_id, rest[0])]})
    if len(rest) == 1 and method == "DELETE":
        sessions.delete_session(ctx.storage, ctx.user_id, rest[0])
        return JSONResponse({})
    raise _method_not_allowed(method, "/api/sessions" + "".join(f"/{p}" for p in rest))
