"""`paymo-mcp hooks list|remove`: show and remove the Paymo webhooks this server registered (no secrets)."""

from __future__ import annotations

import json
import sys

import anyio

from paymo_mcp.client import PaymoError
from paymo_mcp.config import Settings
from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.service import WatchService
from paymo_mcp.watch.store import open_store


async def _run(settings: Settings, action: str, hook_id: int | None) -> int:
    try:
        url = settings.database_url.get_secret_value() if settings.database_url else None
        store = open_store(settings.state_dir, url)
    except WatchStoreError as exc:
        print(f"paymo-mcp: {exc}", file=sys.stderr)
        return 1
    client = settings.paymo_client()
    try:
        async with client:
            service = WatchService(client, store, webhook_url=settings.webhook_url)
            if action == "list":
                rows = await service.hook_status()
            else:
                rows = [
                    {"id": h.hook_id, "resource": h.resource, "event": h.event, "removed": True}
                    for h in await service.remove_hooks(hook_id)
                ]
                if hook_id is not None and not rows:
                    print(f"paymo-mcp: no hook {hook_id} was registered by this server", file=sys.stderr)
                    return 1
    except (PaymoError, WatchStoreError) as exc:
        print(f"paymo-mcp: {exc}", file=sys.stderr)
        return 1
    finally:
        await store.aclose()
    for row in rows:
        print(json.dumps(row, separators=(",", ":")))
    if not rows:
        print(
            f"paymo-mcp: no hooks registered by this server (state dir {settings.state_dir})", file=sys.stderr
        )
    return 0


def hooks_command(settings: Settings, action: str, hook_id: int | None = None) -> int:
    """List (with each hook's live status in Paymo) or remove our hooks; returns the exit code."""
    if settings.api_key is None:
        raise ValueError("PAYMO_API_KEY is not set")
    return anyio.run(_run, settings, action, hook_id)
