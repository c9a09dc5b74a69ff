"""`/__sandbox/*`: the test controls (faults, request log, rate limit, quirks, reset, webhooks); no auth."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paymo_mcp.sandbox.errors import ApiError, bad_request
from paymo_mcp.sandbox.faults import parse_fault
from paymo_mcp.sandbox.quirks import Quirks, as_dict, parse_quirks
from paymo_mcp.sandbox.ratelimit import DEFAULT_LIMIT, DEFAULT_PERIOD_S

if TYPE_CHECKING:
    from paymo_mcp.sandbox.app import Sandbox


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"Malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("The JSON body must be an object")
    return body


def control_routes(sandbox: Sandbox) -> list[Route]:
    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.faults.clear()
        elif request.method == "POST":
            sandbox.faults.add(parse_fault(await _json(request)))
        return JSONResponse({"faults": sandbox.faults.pending()})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.requests.clear()
        return JSONResponse(sandbox.requests.entries())

    async def rate_limit(request: Request) -> Response:
        body = await _json(request)
        limit, period = body.get("limit", DEFAULT_LIMIT), body.get("period_s", DEFAULT_PERIOD_S)
        if not isinstance(limit, int) or limit < 1 or not isinstance(period, int | float) or period <= 0:
            raise bad_request("limit must be a positive integer and period_s a positive number of seconds")
        sandbox.limiter.configure(limit, float(period))
        return JSONResponse({"limit": limit, "period_s": period})

    async def quirks(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.set_quirks(Quirks())
        elif request.method == "POST":
            sandbox.set_quirks(parse_quirks(sandbox.quirks, await _json(request)))
        return JSONResponse(as_dict(sandbox.quirks))

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return JSONResponse({"reset": True})

    async def flush_webhooks(request: Request) -> Response:
        delivered = await sandbox.flush_webhooks()
        return JSONResponse({"delivered": delivered, "deliveries": list(sandbox.webhooks.log)})

    async def revoke_key(request: Request) -> Response:
        # As when a person deletes an API key in Paymo: the key answers 401 from now on.
        api_key = (await _json(request)).get("api_key")
        if not isinstance(api_key, str) or not api_key:
            raise bad_request("api_key (the key to revoke) is required")
        with sandbox.storage.lock:
            found = sandbox.storage.select("users", "t.api_key = ?", [api_key])
            for user in found:
                sandbox.storage.update("users", user["id"], {"api_key": f"revoked-{secrets.token_hex(16)}"})
        if not found:
            raise ApiError(404, "No user has this API key")
        return JSONResponse({"revoked": True, "user_id": found[0]["id"]})

    def guarded(handler: Any) -> Any:
        async def run(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except ApiError as error:
                return JSONResponse({"message": error.message}, status_code=error.status)

        return run

    return [
        Route("/__sandbox/faults", guarded(faults), methods=["GET", "POST", "DELETE"]),
        Route("/__sandbox/requests", guarded(requests), methods=["GET", "DELETE"]),
        Route("/__sandbox/rate_limit", guarded(rate_limit), methods=["POST"]),
        Route("/__sandbox/quirks", guarded(quirks), methods=["GET", "POST", "DELETE"]),
        Route("/__sandbox/reset", guarded(reset), methods=["POST"]),
        Route("/__sandbox/revoke_key", guarded(revoke_key), methods=["POST"]),
        Route("/__sandbox/flush_webhooks", guarded(flush_webhooks), methods=["POST"]),
    ]
