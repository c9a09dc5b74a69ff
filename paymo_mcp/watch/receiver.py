"""The webhook endpoint Paymo calls: verify the signature, store the new record durably, answer fast.

`POST /webhooks/paymo/{resource}` (multi-user mode: `/webhooks/paymo/u<id>/{resource}`, one person's
hooks) answers 200 only after the record is committed, so Paymo's delivery is never acknowledged for
something that could still be lost; subscribers are told after the response is sent. Secrets and
signatures never reach a log line or a response.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paymo_mcp.watch.errors import UnstorableRecord, WatchStoreError
from paymo_mcp.watch.namespace import person_key
from paymo_mcp.watch.records import HookRecord, record_id_of
from paymo_mcp.watch.resources import WATCH_RESOURCES
from paymo_mcp.watch.signature import verify
from paymo_mcp.watch.store import WatchStore

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/paymo/{resource}"
PERSON_WEBHOOK_PATH = "/webhooks/paymo/u{owner:int}/{resource}"
MAX_BODY_BYTES = 1024 * 1024
OnEvent = Callable[[str], Awaitable[None]]


def webhook_path(key: str) -> str:
    """The path Paymo should call for a store key (`tasks`, or one person's `u42/tasks`); join it to
    the public base URL for `target_url`."""
    return WEBHOOK_PATH.format(resource=key)


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The raw body, or None as soon as it is known to exceed `limit` (without reading the rest)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _candidates(hooks: list[HookRecord], hook_header: str | None) -> list[HookRecord]:
    """The hooks whose secret may have signed this delivery: the one it names, else all of the resource."""
    if hook_header and hook_header.strip().isdigit():
        named = [h for h in hooks if h.hook_id == int(hook_header)]
        if named:
            return named
    return hooks


async def _notify(on_event: OnEvent, resource: str) -> None:
    try:
        await on_event(resource)
    except Exception:
        # The record is stored; a failed notification must not turn into a failed delivery.
        logger.exception("notifying watchers of new %s failed", resource)


def webhook_routes(
    store: WatchStore,
    on_event: OnEvent | None = None,
    *,
    max_body: int = MAX_BODY_BYTES,
    people: bool = False,
) -> list[Route]:
    """Starlette routes serving Paymo's `model.insert.*` deliveries for the watchable resources; with
    `people`, also each signed-in person's (stored and announced under their key, `u<id>/<resource>`).
    `on_event` gets the store key of what was stored."""

    async def receive(request: Request) -> Response:
        bare = request.path_params["resource"]
        owner = request.path_params.get("owner")
        resource = bare if owner is None else person_key(owner, bare)
        spec = WATCH_RESOURCES.get(bare)
        if spec is None:
            return _refuse(404, f"no webhook endpoint for {bare[:40]!r}")
        body = await _read_capped(request, max_body)
        if body is None:
            return _refuse(413, f"delivery larger than {max_body} bytes")
        try:
            hooks = await store.list_hooks(resource)
        except WatchStoreError:
            # Paymo retries a failed delivery; the record is then found by polling once fixed.
            logger.warning("refused a %s delivery: the watch database is unavailable", resource)
            return _refuse(503, "the watch store is unavailable")
        if not hooks:
            logger.warning("refused a %s delivery: no hook is registered for it", resource)
            return _refuse(401, f"no webhook is registered for {resource}")
        signature = request.headers.get("x-paymo-signature")
        candidates = _candidates(hooks, request.headers.get("x-paymo-webhook"))
        if not any(verify(h.secret.get_secret_value(), body, signature) for h in candidates):
            logger.warning("refused a %s delivery: missing or invalid signature", resource)
            return _refuse(401, "missing or invalid X-Paymo-Signature")
        event = request.headers.get("x-paymo-event", "")
        if event != spec.insert_event:
            # Signed but not an insert of this resource (a wildcard hook, an update): nothing to keep.
            return JSONResponse({"status": "ignored"})
        try:
            record: Any = json.loads(body, parse_constant=_no_constant)
            if not isinstance(record, dict):
                raise ValueError("not an object")
            record_id = record_id_of(record)
        except (ValueError, RecursionError):
            return _refuse(400, "the body must be a JSON object with an integer id")
        try:
            added = await store.add_events(resource, [record])
        except UnstorableRecord as exc:
            return _refuse(422, f"not stored: {exc}")
        except WatchStoreError:
            logger.warning("refused a %s delivery: the watch database is unavailable", resource)
            return _refuse(503, "the watch store is unavailable")
        logger.debug("webhook %s: %s %s", event, resource, record_id if added else f"{record_id} (repeat)")
        background = BackgroundTask(_notify, on_event, resource) if added and on_event else None
        return JSONResponse({"status": "stored" if added else "duplicate"}, background=background)

    routes = [Route(WEBHOOK_PATH, receive, methods=["POST"], name="paymo_webhook")]
    if people:
        routes.insert(0, Route(PERSON_WEBHOOK_PATH, receive, methods=["POST"], name="paymo_person_webhook"))
    return routes
