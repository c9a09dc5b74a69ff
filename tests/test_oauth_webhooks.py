"""Multi-user watches in instant mode: each person's Paymo hooks, made with their own key, call their own
path; a delivery lands in that person's namespace only, and only their subscriptions hear of it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.auth.store import signed_in_keys
from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.watch import WATCH_RESOURCES
from paymo_mcp.watch.signature import sign
from tests.helpers import CANARY_KEY, INIT, MCP_HEADERS, SlowHookCreation, control, paymo_env
from tests.oauth_flow import SECRET, Running, as_if_later, as_person, multi_user_server, tokens_for
from tests.postgres import PostgresCluster
from tests.servers import free_port
from tests.test_http_flags import http_server

pytestmark = pytest.mark.anyio

MARIA_KEY = f"{CANARY_KEY}-2"  # user 2, an Employee: no invoicing
SERVED = sorted(n for n in WATCH_RESOURCES if n in DEFAULT_TOOLSETS)


async def modes(person: Client, resources: list[str]) -> dict[str, str]:
    out = {}
    for name in resources:
        contents = (await person.read_resource(f"paymo://watch/{name}")).contents
        out[name] = json.loads(contents[0].text)["mode"]  # type: ignore[union-attr]
    return out


async def until_instant(person: Client, resources: list[str]) -> None:
    """Wait until the person's hooks are registered in the background and each resource polled once."""
    with anyio.fail_after(60):
        while set((await modes(person, resources)).values()) != {"instant"}:
            await anyio.sleep(0.05)


@asynccontextmanager
async def alex_and_maria(
    srv: Running, alex_watches: list[str], maria_watches: list[str]
) -> AsyncIterator[tuple[Client, Client, dict[str, str]]]:
    """Alex (user 1, Admin) and Maria (user 2, Employee) signed in, each with an MCP client, once their
    hooks for these watches are live; and their access tokens by name."""
    with httpx.Client() as http:
        tokens = {
            "alex": tokens_for(http, srv.url, CANARY_KEY)[1]["access_token"],
            "maria": tokens_for(http, srv.url, MARIA_KEY)[1]["access_token"],
        }
    async with as_person(srv.url, tokens["alex"]) as a, as_person(srv.url, tokens["maria"]) as m:
        await until_instant(a, alex_watches)
        await until_instant(m, maria_watches)
        yield a, m, tokens


async def hooks_in_paymo(sandbox: SandboxServer, api_key: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(auth=(api_key, "X")) as http:
        answer = await http.get(f"{sandbox.base_url}hooks")
    answer.raise_for_status()
    hooks: list[dict[str, Any]] = answer.json()["hooks"]
    return hooks


async def flush(sandbox: SandboxServer) -> list[dict[str, Any]]:
    url = sandbox.base_url.replace("/api/", "/__sandbox/flush_webhooks")
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(url, json={})
    answer.raise_for_status()
    deliveries: list[dict[str, Any]] = answer.json()["deliveries"]
    return deliveries


async def call(person: Client, tool: str, args: dict[str, Any] | None = None) -> Any:
    result = await person.call_tool(tool, args or {})
    assert not result.is_error, result.content
    return result.structured_content


def paths(deliveries: list[dict[str, Any]], url: str) -> dict[str, int]:
    return {d["url"].removeprefix(f"{url}/webhooks/paymo/"): d["status"] for d in deliveries}


async def test_each_persons_hooks_use_their_key_call_their_path_and_feed_only_their_watch(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    # Maria's invoice hook is made, but her key may not read invoices: that watch polls (and fails).
    maria_served = [r for r in SERVED if r != "invoices"]
    with multi_user_server(fresh, tmp_path, webhooks=True) as srv:
        async with alex_and_maria(srv, SERVED, maria_served) as (a, m, _):
            assert (await modes(m, ["invoices"]))["invoices"] == "polling"

            # Each person's hooks are theirs in Paymo (listed with their own key) and call their own path.
            for key, owner in ((CANARY_KEY, 1), (MARIA_KEY, 2)):
                targets = sorted(h["target_url"] for h in await hooks_in_paymo(fresh, key))
                assert targets == [f"{srv.url}/webhooks/paymo/u{owner}/{r}" for r in SERVED]

            for person in (a, m):
                assert (await call(person, "watch_new_tasks", {"watcher": "w"}))["count"] == 0
            assert (await call(a, "watch_new_invoices", {"watcher": "w"}))["count"] == 0
            httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests"))  # what follows must not poll
            task = await call(a, "create_task", {"name": "Seen by both", "tasklist_id": 1})
            invoice = await call(a, "create_invoice", {"client_id": 1, "currency": "USD"})
            delivered = paths(await flush(fresh), srv.url)
            # the task reaches both people's hooks; the invoice only Alex's (Maria's key has no invoicing)
            assert delivered == {"u1/tasks": 200, "u2/tasks": 200, "u1/invoices": 200}

            got_a = await call(a, "watch_new_tasks", {"watcher": "w"})
            got_m = await call(m, "watch_new_tasks", {"watcher": "w"})
            assert [t["id"] for t in got_a["tasks"]] == [t["id"] for t in got_m["tasks"]] == [task["id"]]
            assert got_a["mode"] == got_m["mode"] == "instant"
            invoices = await call(a, "watch_new_invoices", {"watcher": "w"})
            assert [i["id"] for i in invoices["invoices"]] == [invoice["id"]]
            log = control(fresh, "requests")
            assert [
                r for r in log if r["method"] == "GET" and r["path"] in ("/api/tasks", "/api/invoices")
            ] == []
            refused = await m.call_tool("watch_new_invoices", {"watcher": "w"})
            assert refused.is_error  # never fed from Alex's delivery

    with sqlite3.connect(tmp_path / "watch.sqlite3") as db:
        hooks = {r[0] for r in db.execute("SELECT resource FROM hooks")}
        events = {r[0] for r in db.execute("SELECT DISTINCT resource FROM events")}
    assert hooks == {f"u{u}/{r}" for u in (1, 2) for r in SERVED}  # nothing unowned
    assert {"u1/tasks", "u2/tasks", "u1/invoices"} <= events and "u2/invoices" not in events


def signed_by(state: Path, key: str, event: str, record: dict[str, Any]) -> tuple[bytes, dict[str, str], str]:
    """A delivery (body, headers) as Paymo sends it for the stored hook of `key` (`u1/tasks`), and
    that hook's secret (for checking that no answer shows it)."""
    with sqlite3.connect(state / "watch.sqlite3") as db:
        query = "SELECT hook_id, secret FROM hooks WHERE resource = ?"
        hook_id, secret = db.execute(query, (key,)).fetchone()
    body = json.dumps(record).encode()
    headers = {
        "content-type": "application/json",
        "x-paymo-webhook": str(hook_id),
        "x-paymo-event": event,
        "x-paymo-signature": sign(secret, body),
    }
    return body, headers, secret


async def test_a_delivery_signed_for_one_person_is_refused_on_anothers_path(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path, webhooks=True) as srv:
        async with alex_and_maria(srv, ["tasks"], ["tasks"]) as (a, m, _):
            record = {"id": 999_001, "name": "Forged", "created_on": "2026-11-30T00:00:00Z"}
            body, headers, secret = signed_by(tmp_path, "u1/tasks", "model.insert.Task", record)
            async with httpx.AsyncClient() as http:
                # Alex's secret on Maria's path, and on the unowned path: neither is a hook of that path's
                forged = [
                    await http.post(f"{srv.url}/webhooks/paymo/{where}", content=body, headers=headers)
                    for where in ("u2/tasks", "tasks", "u3/tasks")
                ]
                assert [r.status_code for r in forged] == [401, 401, 401]
                assert all(secret not in r.text for r in forged)
                # the same delivery on Alex's own path is stored for Alex alone
                ok = await http.post(f"{srv.url}/webhooks/paymo/u1/tasks", content=body, headers=headers)
                assert ok.status_code == 200 and ok.json() == {"status": "stored"}
            recent_a = json.loads((await a.read_resource("paymo://watch/tasks")).contents[0].text)  # type: ignore[union-attr]
            recent_m = json.loads((await m.read_resource("paymo://watch/tasks")).contents[0].text)  # type: ignore[union-attr]
            assert 999_001 in [r["id"] for r in recent_a["recent"]]
            assert 999_001 not in [r["id"] for r in recent_m["recent"]]


async def test_only_the_owner_of_a_delivery_hears_of_it(fresh: SandboxServer, tmp_path: Path) -> None:
    heard: dict[str, list[str]] = {"alex": [], "maria": []}

    def hear(who: str) -> Any:
        async def on_message(message: Any) -> None:
            if isinstance(message, types.ResourceUpdatedNotification):
                heard[who].append(str(message.params.uri))

        return on_message

    with multi_user_server(fresh, tmp_path, webhooks=True) as srv:
        async with (
            alex_and_maria(srv, ["projects"], ["projects"]) as (a, m, token),
            as_person(srv.url, token["alex"], mode="legacy", message_handler=hear("alex")) as a_old,
            as_person(srv.url, token["maria"], mode="legacy", message_handler=hear("maria")) as m_old,
        ):
            for old in (a_old, m_old):  # earlier protocols: resources/subscribe on a session
                await old.subscribe_resource("paymo://watch/projects")
            listened: dict[str, list[str]] = {"alex": [], "maria": []}

            acked = {"alex": anyio.Event(), "maria": anyio.Event()}

            async def listen(person: Client, who: str) -> None:  # 2026-07-28: subscriptions/listen
                async with person.listen(resource_subscriptions=["paymo://watch/projects"]) as stream:
                    acked[who].set()  # entering waited for the server's acknowledgement
                    async for event in stream:
                        listened[who].append(str(getattr(event, "uri", "")))

            async with anyio.create_task_group() as tg:
                tg.start_soon(listen, a, "alex")
                tg.start_soon(listen, m, "maria")
                with anyio.fail_after(30):
                    await acked["alex"].wait()
                    await acked["maria"].wait()
                # A delivery to Alex's path only: a project made in Paymo reaches both people's hooks,
                # so post one to Alex's path by hand, signed with his hook's secret.
                record = {"id": 888_001, "name": "Alex's", "created_on": "2026-11-30T00:00:00Z"}
                body, headers, _ = signed_by(tmp_path, "u1/projects", "model.insert.Project", record)
                async with httpx.AsyncClient() as http:
                    ok = await http.post(
                        f"{srv.url}/webhooks/paymo/u1/projects", content=body, headers=headers
                    )
                assert ok.json() == {"status": "stored"}
                with anyio.fail_after(10):
                    while not (listened["alex"] and heard["alex"]):
                        await anyio.sleep(0.02)
                await anyio.sleep(0.5)  # time for a wrong notification to arrive, if one were sent
                tg.cancel_scope.cancel()
    assert listened == {"alex": ["paymo://watch/projects"], "maria": []}
    assert heard == {"alex": ["paymo://watch/projects"], "maria": []}


def hooks_cli(
    sandbox: SandboxServer, state: Path, action: str, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in paymo_env(sandbox, PAYMO_STATE_DIR=str(state), **env).items() if v}
    command = [sys.executable, "-m", "paymo_mcp", "hooks", action]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)


async def test_the_hooks_command_lists_and_removes_each_persons_hooks_with_their_key(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path, webhooks=True) as srv:
        async with alex_and_maria(srv, SERVED, ["tasks"]):
            for key in (CANARY_KEY, MARIA_KEY):  # both people's hooks are registered, with their keys
                assert len(await hooks_in_paymo(fresh, key)) == len(SERVED)
    # Without PAYMO_MCP_SECRET nobody's key can be read: their hooks are listed from the store, unchecked.
    plain = await anyio.to_thread.run_sync(partial(hooks_cli, fresh, tmp_path, "list"))
    unchecked = [json.loads(line) for line in plain.stdout.splitlines()]
    assert plain.returncode == 0 and len(unchecked) == 2 * len(SERVED)
    assert {r["live"] for r in unchecked} == {None} and {r["user_id"] for r in unchecked} == {1, 2}
    assert plain.stderr.count("set PAYMO_MCP_SECRET") == 2
    kept = await anyio.to_thread.run_sync(partial(hooks_cli, fresh, tmp_path, "remove"))
    assert kept.stdout == "" and "not removed" in kept.stderr  # never forgotten while live in Paymo
    assert len(await hooks_in_paymo(fresh, CANARY_KEY)) == len(SERVED)
    # With it (and no PAYMO_API_KEY: a multi-user deployment has none), each person's with their key.
    env = {"PAYMO_MCP_SECRET": SECRET, "PAYMO_API_KEY": ""}
    listed = await anyio.to_thread.run_sync(partial(hooks_cli, fresh, tmp_path, "list", **env))
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert listed.returncode == 0, listed.stderr
    assert sorted((r["user_id"], r["resource"]) for r in rows) == [(u, r) for u in (1, 2) for r in SERVED]
    assert all(r["live"] for r in rows) and "secret" not in listed.stdout
    for text in (listed.stdout, listed.stderr, plain.stdout, plain.stderr, kept.stderr):
        assert CANARY_KEY not in text and SECRET not in text
    removed = await anyio.to_thread.run_sync(partial(hooks_cli, fresh, tmp_path, "remove", **env))
    assert removed.returncode == 0 and len(removed.stdout.splitlines()) == 2 * len(SERVED)
    assert await hooks_in_paymo(fresh, CANARY_KEY) == await hooks_in_paymo(fresh, MARIA_KEY) == []
    with sqlite3.connect(tmp_path / "watch.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM hooks").fetchone() == (0,)


async def test_replicas_register_a_persons_hooks_once_on_postgresql(
    fresh: SandboxServer, tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    url = SecretStr(postgres_cluster.url(await postgres_cluster.create_database()))
    public = "https://paymo-mcp.example.com"  # both replicas sit behind the one public URL
    transports = [SlowHookCreation(shared=True), SlowHookCreation(shared=True)]
    shared = {"database_url": url, "webhook_url": public}
    with (
        multi_user_server(fresh, tmp_path / "a", transport=transports[0], **shared) as a,
        multi_user_server(fresh, tmp_path / "b", transport=transports[1], **shared) as b,
    ):
        with httpx.Client() as http:
            _, alex = tokens_for(http, a.url, CANARY_KEY)
        # Alex's first calls reach both replicas at the same moment: both register his hooks at once.
        async with (
            as_person(a.url, alex["access_token"]) as on_a,
            as_person(b.url, alex["access_token"]) as on_b,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(until_instant, on_a, SERVED)
            tg.start_soon(until_instant, on_b, SERVED)
    hooks = await hooks_in_paymo(fresh, CANARY_KEY)
    assert sorted(h["target_url"] for h in hooks) == [f"{public}/webhooks/paymo/u1/{r}" for r in SERVED]
    assert sum(t.created for t in transports) == len(SERVED), "a replica created a person's hook twice"


async def test_the_real_command_serves_each_persons_webhook_path(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = paymo_env(
        fresh,
        PAYMO_API_KEY="",
        PAYMO_STATE_DIR=str(tmp_path),
        PAYMO_MCP_SECRET=SECRET,
        PAYMO_MCP_PUBLIC_URL=public,
        PAYMO_WEBHOOK_URL=public,
    )
    with http_server(["--multi-user"], {k: v for k, v in env.items() if v}, port):
        with httpx.Client() as http:
            _, alex = tokens_for(http, public, CANARY_KEY)
        async with as_person(public, alex["access_token"]) as a:
            await until_instant(a, ["tasks"])
            assert (await call(a, "watch_new_tasks", {"watcher": "w"}))["count"] == 0
            made = await call(a, "create_task", {"name": "Through the command", "tasklist_id": 1})
            delivered = paths(await flush(fresh), public)
            assert delivered.get("u1/tasks") == 200, delivered
            got = await call(a, "watch_new_tasks", {"watcher": "w"})
            assert [t["id"] for t in got["tasks"]] == [made["id"]] and got["mode"] == "instant"


async def test_the_bus_tells_a_persons_delivery_to_that_person_and_a_shared_one_to_nobody(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    from mcp.server.auth.middleware.auth_context import auth_context_var
    from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
    from mcp.server.auth.provider import AccessToken

    from paymo_mcp.server.watching import WatchHub
    from tests.helpers import settings_for

    heard: list[tuple[str, str]] = []

    def hear(listener: str, event: Any) -> None:
        heard.append((listener, event.uri))

    for multi_user in (True, False):
        hub = WatchHub(settings_for(fresh, state_dir=tmp_path, multi_user=multi_user))
        for person in ("1", "2"):  # a listen stream is opened inside a request carrying the person's token
            token = AccessToken(token="t", client_id="c", scopes=[], subject=person)
            reset = auth_context_var.set(AuthenticatedUser(token))
            try:
                hub.bus.subscribe(partial(hear, f"{multi_user}:{person}"))
            finally:
                auth_context_var.reset(reset)
        await hub.changed("u2/tasks")
        await hub.changed("projects")
    assert heard == [
        ("True:2", "paymo://watch/tasks"),  # multi-user: the owner only; an unowned key reaches nobody
        ("False:2", "paymo://watch/tasks"),
        ("False:1", "paymo://watch/projects"),  # single-user: every stream hears of the shared resource
        ("False:2", "paymo://watch/projects"),
    ]


async def test_a_persons_last_sign_out_removes_their_hooks_and_nothing_of_theirs_is_received_after(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path, webhooks=True) as srv:
        srv.provider.verify_every_s = 0  # Maria's revoked key is noticed at her next request
        with httpx.Client() as http:
            first_app, alex_1 = tokens_for(http, srv.url, CANARY_KEY)  # Alex in two chat apps
            second_app, alex_2 = tokens_for(http, srv.url, CANARY_KEY)
            _, maria = tokens_for(http, srv.url, MARIA_KEY)
        async with (
            as_person(srv.url, alex_1["access_token"]) as a,
            as_person(srv.url, maria["access_token"]) as m,
        ):
            await until_instant(a, ["tasks"])
            await until_instant(m, ["tasks"])

        def revoke(client_id: str, token: str) -> None:
            answer = httpx.post(f"{srv.url}/revoke", data={"token": token, "client_id": client_id})
            assert answer.status_code == 200, answer.text

        await anyio.to_thread.run_sync(revoke, first_app, alex_1["access_token"])
        assert len(await hooks_in_paymo(fresh, CANARY_KEY)) == len(SERVED)  # still signed in elsewhere
        await anyio.to_thread.run_sync(revoke, second_app, alex_2["refresh_token"])
        assert await hooks_in_paymo(fresh, CANARY_KEY) == []  # his last sign-in: his hooks are gone

        control(fresh, "revoke_key", {"api_key": MARIA_KEY})  # Maria deletes her key in Paymo
        async with httpx.AsyncClient() as http:
            headers = {**MCP_HEADERS, "authorization": f"Bearer {maria['access_token']}"}
            refused = await http.post(f"{srv.url}/mcp", json=INIT, headers=headers)
        assert refused.status_code == 401
        # Her hooks are hers in Paymo and outlive her key there; here they are forgotten, so a delivery
        # on her path is refused and nothing is stored for her.
        with sqlite3.connect(tmp_path / "watch.sqlite3") as db:
            assert db.execute("SELECT COUNT(*) FROM hooks").fetchone() == (0,)
        async with httpx.AsyncClient(auth=(CANARY_KEY, "X")) as http:
            task = {"name": "After they left", "tasklist_id": 1}
            made = await http.post(f"{fresh.base_url}tasks", json=task)
        made.raise_for_status()
        delivered = paths(await flush(fresh), srv.url)
        assert "u1/tasks" not in delivered and delivered.get("u2/tasks") == 401, delivered
    with sqlite3.connect(tmp_path / "watch.sqlite3") as db:
        stored = {r[0] for r in db.execute("SELECT record_id FROM events")}
    assert made.json()["tasks"][0]["id"] not in stored


async def test_a_sign_in_nobody_can_use_any_more_is_ended_with_its_hooks(
    fresh: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with multi_user_server(fresh, tmp_path, webhooks=True) as srv:
        with httpx.Client() as http:
            _, alex = tokens_for(http, srv.url, CANARY_KEY)
        async with as_person(srv.url, alex["access_token"]) as a:
            await until_instant(a, ["tasks"])
    assert len(await hooks_in_paymo(fresh, CANARY_KEY)) == len(SERVED)
    # 31 days on, unused: every token of the sign-in has expired (the refresh token lives 30 days).
    as_if_later(monkeypatch, 31 * 86400)
    # The next start sweeps: the grant (with the sealed key) is ended, and Alex's hooks with it.
    with multi_user_server(fresh, tmp_path, webhooks=True, provider={"sweep_grace_s": 0}):
        with anyio.fail_after(30):
            while await hooks_in_paymo(fresh, CANARY_KEY):
                await anyio.sleep(0.1)
    assert await signed_in_keys(tmp_path, None, SECRET) == {}
    monkeypatch.undo()  # today again: a sign-in whose tokens live is never swept
    with multi_user_server(fresh, tmp_path, provider={"sweep_grace_s": 0}) as srv, httpx.Client() as http:
        tokens_for(http, srv.url, MARIA_KEY)
    with multi_user_server(fresh, tmp_path, provider={"sweep_grace_s": 0}) as srv:
        assert await srv.provider.sweep() == 0
    assert await signed_in_keys(tmp_path, None, SECRET) == {2: MARIA_KEY}
