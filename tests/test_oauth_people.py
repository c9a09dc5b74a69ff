"""Multi-user mode as people use it: two people, each sees only their own account and watches; the SDK's
own OAuth client signs in, calls tools, and refreshes after the access token expires."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl

from paymo_mcp.auth.people import People
from paymo_mcp.sandbox import SandboxServer
from tests.helpers import CANARY_KEY, INIT, MCP_HEADERS, control, settings_for
from tests.oauth_flow import REDIRECT, as_person, hidden, multi_user_server, tokens_for

pytestmark = pytest.mark.anyio


async def call(client: Client, tool: str, args: dict[str, Any] | None = None) -> Any:
    result = await client.call_tool(tool, args or {})
    return result


async def test_two_people_see_only_their_own_account_and_watches(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv:
        with httpx.Client() as http:
            _, alex = tokens_for(http, srv.url, CANARY_KEY)  # user 1, Admin
            _, maria = tokens_for(http, srv.url, f"{CANARY_KEY}-2")  # user 2, Employee
        async with (
            as_person(srv.url, alex["access_token"]) as a,
            as_person(srv.url, maria["access_token"]) as m,
        ):
            me_a, me_m = await call(a, "get_me"), await call(m, "get_me")
            assert me_a.structured_content["name"] == "Alex Admin"
            assert me_m.structured_content["name"] == "Maria Lopez"
            # invoicing is the Admin's: Maria's own key is refused by Paymo, Alex's is not
            assert not (await call(a, "list_invoices", {"limit": 1})).is_error
            refused = await call(m, "list_invoices", {"limit": 1})
            assert refused.is_error and "Admin" in refused.content[0].text  # type: ignore[union-attr]
            # both start the same-named watcher; each gets what was created after, independently
            for person in (a, m):
                first = await call(person, "watch_new_tasks", {"watcher": "shared-name"})
                assert first.structured_content["count"] == 0
            made = await call(a, "create_task", {"name": "Only once per person", "tasklist_id": 1})
            assert not made.is_error, made
            got_a = await call(a, "watch_new_tasks", {"watcher": "shared-name"})
            got_m = await call(m, "watch_new_tasks", {"watcher": "shared-name"})
            assert [t["name"] for t in got_a.structured_content["tasks"]] == ["Only once per person"]
            assert [t["name"] for t in got_m.structured_content["tasks"]] == ["Only once per person"]
            # Maria's watch of invoices polls with her own key: refused, never fed from Alex's records
            await call(a, "watch_new_invoices", {"watcher": "w"})
            assert (await call(m, "watch_new_invoices", {"watcher": "w"})).is_error
        people = srv.provider.people
        alex_app, maria_app = people.known(1), people.known(2)
        assert len(people) == 2 and alex_app is not None and maria_app is not None
        assert alex_app.client is not maria_app.client
        assert alex_app.client.pacer is not maria_app.client.pacer
    watchers = (
        sqlite3.connect(tmp_path / "watch.sqlite3")
        .execute("SELECT DISTINCT resource FROM watchers")
        .fetchall()
    )
    assert {r[0] for r in watchers} == {"u1/tasks", "u2/tasks", "u1/invoices"}


class Memory:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None
        self.token_history: list[OAuthToken] = []

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.token_history.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Person:
    """The browser part of the SDK client's flow, done with httpx: the form, the key, Allow."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.result: AuthorizationCodeResult | None = None
        self.sign_ins = 0

    async def redirect(self, authorization_url: str) -> None:
        self.sign_ins += 1
        async with httpx.AsyncClient() as http:
            to_form = await http.get(authorization_url)
            assert to_form.status_code == 302, to_form.text
            form = await http.get(to_form.headers["location"])
            data = {"request": hidden(form.text, "request"), "csrf": hidden(form.text, "csrf")}
            checked = await http.post(
                str(form.url).split("?")[0], data={**data, "action": "check", "api_key": self.api_key}
            )
            assert checked.status_code == 200, checked.text
            done = await http.post(str(form.url).split("?")[0], data={**data, "action": "approve"})
            query = parse_qs(urlsplit(done.headers["location"]).query)
            self.result = AuthorizationCodeResult(code=query["code"][0], state=query.get("state", [None])[0])

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


async def test_the_sdk_oauth_client_signs_in_calls_tools_and_refreshes(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv:
        srv.provider.access_ttl_s = 2
        storage, person = Memory(), Person(f"{CANARY_KEY}-2")
        auth = OAuthClientProvider(
            server_url=f"{srv.url}/mcp",
            client_metadata=OAuthClientMetadata(
                client_name="SDK test client",
                redirect_uris=[AnyUrl(REDIRECT)],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                token_endpoint_auth_method="none",
            ),
            storage=storage,
            redirect_handler=person.redirect,
            callback_handler=person.callback,
        )
        http = httpx2.AsyncClient(auth=auth, timeout=30)
        async with Client(streamable_http_client(f"{srv.url}/mcp", http_client=http)) as client:
            me = await client.call_tool("get_me", {})
            assert not me.is_error and me.structured_content["name"] == "Maria Lopez"  # type: ignore[index]
            first_access = storage.tokens.access_token  # type: ignore[union-attr]
            time.sleep(2.5)  # the access token expires; the client refreshes, nobody signs in again
            again = await client.call_tool("list_projects", {"limit": 1})
            assert not again.is_error
        assert person.sign_ins == 1
        assert storage.tokens is not None and storage.tokens.access_token != first_access
        assert len(storage.token_history) >= 2


async def test_stateless_replicas_run_each_call_as_its_caller(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path, stateless=True) as srv:
        with httpx.Client() as http:
            _, alex = tokens_for(http, srv.url, CANARY_KEY)
            _, maria = tokens_for(http, srv.url, f"{CANARY_KEY}-2")
        async with (
            as_person(srv.url, alex["access_token"]) as a,
            as_person(srv.url, maria["access_token"]) as m,
        ):
            for _ in range(3):  # interleaved calls, no session: each is its caller's
                assert (await call(a, "get_me")).structured_content["name"] == "Alex Admin"
                assert (await call(m, "get_me")).structured_content["name"] == "Maria Lopez"


async def test_the_key_header_runs_calls_as_that_keys_user(fresh: SandboxServer, tmp_path: Path) -> None:
    with multi_user_server(fresh, tmp_path, key_header=True) as srv:
        http = httpx2.AsyncClient(headers={"x-paymo-api-key": f"{CANARY_KEY}-2"}, timeout=30)
        async with Client(streamable_http_client(f"{srv.url}/mcp", http_client=http)) as client:
            me = await client.call_tool("get_me", {})
            assert me.structured_content["name"] == "Maria Lopez"  # type: ignore[index]


async def test_an_idle_persons_client_is_closed_and_made_again_at_their_next_call(
    fresh: SandboxServer,
) -> None:
    now = [0.0]  # the People's clock, moved by hand: the same on a busy machine as on a quiet one
    people = People(settings_for(fresh, api_key=None), idle_s=900, clock=lambda: now[0])
    try:
        alex = await people.context(1, CANARY_KEY)
        assert (await alex.client.read_one("me", "users"))["id"] == 1
        assert alex.client._opened is not None
        now[0] = 600
        maria = await people.context(2, f"{CANARY_KEY}-2")
        now[0] = 900  # Alex unused for 15 minutes, Maria for 5
        assert await people.context(2, f"{CANARY_KEY}-2") is maria  # any call sweeps out who is idle
        assert people.known(1) is None and people.known(2) is maria and len(people) == 1
        assert alex.client._opened is None  # closed: no connection pool kept for someone gone
        again = await people.context(1, CANARY_KEY)
        assert again is not alex and (await again.client.read_one("me", "users"))["id"] == 1
        now[0] = 1450  # 9 min 10 s since either was last used: both kept
        assert await people.context(2, f"{CANARY_KEY}-2") is maria and people.known(1) is again
    finally:
        await people.aclose()


async def test_a_key_paymo_refuses_on_a_call_ends_the_sign_in_at_the_next_request(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    # The periodic check is once a minute; a 401 from Paymo on a call of the person's brings it forward.
    with multi_user_server(fresh, tmp_path) as srv:
        assert srv.provider.verify_every_s == 60
        with httpx.Client() as http:
            _, maria = tokens_for(http, srv.url, f"{CANARY_KEY}-2")
        headers = {**MCP_HEADERS, "authorization": f"Bearer {maria['access_token']}"}
        async with as_person(srv.url, maria["access_token"]) as m:
            assert not (await m.call_tool("get_me", {})).is_error
            control(fresh, "revoke_key", {"api_key": f"{CANARY_KEY}-2"})
            failed = await m.call_tool("list_tasks", {"limit": 1})
            text = failed.content[0].text  # type: ignore[union-attr]
            assert failed.is_error and "sign in again" in text and "PAYMO_API_KEY" not in text
            async with httpx.AsyncClient() as http:
                after = await http.post(f"{srv.url}/mcp", json=INIT, headers=headers)
        assert after.status_code == 401 and 'error="invalid_token"' in after.headers["www-authenticate"]
        assert srv.provider.people.known(2) is None  # the person's client is gone with the grant
