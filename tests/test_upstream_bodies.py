"""Issue 6: non-JSON and HTML error bodies, empty bodies and truncated JSON become clear one-line errors.

The sandbox only answers JSON, so a small reverse proxy on loopback stands in front of it and spoils its
real answers the way gateways, load balancers and broken connections do. Everything behind the proxy is
the sandbox; nothing about Paymo is mocked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from starlette.types import Receive, Scope, Send

from paymo_mcp.client import PaymoClient
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, settings_for
from tests.servers import serving

pytestmark = pytest.mark.anyio
GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    + b"<!-- padding -->" * 200
    + b"<hr><center>nginx</center></body></html>"
)
KEPT_HEADERS = ("content-type", "retry-after", "location")


class SpoilingProxy:
    """Forwards /api requests to the sandbox; the next `times` answers are spoiled as `mode` says.

    modes: html (a 502 gateway page, nothing forwarded), truncated (the real answer cut in half, framed
    as complete), empty (the real status, no body), empty-500, cut (the real answer's headers, then the
    connection closes half-way through the body), html-body (the real status and headers, an HTML page
    for body), stall (the real headers and half the body, then nothing until `release()`).
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.modes: list[str] = []
        self.stalled = threading.Event()  # set when a stalled answer's first half has been sent
        self._release = threading.Event()

    def spoil(self, mode: str, times: int = 1) -> None:
        self.spoil_each([mode] * times)

    def spoil_each(self, modes: list[str]) -> None:
        """The next answers are spoiled one mode each, in order."""
        self.modes = list(modes)
        self.stalled.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        mode = self.modes.pop(0) if self.modes else None
        if mode == "html":
            await self._answer(send, 502, GATEWAY_PAGE, [(b"content-type", b"text/html; charset=utf-8")])
            return
        query = scope["query_string"].decode()
        async with httpx.AsyncClient() as upstream:
            answer = await upstream.request(
                scope["method"],
                self.upstream + scope["path"] + (f"?{query}" if query else ""),
                headers=[(k, v) for k, v in scope["headers"] if k not in (b"host", b"content-length")],
                content=body,
            )
        headers = [
            (k.encode(), v.encode())
            for k, v in answer.headers.items()
            if k.lower() in KEPT_HEADERS or k.lower().startswith("x-ratelimit-")
        ]
        content, status = answer.content, answer.status_code
        if mode == "truncated":
            content = content[: len(content) // 2]
        elif mode == "empty":
            content = b""
        elif mode == "empty-500":
            content, status = b"", 500
        elif mode == "html-body":
            content = GATEWAY_PAGE
        elif mode == "stall":
            headers.append((b"content-length", str(len(content)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send(
                {"type": "http.response.body", "body": content[: len(content) // 2], "more_body": True}
            )
            self.stalled.set()
            while not self._release.is_set():
                await anyio.sleep(0.01)
            await send({"type": "http.response.body", "body": content[len(content) // 2 :]})
            return
        elif mode == "cut":
            headers.append((b"content-length", str(len(content)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send(
                {"type": "http.response.body", "body": content[: len(content) // 2], "more_body": True}
            )
            raise ConnectionAbortedError("spoiling proxy: connection cut half-way through the body")
        await self._answer(send, status, content, headers)

    @staticmethod
    async def _answer(send: Send, status: int, content: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        headers = [*headers, (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


@pytest.fixture(scope="module")
def proxy_url(sandbox: SandboxServer) -> Iterator[tuple[SpoilingProxy, str]]:
    proxy = SpoilingProxy(sandbox.base_url.removesuffix("/api/"))
    with serving(proxy) as url:
        yield proxy, f"{url}/api/"


@pytest.fixture
async def behind(fresh: SandboxServer, proxy_url: tuple[SpoilingProxy, str]) -> Any:
    proxy, url = proxy_url
    proxy.spoil_each([])
    async with Client(build_server(settings_for(fresh, base_url=url))) as client:
        yield proxy, client
    proxy.spoil_each([])
    proxy.release()


def one_line(error: str) -> str:
    assert len(error) < 400, error
    return error


async def test_an_html_gateway_page_is_described_not_dumped(fresh: SandboxServer, behind: Any) -> None:
    proxy, client = behind
    proxy.spoil("html", times=10)
    error = one_line(await fails(client, "list_tasks"))
    assert error.startswith("Error executing tool list_tasks: Paymo GET /tasks failed (502): ")
    assert "non-JSON text/html response (HTTP 502 Bad Gateway)" in error and "try again" in error
    assert "<" not in error and "nginx" not in error
    assert control(fresh, "requests") == []  # the gateway answered; Paymo never saw the request


async def test_one_html_gateway_page_is_retried_away(fresh: SandboxServer, behind: Any) -> None:
    proxy, client = behind
    proxy.spoil("html", times=1)
    assert (await call(client, "list_clients"))["count"] == 3


@pytest.mark.parametrize("tool", ["get_task", "list_tasks"])
async def test_truncated_json_is_a_clear_error(behind: Any, tool: str) -> None:
    proxy, client = behind
    proxy.spoil("truncated")
    error = one_line(await fails(client, tool, {"id": 1} if tool == "get_task" else {}))
    assert "GET /tasks" in error and "not valid JSON" in error and "cut off or malformed" in error
    assert "application/json" in error and "HTTP 200 OK" in error
    assert '{"tasks"' not in error  # the fragment itself is not shown


async def test_an_empty_success_body_is_a_clear_error(behind: Any) -> None:
    proxy, client = behind
    proxy.spoil("empty")
    error = one_line(await fails(client, "get_project", {"id": 1}))
    assert "GET /projects/1" in error and "expected a 'projects' list" in error and "empty answer" in error


async def test_an_empty_error_body_still_says_what_happened(behind: Any) -> None:
    proxy, client = behind
    proxy.spoil("empty-500", times=10)
    error = one_line(await fails(client, "get_client", {"id": 1}))
    assert "GET /clients/1 failed (500)" in error and "empty response body (HTTP 500" in error


async def test_a_read_cut_half_way_is_retried(fresh: SandboxServer, behind: Any) -> None:
    proxy, client = behind
    proxy.spoil("cut", times=1)
    assert (await call(client, "get_task", {"id": 2}))["id"] == 2
    assert [r["path"] for r in control(fresh, "requests")] == ["/api/tasks/2", "/api/tasks/2"]


async def test_a_read_cut_every_time_reports_the_failure(behind: Any) -> None:
    proxy, client = behind
    proxy.spoil("cut", times=10)
    error = one_line(await fails(client, "get_task", {"id": 2}))
    assert "GET /tasks/2" in error and "could not reach Paymo (RemoteProtocolError)" in error


def posts_and_rereads(sandbox: SandboxServer) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in control(sandbox, "requests")]


@pytest.mark.parametrize("mode", ["truncated", "empty", "html-body", "cut"])
async def test_a_create_whose_answer_is_unreadable_is_read_back_by_its_location(
    fresh: SandboxServer, behind: Any, mode: str
) -> None:
    """Paymo said 201 with a Location: the record exists. It is re-read, never created again."""
    proxy, client = behind
    proxy.spoil(mode)
    made = await call(client, "create_client", {"name": "Half Answered Ltd"})
    assert made["name"] == "Half Answered Ltd" and made["id"] > 0
    assert posts_and_rereads(fresh) == [("POST", "/api/clients"), ("GET", f"/api/clients/{made['id']}")]
    names = [c["name"] for c in (await call(client, "list_clients", {"limit": 100}))["clients"]]
    assert names.count("Half Answered Ltd") == 1


async def test_a_create_whose_answer_and_reread_both_fail_says_it_was_created(
    fresh: SandboxServer, behind: Any
) -> None:
    proxy, client = behind
    proxy.spoil_each(["truncated"] + ["html"] * 10)
    error = one_line(await fails(client, "create_client", {"name": "Made Once Ltd"}))
    proxy.spoil_each([])
    made = [
        c
        for c in (await call(client, "list_clients", {"limit": 100}))["clients"]
        if c["name"] == "Made Once Ltd"
    ]
    assert len(made) == 1
    assert f"it WAS created (HTTP 201, id {made[0]['id']})" in error
    assert f"Do not create it again, which would make a duplicate: read it by id {made[0]['id']}" in error
    assert "try again" not in error.lower()
    assert [p for p in posts_and_rereads(fresh) if p[0] == "POST"] == [("POST", "/api/clients")]


async def test_an_update_cut_half_way_is_retried_not_read_back(fresh: SandboxServer, behind: Any) -> None:
    """Only a create's 201 with a Location says where the record is; a cut update is simply retried."""
    proxy, client = behind
    proxy.spoil("cut")
    updated = await call(client, "update_client", {"id": 1, "city": "Porto"})
    assert updated["city"] == "Porto"
    assert posts_and_rereads(fresh) == [("PUT", "/api/clients/1")] * 2


async def test_requests_cancelled_while_reading_the_body_leave_the_client_usable(
    fresh: SandboxServer, proxy_url: tuple[SpoilingProxy, str]
) -> None:
    """More cancels mid-body than the client keeps connections (20): none is leaked, the next call works."""
    proxy, url = proxy_url
    async with PaymoClient(fresh.api_key, url) as client:
        for _ in range(25):
            proxy.spoil("stall")
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.get, "tasks", "tasks", 2)
                with anyio.fail_after(10):
                    while not proxy.stalled.is_set():
                        await anyio.sleep(0.01)
                tg.cancel_scope.cancel()
        proxy.release()
        with anyio.fail_after(10):
            assert (await client.get("tasks", "tasks", 3))["id"] == 3
