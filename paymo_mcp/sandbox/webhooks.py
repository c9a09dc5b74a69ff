"""Webhook delivery like Paymo's (§9.4): matching hooks get a signed POST of the changed object, in order,
from a background task, never on the API request's path."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from paymo_mcp.sandbox.engine import Ctx, Event
from paymo_mcp.sandbox.errors import ApiError
from paymo_mcp.sandbox.includes import parse_include
from paymo_mcp.sandbox.permissions import ADMIN_ONLY
from paymo_mcp.sandbox.schema import Record, Resource
from paymo_mcp.sandbox.storage import Storage
from paymo_mcp.sandbox.where import compile_where, parse_where

logger = logging.getLogger(__name__)

MODELS = (
    "Client", "ClientContact", "Project", "Tasklist", "Task", "Invoice", "InvoicePayment", "Entry",
    "Milestone", "Report", "Expense", "Estimate", "Comment", "User", "Booking",
)  # fmt: skip
EVENTS = frozenset(
    {f"model.{action}.{model}" for action in ("insert", "update", "delete") for model in MODELS}
    | {"model.start.Entry", "model.stop.Entry"}
)
_WILDCARD = re.compile(r"^(\*|model\.(insert|update|delete|start|stop)\.\*|\*\.(" + "|".join(MODELS) + r"))$")


def valid_event(pattern: str) -> bool:
    """A documented event name, `*`, `model.<action>.*` or `*.<Model>`."""
    return pattern in EVENTS or bool(_WILDCARD.match(pattern))


def event_matches(pattern: str, event: str) -> bool:
    if pattern in ("*", event):
        return True
    _, action, model = event.split(".")
    return pattern in (f"model.{action}.*", f"*.{model}")


def signature(secret: str, body: bytes) -> str:
    """`X-Paymo-Signature`: HMAC-SHA1 of the raw body, keyed with the hook's secret, hex, `sha1=` prefix."""
    return "sha1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()


def model_resource(registry: Mapping[str, Resource], event: str) -> Resource | None:
    """The resource a concrete event name (`model.insert.Task`) is about."""
    model = event.rsplit(".", 1)[-1]
    return next((r for r in registry.values() if r.model == model), None)


@dataclass
class Delivery:
    hook_id: int
    url: str
    event: str
    body: bytes
    secret: str | None


class Webhooks:
    """Matches changes to hooks and sends the deliveries one by one, oldest first."""

    def __init__(self, storage: Storage, registry: Mapping[str, Resource], timeout_s: float = 5.0) -> None:
        self.storage = storage
        self.registry = registry
        self.timeout_s = timeout_s
        self._pending: deque[Delivery] = deque()
        self._worker: asyncio.Task[None] | None = None
        self.log: deque[dict[str, Any]] = deque(maxlen=1000)  # the latest deliveries, for tests
        self.delivered = 0

    def clear(self) -> None:
        self._pending.clear()
        self.log.clear()
        self.delivered = 0

    def _hooks(self, ctx: Ctx) -> list[Record]:
        if "hooks" not in ctx.cache:
            ctx.cache["hooks"] = self.storage.select("hooks") if "hooks" in self.registry else []
        hooks: list[Record] = ctx.cache["hooks"]
        return hooks

    def match(self, ctx: Ctx, event: Event) -> list[int]:
        """Ids of the hooks this event goes to: the event pattern matches and the record passes `where`."""
        res = self.registry[event.resource]
        out: list[int] = []
        for hook in self._hooks(ctx):
            if not event_matches(hook["event"], event.name):
                continue
            if not self._creator_reads(ctx, hook, res.name):
                continue  # only if the user who created the hook has access to the object (§9.4)
            if hook.get("where"):
                try:
                    sql, params = compile_where(ctx, res, parse_where(hook["where"]))
                except ApiError:
                    continue  # a where that cannot be read never fires (paymo-api.md §9.2)
                if sql and not ctx.find(res.name, f"t.id = ? AND ({sql})", [event.record_id, *params]):
                    continue
            out.append(hook["id"])
        return out

    def _creator_reads(self, ctx: Ctx, hook: Record, resource: str) -> bool:
        """Whether the hook's creator may read this resource: an Employee or Guest has no invoicing
        (permissions.ADMIN_ONLY); a hook without a creator (made before users had keys) reads all."""
        if resource not in ADMIN_ONLY or not hook.get("user_id"):
            return True
        creator = ctx.get("users", hook["user_id"])
        return creator is not None and creator.get("type", "Admin") == "Admin"

    def payload(self, ctx: Ctx, event: Event) -> bytes | None:
        """The object at the root, with the model's extra includes; `{"id": "n"}` for a delete (the id as
        text, as in the signed example body of webhooks.md:196)."""
        if event.action == "delete":
            body: Any = {"id": str(event.record_id)}
        else:
            res = self.registry[event.resource]
            record = ctx.get(res.name, event.record_id)
            if record is None:
                return None
            node = parse_include(res, res.webhook_include, self.registry)
            body = ctx.render(res, [record], node, top=True)[0]
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def dispatch(self, ctx: Ctx) -> None:
        """Queue the deliveries of a committed request's events and make sure the sender runs."""
        if not ctx.events or not self._hooks(ctx):
            return
        hooks = {h["id"]: h for h in self._hooks(ctx)}
        for event in ctx.events:
            hook_ids = event.hooks if event.hooks is not None else self.match(ctx, event)
            body = self.payload(ctx, event) if hook_ids else None
            if body is None:
                continue
            for hook_id in hook_ids:
                hook = hooks[hook_id]
                self._pending.append(
                    Delivery(hook_id, hook["target_url"], event.name, body, hook.get("secret"))
                )
        if self._pending:
            self._ensure_worker()

    def _ensure_worker(self) -> None:
        loop = asyncio.get_running_loop()
        worker = self._worker
        if worker is not None and not worker.done() and worker.get_loop() is loop:
            return
        self._worker = loop.create_task(self._drain())

    async def _drain(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client:
            while self._pending:
                delivery = self._pending.popleft()
                try:
                    await self._deliver(client, delivery)
                except Exception:  # a bug must not stop later deliveries
                    logger.exception("webhook delivery to %s failed", delivery.url)

    async def _deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        if self.storage.get("hooks", delivery.hook_id) is None:
            return  # deleted meanwhile (by the API, or by an earlier 410)
        headers = {
            "Content-Type": "application/json",
            "X-Paymo-Webhook": str(delivery.hook_id),
            "X-Paymo-Event": delivery.event,
        }
        if delivery.secret:
            headers["X-Paymo-Signature"] = signature(delivery.secret, delivery.body)
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
            status = response.status_code
        except httpx.HTTPError:
            status = 0  # no HTTP answer (refused, timed out)
        with self.storage.lock:
            if status == 410:
                self.storage.delete("hooks", [delivery.hook_id])
            elif self.storage.get("hooks", delivery.hook_id) is not None:
                self.storage.update("hooks", delivery.hook_id, {"last_status_code": status})
        self.delivered += 1
        self.log.append(
            {"hook_id": delivery.hook_id, "event": delivery.event, "url": delivery.url, "status": status,
             "time": time.time()}
        )  # fmt: skip

    async def flush(self) -> int:
        """Wait until every queued delivery has been sent; returns how many deliveries were made so far."""
        while True:
            worker = self._worker
            if worker is not None and not worker.done() and worker.get_loop() is asyncio.get_running_loop():
                await asyncio.shield(worker)
                continue
            if self._pending:
                self._ensure_worker()
                continue
            return self.delivered

    async def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None and not worker.done() and worker.get_loop() is asyncio.get_running_loop():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
