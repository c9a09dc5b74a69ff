"""Multi-user sign-in in a real browser: headless Chromium goes through registration, the form, a wrong
key, the right key and Allow, and lands on the client's redirect URI with a code that works."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import CANARY_KEY
from tests.oauth_flow import REDIRECT, exchange, multi_user_server, pkce, register

pytestmark = pytest.mark.anyio


async def test_headless_chromium_signs_in_through_the_form(
    browser: Any, fresh: SandboxServer, tmp_path: Path
) -> None:
    with multi_user_server(fresh, tmp_path) as srv, httpx.Client() as http:
        client_id = register(http, srv.url)
        verifier, challenge = pkce()
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "browser-state-42",
        }
        page = await browser.new_page()
        landed: list[str] = []

        async def callback(route: Any) -> None:
            landed.append(route.request.url)
            await route.fulfill(status=200, content_type="text/html", body="<p>signed in</p>")

        await page.route("http://127.0.0.1:9/**", callback)
        try:
            await page.goto(f"{srv.url}/authorize?{urlencode(query)}")
            assert "/sign-in" in page.url
            assert "Test chat app" in await page.content()
            await page.fill("#api_key", "this-is-not-a-key")
            await page.click("button[type=submit]")
            error = page.locator("#error")
            assert "Paymo did not accept this API key" in await error.inner_text()
            assert await page.locator(".error").count() == 1
            await page.fill("#api_key", f"{CANARY_KEY}-2")
            await page.click("button[type=submit]")
            assert "Maria Lopez" in await page.locator("#account").inner_text()
            await page.click("button[value=approve]")
            await page.wait_for_url("http://127.0.0.1:9/**")
        finally:
            await page.close()
        assert len(landed) == 1
        back = parse_qs(urlsplit(landed[0]).query)
        assert back["state"] == ["browser-state-42"]
        tokens = exchange(http, srv.url, client_id, back["code"][0], verifier)
        assert tokens.status_code == 200 and tokens.json()["token_type"] == "Bearer"
