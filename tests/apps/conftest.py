"""The MCP Apps views as a person sees them: headless Chromium (the system's, driven by Playwright) loads
a small host page served over loopback, which embeds a view in a sandboxed iframe, speaks the
extension's postMessage protocol with it, and forwards its tool calls to the real server on the sandbox.

The browser tests skip where no Chromium is installed, unless PAYMO_REQUIRE_BROWSER=1 (CI sets it).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.extension import advertise
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import MAX_ANSWER_CHARS, TRANSCRIPT, settings_for

HERE = Path(__file__).parent
DOCS_SCREENSHOTS = HERE.parents[1] / "docs" / "screenshots"
APPS = [advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})]


def chromium_path() -> str | None:
    found = os.environ.get("PAYMO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def host_url() -> Iterator[str]:
    """The test host page, over loopback HTTP (only this folder's host.html is served)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Handler, directory=str(HERE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/host.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("PAYMO_REQUIRE_BROWSER"):
            pytest.fail("no Chromium found (apt-get install chromium, or set PAYMO_CHROMIUM)")
        pytest.skip("no Chromium installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def apps_mcp(fresh: SandboxServer) -> AsyncIterator[Client]:
    """An MCP client that negotiated MCP Apps, on a server whose Paymo is the fresh sandbox."""
    async with Client(build_server(settings_for(fresh)), extensions=APPS) as client:
        yield client


def dumped(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


@dataclass
class AppHost:
    """One browser page with the test host, bound to an MCP client that negotiated Apps."""

    page: Any
    client: Client
    url: str
    out: Path
    errors: list[str] = field(default_factory=list)

    async def show(
        self, tool: str, args: dict[str, Any], theme: str = "light", proxies_tools: bool = True
    ) -> Any:
        """Call `tool` as a host would, read the view its _meta names, mount it with the call's input
        and result; returns the view's frame and keeps the result in `self.result`."""
        listed = {t.name: t for t in (await self.client.list_tools()).tools}
        uri = (listed[tool].meta or {})["ui"]["resourceUri"]
        resource = (await self.client.read_resource(uri)).contents[0]
        assert resource.mime_type == APP_MIME_TYPE
        result = await self.client.call_tool(tool, args)
        text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
        TRANSCRIPT.append(text)
        assert len(text) <= MAX_ANSWER_CHARS, f"{tool}: an answer of {len(text):,} characters"
        view_data = json.dumps(result.meta or {}, separators=(",", ":"))
        assert len(view_data) <= MAX_ANSWER_CHARS, f"{tool}: view data of {len(view_data):,} characters"
        self.result = result
        await self.page.goto(self.url)
        await self.page.evaluate(
            "(s) => window.mount(s)",
            {
                "html": resource.text,  # type: ignore[union-attr]
                "toolInput": args,
                "toolResult": dumped(result),
                "theme": theme,
                "caption": f"{tool} {json.dumps(args)}",
                "proxiesTools": proxies_tools,
            },
        )
        return self.page.frame_locator("#view")

    async def shown_text(self) -> str:
        """Everything the view shows; never a stray null or undefined from missing data."""
        text: str = await self.page.frame_locator("#view").locator("body").inner_text()
        assert "null" not in text and "undefined" not in text and "NaN" not in text, text
        return text

    async def calls(self) -> list[dict[str, Any]]:
        """The tools/call requests the view sent, as {name, arguments}."""
        found: list[dict[str, Any]] = await self.page.evaluate("window.calls.map((m) => m.params)")
        return found

    async def set_theme(self, theme: str) -> None:
        await self.page.evaluate("(t) => window.setTheme(t)", theme)

    async def screenshot(self, name: str, readme: bool = False) -> Path:
        """The page as shown, under the test's output; with UPDATE_SCREENSHOTS=1, a `readme` one also
        replaces its copy in docs/screenshots/ (not on every run: CI would rewrite tracked files)."""
        path = self.out / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        if readme and os.environ.get("UPDATE_SCREENSHOTS"):
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path


@pytest.fixture
async def host(browser: Any, apps_mcp: Client, host_url: str, tmp_path: Path) -> AsyncIterator[AppHost]:
    page = await browser.new_page(viewport={"width": 1180, "height": 760})
    app_host = AppHost(page=page, client=apps_mcp, url=host_url, out=tmp_path)

    async def mcp_request(method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "tools/call":
            result = await apps_mcp.call_tool(params["name"], params.get("arguments") or {})
            TRANSCRIPT.append(result.content[0].text if result.content else "")  # type: ignore[union-attr]
            return dumped(result)
        return dumped(await apps_mcp.read_resource(params["uri"]))

    def console(message: Any) -> None:
        if message.type == "error":
            app_host.errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: app_host.errors.append(str(error)))
    await page.expose_function("mcpRequest", mcp_request)
    try:
        yield app_host
    finally:
        await page.close()
    assert not app_host.errors, f"errors in the page: {app_host.errors}"
