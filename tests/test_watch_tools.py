"""watch_new_* through an MCP client against the sandbox, in both modes: exactly once, in order, durable.

Polling mode asks Paymo on each call; instant mode registers signed hooks and receives the sandbox's
deliveries on the server's own listener (the stdio `--webhook-port` path, in process here).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from paymo_mcp.catalog.resources import RESOURCES
from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from paymo_mcp.server.watching import WatchHub
from paymo_mcp.watch import WATCH_RESOURCES as ALL_WATCHED
from paymo_mcp.watch import open_store, sign
from tests.helpers import TRANSCRIPT, call, control, fails, paymo_env, settings_for
from tests.servers import free_port, serving

pytestmark = pytest.mark.anyio

# Served by the default server (opt-in resources are watchable only with --toolsets).
WATCH_RESOURCES = {n: r for n, r in ALL_WATCHED.items() if n in DEFAULT_TOOLSETS}


@asynccontextmanager
async def server(sandbox: SandboxServer, state: Path, **overrides: Any) -> AsyncIterator[Client]:
    settings = settings_for(sandbox, state_dir=state, **overrides)
    async with Client(build_server(settings)) as client:
        yield client


async def make_tasks(client: Client, n: int, project_id: int = 1, prefix: str = "w") -> list[int]:
    return [
        (await call(client, "create_task", {"name": f"{prefix}{i}", "project_id": project_id}))["id"]
        for i in range(n)
    ]


async def take(client: Client, resource: str = "tasks", **args: Any) -> dict[str, Any]:
    result: dict[str, Any] = await call(client, f"watch_new_{resource}", args)
    return result


def api_log(sandbox: SandboxServer, method: str, path: str) -> list[dict[str, Any]]:
    return [r for r in control(sandbox, "requests") if r["method"] == method and r["path"] == path]


async def flush(sandbox: SandboxServer) -> Any:
    """Wait for the sandbox's queued webhook deliveries, without blocking this loop (it receives them)."""
    url = sandbox.base_url.replace("/api/", "/__sandbox/flush_webhooks")
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(url, json={})
    response.raise_for_status()
    return response.json()


# -- polling ------------------------------------------------------------------------------------


async def test_a_new_watcher_starts_from_now_then_gets_each_new_record_once_in_order(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with server(fresh, tmp_path) as client:
        first = await take(client)
        assert first["count"] == 0 and first["mode"] == "polling" and "New watcher" in first["note"]
        made = await make_tasks(client, 7)  # created within a second or two: shared created_on seconds
        got = await take(client)
        assert [t["id"] for t in got["tasks"]] == made and got["remaining"] == 0
        assert (await take(client))["count"] == 0


async def test_three_times_the_limit_drains_in_three_calls(fresh: SandboxServer, tmp_path: Path) -> None:
    async with server(fresh, tmp_path) as client:
        await take(client)
        made = await make_tasks(client, 12)
        seen: list[int] = []
        for remaining in (8, 4, 0):
            got = await take(client, limit=4)
            assert got["count"] == 4 and got["remaining"] == remaining
            seen += [t["id"] for t in got["tasks"]]
        assert seen == made


async def test_a_restart_between_calls_loses_and_repeats_nothing(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with server(fresh, tmp_path) as client:
        await take(client)
        before = await make_tasks(client, 5, prefix="a")
        assert [t["id"] for t in (await take(client, limit=2))["tasks"]] == before[:2]
    async with server(fresh, tmp_path) as client:  # a new process: only the state directory remains
        after = await make_tasks(client, 3, prefix="b")
        got = await take(client, limit=50)
        assert [t["id"] for t in got["tasks"]] == before[2:] + after


async def test_two_watchers_see_the_same_records_independently(fresh: SandboxServer, tmp_path: Path) -> None:
    async with server(fresh, tmp_path) as client:
        await take(client, watcher="alpha")
        await take(client, watcher="beta")
        made = await make_tasks(client, 4)
        alpha = await take(client, watcher="alpha", limit=3)
        beta = await take(client, watcher="beta")
        alpha_rest = await take(client, watcher="alpha")
        assert [t["id"] for t in alpha["tasks"] + alpha_rest["tasks"]] == made
        assert [t["id"] for t in beta["tasks"]] == made


async def test_since_starts_a_new_watcher_in_the_past(fresh: SandboxServer, tmp_path: Path) -> None:
    async with server(fresh, tmp_path) as client:
        made = await make_tasks(client, 3)
        since = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
        got = await take(client, watcher="late", since=since)
        assert set(made) <= {t["id"] for t in got["tasks"]}
        assert (await take(client, watcher="late"))["count"] == 0


async def test_filters_narrow_what_a_watcher_gets(fresh: SandboxServer, tmp_path: Path) -> None:
    async with server(fresh, tmp_path) as client:
        await take(client, watcher="p2", project_id=2)
        await make_tasks(client, 2, project_id=1)
        wanted = await make_tasks(client, 2, project_id=2)
        got = await take(client, watcher="p2", project_id=2)
        assert [t["id"] for t in got["tasks"]] == wanted


async def test_every_resource_has_a_watch_tool_that_works(fresh: SandboxServer, tmp_path: Path) -> None:
    assert {s.name for s in RESOURCES if s.watchable} == set(ALL_WATCHED)
    for spec in (s for s in RESOURCES if s.watchable):  # the watch table agrees with the declarations
        assert (ALL_WATCHED[spec.name].path, ALL_WATCHED[spec.name].model) == (
            spec.path,
            spec.webhook_model,
        )
    async with server(fresh, tmp_path) as client:
        for name in WATCH_RESOURCES:
            assert (await take(client, name))["count"] == 0
        client_id = (await call(client, "create_client", {"name": "Watched Ltd"}))["id"]
        project_id = (await call(client, "create_project", {"name": "Watched", "client_id": client_id}))["id"]
        tasklist_id = (
            await call(client, "create_tasklist", {"name": "Watched list", "project_id": project_id})
        )["id"]
        task_id = (await call(client, "create_task", {"name": "Watched task", "tasklist_id": tasklist_id}))[
            "id"
        ]
        entry = {"task_id": task_id, "date": "2026-11-02", "duration": "1h"}
        entry_id = (await call(client, "create_time_entry", entry))["id"]
        invoice = {
            "client_id": client_id,
            "currency": "EUR",
            "items": [{"item": "x", "price_unit": 1, "quantity": 1}],
        }
        invoice_id = (await call(client, "create_invoice", invoice))["id"]
        expected = {
            "clients": client_id,
            "projects": project_id,
            "tasklists": tasklist_id,
            "tasks": task_id,
            "time_entries": entry_id,
            "invoices": invoice_id,
        }
        for name, record_id in expected.items():
            assert [r["id"] for r in (await take(client, name))[name]] == [record_id], name


async def test_bad_watch_arguments_are_refused_before_any_request(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with server(fresh, tmp_path) as client:
        control(fresh, "reset", {})
        assert "watcher" in await fails(client, "watch_new_tasks", {"watcher": "no spaces allowed"})
        assert "limit" in await fails(client, "watch_new_tasks", {"limit": 0})
        assert "since" in await fails(client, "watch_new_tasks", {"since": "last tuesday"})
        assert "client_id" in await fails(client, "watch_new_tasks", {"client_id": 3})
        assert control(fresh, "requests") == [], control(fresh, "requests")


async def test_the_watch_resource_shows_recent_records(fresh: SandboxServer, tmp_path: Path) -> None:
    async with server(fresh, tmp_path) as client:
        await take(client)
        made = await make_tasks(client, 2)
        await take(client, watcher="other")  # a poll stores them
        await take(client)
        contents = (await client.read_resource("paymo://watch/tasks")).contents
        body = json.loads(contents[0].text)  # type: ignore[union-attr]
        assert body["mode"] == "polling" and [t["id"] for t in body["recent"]][:2] == made[::-1]


async def test_read_only_watches_poll_and_register_no_hooks(fresh: SandboxServer, tmp_path: Path) -> None:
    async with server(fresh, tmp_path, read_only=True, webhook_url="http://127.0.0.1:9") as client:
        assert (await take(client))["mode"] == "polling"
    assert api_log(fresh, "POST", "/api/hooks") == []


# -- instant ------------------------------------------------------------------------------------


async def watch_modes(client: Client) -> dict[str, str]:
    """Each watchable resource's mode, as its `paymo://watch/<resource>` resource reports it."""
    modes = {}
    for name in WATCH_RESOURCES:
        contents = (await client.read_resource(f"paymo://watch/{name}")).contents
        modes[name] = json.loads(contents[0].text)["mode"]  # type: ignore[union-attr]
    return modes


async def until_instant(client: Client) -> None:
    """Wait until every hook is registered in the background and each resource polled once since."""
    with anyio.fail_after(60):
        while set((await watch_modes(client)).values()) != {"instant"}:
            await anyio.sleep(0.02)


@asynccontextmanager
async def instant(sandbox: SandboxServer, state: Path, port: int, **kw: Any) -> AsyncIterator[Client]:
    async with server(sandbox, state, webhook_url=f"http://127.0.0.1:{port}", webhook_port=port, **kw) as c:
        await until_instant(c)
        yield c


async def our_hooks(sandbox: SandboxServer, port: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(auth=(sandbox.api_key, "X")) as http:
        hooks = (await http.get(f"{sandbox.base_url}hooks")).json()["hooks"]
    return [h for h in hooks if h["target_url"].startswith(f"http://127.0.0.1:{port}/")]


async def test_instant_mode_registers_signed_hooks_once_and_reuses_them(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port):
        first = await our_hooks(fresh, port)
    async with instant(fresh, tmp_path, port):
        second = await our_hooks(fresh, port)
    assert len(first) == 6 and sorted(h["id"] for h in first) == sorted(h["id"] for h in second)
    assert {h["event"] for h in first} == {f"model.insert.{r.model}" for r in WATCH_RESOURCES.values()}
    assert all("secret" not in h for h in first)  # write-only in Paymo
    store = open_store(tmp_path)
    try:
        stored = await store.list_hooks()
    finally:
        await store.aclose()
    assert len(stored) == 6 and all(len(h.secret.get_secret_value()) >= 32 for h in stored)
    assert all(h.secret.get_secret_value() not in line for h in stored for line in TRANSCRIPT)


async def test_instant_mode_delivers_without_polling_and_notifies_listeners(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port) as client:
        await take(client)  # the watcher starts; the one catch-up poll of this process is done
        events: list[Any] = []
        async with client.listen(resource_subscriptions=["paymo://watch/tasks"]) as subscription:
            made = await make_tasks(client, 6)
            httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests"))
            delivered = await flush(fresh)
            assert delivered["delivered"] >= 6
            with anyio.fail_after(5):
                async for event in subscription:
                    events.append(event)
                    break
        got = await take(client)
        assert [t["id"] for t in got["tasks"]] == made and got["mode"] == "instant"
        assert api_log(fresh, "GET", "/api/tasks") == []  # the take did not poll: webhooks fed it
        assert events and getattr(events[0], "uri", "") == "paymo://watch/tasks"


async def test_a_restart_in_instant_mode_catches_up_what_arrived_while_down(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port) as client:
        await take(client)
        made = await make_tasks(client, 2, prefix="up")
        await flush(fresh)
    async with server(fresh, tmp_path) as offline:  # the listener is down: deliveries fail
        missed = await make_tasks(offline, 3, prefix="down")
        await flush(fresh)
    async with instant(fresh, tmp_path, port) as client:
        got = await take(client)
        assert [t["id"] for t in got["tasks"]] == made + missed


async def test_forged_unsigned_and_replayed_deliveries(fresh: SandboxServer, tmp_path: Path) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port) as client:
        await take(client)
        store = open_store(tmp_path)
        try:
            hook = next(h for h in await store.list_hooks("tasks"))
        finally:
            await store.aclose()
        record = {
            "id": 990001,
            "name": "injected",
            "project_id": 1,
            "created_on": datetime.now(UTC).isoformat(),
        }
        body = json.dumps(record).encode()
        url = f"http://127.0.0.1:{port}/webhooks/paymo/tasks"
        headers = {
            "content-type": "application/json",
            "x-paymo-event": "model.insert.Task",
            "x-paymo-webhook": str(hook.hook_id),
        }
        async with httpx.AsyncClient() as http:
            unsigned = await http.post(url, content=body, headers=headers)
            forged = await http.post(
                url, content=body, headers={**headers, "x-paymo-signature": sign("nope", body)}
            )
            signed = {**headers, "x-paymo-signature": sign(hook.secret.get_secret_value(), body)}
            first = await http.post(url, content=body, headers=signed)
            replay = await http.post(url, content=body, headers=signed)
        assert unsigned.status_code == forged.status_code == 401
        assert first.status_code == replay.status_code == 200 and replay.json()["status"] == "duplicate"
        got = await take(client)
        assert [t["id"] for t in got["tasks"]] == [990001]
        assert hook.secret.get_secret_value() not in unsigned.text + forged.text + first.text


def hooks_cli(sandbox: SandboxServer, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = paymo_env(sandbox, PAYMO_STATE_DIR=str(state))
    command = [sys.executable, "-m", "paymo_mcp", "hooks", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    TRANSCRIPT.extend([done.stdout, done.stderr])
    return done


async def test_hooks_cli_lists_and_removes_our_hooks(fresh: SandboxServer, tmp_path: Path) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port):  # a server run registers the hooks
        assert len(await our_hooks(fresh, port)) == 6
    listed = await anyio.to_thread.run_sync(hooks_cli, fresh, tmp_path, "list")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert listed.returncode == 0 and len(rows) == 6 and all(r["live"] for r in rows)
    assert "secret" not in listed.stdout
    one = rows[0]["id"]
    removed_one = await anyio.to_thread.run_sync(hooks_cli, fresh, tmp_path, "remove", "--id", str(one))
    assert removed_one.returncode == 0 and len(await our_hooks(fresh, port)) == 5
    removed = await anyio.to_thread.run_sync(hooks_cli, fresh, tmp_path, "remove")
    assert removed.returncode == 0 and len(removed.stdout.splitlines()) == 5
    assert await our_hooks(fresh, port) == []


async def test_a_burst_of_500_sandbox_deliveries_is_stored_with_none_lost(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port) as client:
        await take(client, limit=1)
        started = time.perf_counter()
        async with httpx.AsyncClient(auth=(fresh.api_key, "X"), timeout=30) as http:
            made = [
                (await http.post(f"{fresh.base_url}tasks", json={"name": f"b{i}", "tasklist_id": 1})).json()[
                    "tasks"
                ][0]["id"]
                for i in range(500)
            ]
        created = time.perf_counter()
        await flush(fresh)
        delivered = time.perf_counter()
        taken: list[int] = []
        while True:  # each answer stays under 40,000 characters: several takes drain the burst
            got = await take(client, limit=500)
            taken += [t["id"] for t in got["tasks"]]
            if got["remaining"] == 0:
                break
        print(
            f"\nwebhook burst: 500 tasks created in {created - started:.2f} s, all delivered and stored "
            f"{delivered - created:.2f} s later; {len(taken)} taken"
        )
        assert taken == made
        assert delivered - started < 60  # 2.3 s on a quiet machine; the margin is for a busy one


async def test_instant_mode_polls_again_after_a_while_to_find_lost_deliveries(
    fresh: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    async with instant(fresh, tmp_path, port) as client:
        await take(client)
        async with httpx.AsyncClient(auth=(fresh.api_key, "X")) as http:
            for hook in await our_hooks(fresh, port):  # deliveries now go nowhere: "lost"
                (await http.delete(f"{fresh.base_url}hooks/{hook['id']}")).raise_for_status()
        lost = await make_tasks(client, 2, prefix="lost")
        await flush(fresh)
        assert (await take(client))["count"] == 0  # polled recently: instant mode trusts the hooks
        monkeypatch.setattr("paymo_mcp.watch.service.CATCH_UP_EVERY_S", 0.0)
        assert [t["id"] for t in (await take(client))["tasks"]] == lost


def test_a_webhook_url_on_stdio_needs_a_listener_port(fresh: SandboxServer) -> None:
    env = paymo_env(fresh, PAYMO_WEBHOOK_URL="https://hooks.example.com")
    command = [sys.executable, "-m", "paymo_mcp"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert (
        done.returncode == 2
        and "--webhook-port" in done.stderr
        and len(done.stderr.strip().splitlines()) == 1
    )


async def test_instant_mode_over_the_http_transport_receives_on_the_mcp_port(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for(fresh, state_dir=tmp_path, webhook_url=f"http://127.0.0.1:{port}")
    hub = WatchHub(settings)
    server = build_server(settings, watch_hub=hub)
    app = build_http_app(server, host="127.0.0.1", port=port, auth_token="t0ken", extra_routes=hub.routes())
    with serving(app, port) as url:
        authed = httpx2.AsyncClient(headers={"authorization": "Bearer t0ken"})
        async with Client(streamable_http_client(f"{url}/mcp", http_client=authed)) as client:
            await until_instant(client)
            await take(client)
            assert len(await our_hooks(fresh, port)) == 6
            made = await make_tasks(client, 3)
            httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests"))
            deliveries = (await flush(fresh))["deliveries"]
            got = await take(client)
    ours = [d for d in deliveries if d["url"].startswith(url)]
    assert ours and all(d["status"] == 200 for d in ours)  # signed, accepted without the bearer token
    assert [t["id"] for t in got["tasks"]] == made and got["mode"] == "instant"
    assert api_log(fresh, "GET", "/api/tasks") == []
