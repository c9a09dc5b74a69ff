"""Helpers for the multi-user tests: a multi-user server on loopback, and the OAuth flow done with httpx."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from paymo_mcp.server.watching import WatchHub
from tests.helpers import settings_for
from tests.servers import free_port, serving

SECRET = "multi-user-test-secret-0f3a9c"
REDIRECT = "http://127.0.0.1:9/callback"


@dataclass
class Running:
    url: str
    provider: Any
    state_dir: Path
    hub: WatchHub


@contextmanager
def multi_user_server(
    sandbox: SandboxServer,
    state_dir: Path,
    *,
    stateless: bool = False,
    webhooks: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    provider: dict[str, Any] | None = None,
    **overrides: Any,
) -> Iterator[Running]:
    """A multi-user server on a free loopback port, serving the webhook routes as the command does;
    `webhooks`: PAYMO_WEBHOOK_URL is that server, so each person's hooks are registered and called;
    `provider`: attributes of the OAuth provider to set (TTLs, intervals)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings_for(
        sandbox,
        api_key=None,
        multi_user=True,
        mcp_secret=SecretStr(SECRET),
        state_dir=state_dir,
        public_url=url,
        **{"webhook_url": url if webhooks else None, **overrides},
    )
    hub = WatchHub(settings)
    server = build_server(settings, watch_hub=hub, transport=transport)
    for name, value in (provider or {}).items():  # set before the server starts (its sweep runs at start)
        setattr(server.oauth_provider, name, value)  # type: ignore[attr-defined]
    app = build_http_app(
        server,
        host="127.0.0.1",
        port=port,
        auth_token=None,
        multi_user=True,
        stateless=stateless,
        extra_routes=hub.routes(),
    )
    with serving(app, port):
        yield Running(url, server.oauth_provider, state_dir, hub)  # type: ignore[attr-defined]


@asynccontextmanager
async def as_person(url: str, token: str, **client_args: Any) -> AsyncIterator[Client]:
    """An MCP client of the server at `url`, sending one person's access token."""
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(f"{url}/mcp", http_client=http), **client_args) as client:
        yield client


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def register_client(
    http: httpx.Client, url: str, redirect: str = REDIRECT, *, auth_method: str = "none"
) -> dict[str, Any]:
    """Dynamic client registration; the answer (client_id, and client_secret for a confidential one)."""
    answer = http.post(
        f"{url}/register",
        json={
            "redirect_uris": [redirect],
            "token_endpoint_auth_method": auth_method,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "client_name": "Test chat app",
        },
    )
    assert answer.status_code == 201, answer.text
    registered: dict[str, Any] = answer.json()
    return registered


def register(http: httpx.Client, url: str, redirect: str = REDIRECT) -> str:
    client_id: str = register_client(http, url, redirect)["client_id"]
    return client_id


def authorize(
    http: httpx.Client, url: str, client_id: str, challenge: str, state: str = "st-123"
) -> httpx.Response:
    return http.get(
        f"{url}/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
        },
    )


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name={name} value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(
    http: httpx.Client, url: str, client_id: str, api_key: str, state: str = "st-123"
) -> tuple[str, str]:
    """The whole browser part with httpx: authorize, the form, the key, approve. Returns (code, verifier)."""
    verifier, challenge = pkce()
    to_form = authorize(http, url, client_id, challenge, state)
    assert to_form.status_code == 302, to_form.text
    form = http.get(to_form.headers["location"])
    assert form.status_code == 200
    request_id, csrf = hidden(form.text, "request"), hidden(form.text, "csrf")
    checked = http.post(
        f"{url}/sign-in", data={"request": request_id, "csrf": csrf, "action": "check", "api_key": api_key}
    )
    assert checked.status_code == 200, checked.text
    approved = http.post(f"{url}/sign-in", data={"request": request_id, "csrf": csrf, "action": "approve"})
    assert approved.status_code == 303, approved.text
    query = parse_qs(urlsplit(approved.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0], verifier


def exchange(http: httpx.Client, url: str, client_id: str, code: str, verifier: str) -> httpx.Response:
    return http.post(
        f"{url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )


def as_if_later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The OAuth store reads records as it would `seconds` from now (what has expired by then reads as
    absent), with no sleeping: the same on a busy machine as on a quiet one."""
    later = time.time() + seconds

    def live(expires_at: float | None) -> bool:
        return expires_at is None or expires_at > later

    monkeypatch.setattr("paymo_mcp.auth.store._live", live)


def refresh(http: httpx.Client, url: str, client_id: str, refresh_token: str) -> httpx.Response:
    """The refresh grant at `url`'s /token, as a public client sends it."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    return http.post(f"{url}/token", data=data)


def tokens_for(http: httpx.Client, url: str, api_key: str) -> tuple[str, dict[str, Any]]:
    client_id = register(http, url)
    code, verifier = sign_in(http, url, client_id, api_key)
    answer = exchange(http, url, client_id, code, verifier)
    assert answer.status_code == 200, answer.text
    return client_id, answer.json()
