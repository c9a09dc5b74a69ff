"""`paymo-mcp hooks list|remove`: show and remove the Paymo webhooks this server registered (no secrets).

The server's own hooks are handled with PAYMO_API_KEY; in multi-user mode each person's hooks (made with
their key) with that person's key from their sign-in, given by the caller (`person_keys`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio

from paymo_mcp.client import PaymoError
from paymo_mcp.config import Settings
from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.namespace import NamespacedStore, split_key
from paymo_mcp.watch.service import WatchService
from paymo_mcp.watch.store import WatchStore, open_store

PersonKeys = Callable[[], Awaitable[Mapping[int, str]]]


async def _act(service: WatchService, action: str, hook_id: int | None) -> list[dict[str, Any]]:
    if action == "list":
        return await service.hook_status()
    return [
        {"id": h.hook_id, "resource": h.resource, "event": h.event, "removed": True}
        for h in await service.remove_hooks(hook_id)
    ]


async def _people_rows(
    settings: Settings,
    store: WatchStore,
    owners: list[int],
    keys: Mapping[int, str],
    action: str,
    hook_id: int | None,
    notes: list[str],
    no_key: str,
) -> list[dict[str, Any]]:
    """Each person's hooks, handled with their own key; those of someone with no sign-in are listed
    from the store (not checked in Paymo) and left in place."""
    from pydantic import SecretStr

    rows: list[dict[str, Any]] = []
    for owner in owners:
        key = keys.get(owner)
        if key is None:
            theirs = await NamespacedStore(store, owner).list_hooks()
            mine = [h for h in theirs if hook_id is None or h.hook_id == hook_id]
            if action == "list":
                for h in mine:
                    row = {"id": h.hook_id, "user_id": owner, "resource": h.resource, "event": h.event}
                    rows.append({**row, "target_url": h.target_url, "live": None})
            if mine:
                verb = "listed from the store, not checked in Paymo" if action == "list" else "not removed"
                notes.append(f"{len(mine)} hook(s) of Paymo user {owner} {verb}: {no_key}")
            continue
        client = settings.model_copy(update={"api_key": SecretStr(key)}).paymo_client()
        async with client:
            service = WatchService.for_person(client, store, owner, webhook_url=settings.webhook_url)
            rows += [{**row, "user_id": owner} for row in await _act(service, action, hook_id)]
    return rows


async def _run(settings: Settings, action: str, hook_id: int | None, person_keys: PersonKeys | None) -> int:
    try:
        url = settings.database_url.get_secret_value() if settings.database_url else None
        store = open_store(settings.state_dir, url)
    except WatchStoreError as exc:
        print(f"paymo-mcp: {exc}", file=sys.stderr)
        return 1
    notes: list[str] = []
    try:
        hooks = await store.list_hooks()
        owners = sorted({o for h in hooks if (o := split_key(h.resource)[0]) is not None})
        rows: list[dict[str, Any]] = []
        if settings.api_key is not None:
            async with settings.paymo_client() as client:
                service = WatchService(client, store, webhook_url=settings.webhook_url)
                rows += await _act(service, action, hook_id)
        elif any(split_key(h.resource)[0] is None for h in hooks):
            notes.append("the server's own hooks need PAYMO_API_KEY to be listed or removed")
        if owners:
            keys = await person_keys() if person_keys is not None else {}
            no_key = (
                "nobody is signed in with that user's key (that user can delete them in Paymo)"
                if person_keys is not None
                else "set PAYMO_MCP_SECRET, which opens people's sign-ins, to use each person's own key"
            )
            rows += await _people_rows(settings, store, owners, keys, action, hook_id, notes, no_key)
    except (PaymoError, WatchStoreError) as exc:
        print(f"paymo-mcp: {exc}", file=sys.stderr)
        return 1
    finally:
        await store.aclose()
    for row in rows:
        print(json.dumps(row, separators=(",", ":")))
    for note in notes:
        print(f"paymo-mcp: {note}", file=sys.stderr)
    if action == "remove" and hook_id is not None and not rows:
        print(f"paymo-mcp: no hook {hook_id} was removed by this server", file=sys.stderr)
        return 1
    if not rows and not notes:
        print(
            f"paymo-mcp: no hooks registered by this server (state dir {settings.state_dir})", file=sys.stderr
        )
    return 0


def hooks_command(
    settings: Settings, action: str, hook_id: int | None = None, person_keys: PersonKeys | None = None
) -> int:
    """List (with each hook's live status in Paymo) or remove our hooks; returns the exit code.
    `person_keys` gives each signed-in person's key by Paymo user id (multi-user deployments)."""
    if settings.api_key is None and person_keys is None:
        raise ValueError("PAYMO_API_KEY is not set (or, for a multi-user deployment, PAYMO_MCP_SECRET)")
    return anyio.run(_run, settings, action, hook_id, person_keys)
