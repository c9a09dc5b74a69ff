"""The Sandbox ASGI app: /api behind rate limiting, fault injection, auth and a request log; test controls."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from paymo_mcp.sandbox import api
from paymo_mcp.sandbox.auth import authenticate
from paymo_mcp.sandbox.control import control_routes
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import ApiError
from paymo_mcp.sandbox.faults import ConnectionDropped, FaultBook
from paymo_mcp.sandbox.quirks import Quirks
from paymo_mcp.sandbox.ratelimit import RateLimiter
from paymo_mcp.sandbox.requestlog import RequestLog
from paymo_mcp.sandbox.resources import REGISTRY
from paymo_mcp.sandbox.schema import Record
from paymo_mcp.sandbox.seed import claim_api_key, seed_account
from paymo_mcp.sandbox.storage import Storage
from paymo_mcp.sandbox.uploads import asset_route
from paymo_mcp.sandbox.webhooks import Webhooks

logger = logging.getLogger(__name__)
API_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


class DroppedResponse(Response):
    """Starts an answer, then drops the connection: the request was processed, the client cannot know."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise ConnectionDropped()


class Sandbox:
    """A Paymo-compatible account in SQLite, served as an ASGI app (`create_app()` makes one)."""

    def __init__(
        self, api_key: str = "sandbox-key", db_path: str | None = None, *, seed: bool = True
    ) -> None:
        self.api_key = api_key
        self.registry = REGISTRY
        self.full_seed = seed
        self.storage = Storage(db_path, REGISTRY)
        self.faults = FaultBook()
        self.limiter = RateLimiter()
        self.post_limiter: RateLimiter | None = None  # the `post_limit` quirk: POSTs only
        self.quirks = Quirks()
        self.requests = RequestLog()
        self.webhooks = Webhooks(self.storage, REGISTRY)
        with self.storage.lock:
            if self.storage.ensure_schema():
                seed_account(self.storage, REGISTRY, api_key, full=seed)
            claim_api_key(self.storage, api_key)
        routes = [
            Route("/api", self._api, methods=API_METHODS),
            Route("/api/{path:path}", self._api, methods=API_METHODS),
            *control_routes(self),
            Route("/assets/{path:path}", asset_route(self.storage), methods=["GET"]),
            Route("/{path:path}", self._elsewhere, methods=API_METHODS),
        ]
        self._app = Starlette(routes=routes, lifespan=self._lifespan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await self.webhooks.close()

    # -- the knobs tests turn ------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded state: data, faults, request log, rate limit and queued webhooks."""
        with self.storage.lock:
            self.storage.drop_all()
            self.storage.ensure_schema()
            seed_account(self.storage, REGISTRY, self.api_key, full=self.full_seed)
        self.faults.clear()
        self.requests.clear()
        self.limiter.configure()
        self.set_quirks(Quirks())
        self.webhooks.clear()

    def set_quirks(self, quirks: Quirks) -> None:
        """Turn real-Paymo behaviours on or off (`POST /__sandbox/quirks`); a new POST limit restarts."""
        if quirks.post_limit is None:
            self.post_limiter = None
        elif (quirks.post_limit, quirks.post_period_s) != (self.quirks.post_limit, self.quirks.post_period_s):
            self.post_limiter = RateLimiter(quirks.post_limit, quirks.post_period_s)
        self.quirks = quirks

    def bulk_insert(self, resource: str, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Store many records at once, for big benchmark accounts: defaults and timestamps are filled in,
        but no rule runs (no codes, statuses or cascades) and no webhook fires; give consistent rows."""
        res = self.registry[resource]
        ctx = Ctx(self.storage, self.registry)
        template = {f.name: f.default_value() for f in res.fields if f.name != "id"}
        full = []
        for row in rows:
            record = {**template, **{k: v for k, v in row.items() if k in res.by_name}}
            record["created_on"] = record.get("created_on") or ctx.now
            record["updated_on"] = record.get("updated_on") or record["created_on"]
            full.append(record)
        return self.storage.insert_many(resource, full)

    async def flush_webhooks(self) -> int:
        """Wait until every queued webhook delivery has been sent (run on the sandbox's event loop)."""
        return await self.webhooks.flush()

    # -- /api ----------------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method, path, query = request.method, request.url.path, request.url.query
        verdict = self.limiter.hit()
        if verdict.allowed and method == "POST" and self.post_limiter is not None:
            verdict = self.post_limiter.hit()
        dropped = False
        response: Response
        if not verdict.allowed:
            response = api.error_response(ApiError(429, "Too Many Requests"))
        else:
            fault = self.faults.take(method, path)
            if fault is not None and fault.delay_s:
                # Read the request first, as a server does: a client that times out during the delay
                # must not stop a `reset` fault's write from being applied (that is what it simulates).
                await request.body()
                await anyio.sleep(fault.delay_s)
            if fault is not None and not fault.reset:
                headers = {} if fault.retry_after is None else {"Retry-After": _seconds(fault.retry_after)}
                response = api.error_response(ApiError(fault.status, "Injected fault", headers))
            else:
                response = await self._serve(request)
                dropped = fault is not None
        for name, value in verdict.headers.items():
            if name not in response.headers:
                response.headers[name] = value
        self.requests.add(method, path, query, response.status_code, dropped=dropped)
        return DroppedResponse() if dropped else response

    async def _serve(self, request: Request) -> Response:
        try:
            with self.storage.lock:
                user = authenticate(self.storage, request.headers)
            body = await api.read_body(request) if request.method in ("POST", "PUT", "PATCH") else {}
            ctx = self._ctx(user)
            path = request.url.path.split("/api", 1)[1]
            query = dict(request.query_params)
            client = request.client.host if request.client else "127.0.0.1"
            with self.storage.transaction():
                response = api.handle(ctx, request.method, path, query, body, str(request.base_url), client)
            self.webhooks.dispatch(ctx)
            return response
        except ApiError as error:
            return api.error_response(error)
        except Exception as exc:
            logger.exception("sandbox bug while answering %s %s", request.method, request.url.path)
            return JSONResponse({"message": f"Internal sandbox error: {type(exc).__name__}: {exc}"}, 500)

    def _ctx(self, user: Record | None) -> Ctx:
        ctx = Ctx(self.storage, self.registry, user)
        ctx.match_hooks = self.webhooks.match
        ctx.quirks = self.quirks
        return ctx

    async def _elsewhere(self, request: Request) -> Response:
        return JSONResponse({"message": f"Not found: {request.url.path} (the API lives under /api/)"}, 404)


def _seconds(value: float) -> str:
    if not math.isfinite(value):
        return "Infinity" if value > 0 else "NaN"
    return str(int(value)) if float(value).is_integer() else str(value)
