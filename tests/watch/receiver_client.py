"""An in-process webhook receiver on a store, with a client that signs deliveries like Paymo."""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from paymo_mcp.watch import HookRecord, SqliteWatchStore, sign, webhook_routes

SECRET = "s3cret-hook-key-0b9f"
TASK_HOOK = HookRecord(
    "tasks", 11, "model.insert.Task", "https://mcp.example/webhooks/paymo/tasks", SecretStr(SECRET)
)


class Receiver:
    """An in-process app with the webhook routes, a client for it, and the notifications it sent."""

    def __init__(self, store: SqliteWatchStore) -> None:
        self.store = store
        self.notified: list[str] = []
        app = Starlette(routes=webhook_routes(store, self.on_event))
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")

    async def on_event(self, resource: str) -> None:
        self.notified.append(resource)

    async def deliver(
        self,
        record: Any,
        *,
        resource: str = "tasks",
        event: str | None = "model.insert.Task",
        secret: str | None = SECRET,
        hook_id: int | None = 11,
        body: bytes | None = None,
    ) -> httpx.Response:
        raw = body if body is not None else json.dumps(record, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if event is not None:
            headers["X-Paymo-Event"] = event
        if hook_id is not None:
            headers["X-Paymo-Webhook"] = str(hook_id)
        if secret is not None:
            headers["X-Paymo-Signature"] = sign(secret, raw)
        return await self.http.post(f"/webhooks/paymo/{resource}", content=raw, headers=headers)
