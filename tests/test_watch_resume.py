"""With cursors no watched record is lost when an answer is: a result thrown away, a connection closed
without reading, a server killed (-9) after taking. Passing back the cursor of the last answer really
received gets the lost records again, and nothing twice."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from tests.helpers import INIT, MCP_HEADERS, TRANSCRIPT, call, paymo_env, settings_for
from tests.servers import free_port, serving

pytestmark = pytest.mark.anyio


def create_tasks(sandbox: SandboxServer, n: int) -> list[int]:
    with httpx.Client(auth=(sandbox.api_key, "X"), timeout=30) as http:
        return [
            http.post(f"{sandbox.base_url}tasks", json={"name": f"r{i}", "tasklist_id": 1}).json()["tasks"][
                0
            ]["id"]
            for i in range(n)
        ]


def answers_taken(state: Path, watcher: str) -> int:
    """How many answers the server has committed for this watcher (its last batch number)."""
    with sqlite3.connect(state / "watch.sqlite3", timeout=30) as db:
        row = db.execute(
            "SELECT batch FROM watchers WHERE resource = 'tasks' AND watcher = ?", (watcher,)
        ).fetchone()
    return 0 if row is None else int(row[0])


def wait_until(condition: Any, what: str) -> None:
    """A guard against hanging, not a timing assertion."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


async def test_a_discarded_answer_comes_again_with_the_previous_cursor(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with Client(build_server(settings_for(fresh, state_dir=tmp_path))) as client:
        start = await call(client, "watch_new_tasks", {"watcher": "d2", "limit": 10})
        made = await anyio.to_thread.run_sync(create_tasks, fresh, 30)
        await call(client, "watch_new_tasks", {"watcher": "d2", "limit": 10})  # thrown away
        again = await call(
            client, "watch_new_tasks", {"watcher": "d2", "limit": 50, "cursor": start["cursor"]}
        )
        assert [t["id"] for t in again["tasks"]] == made and again["remaining"] == 0
        after = {"watcher": "d2", "limit": 50, "cursor": again["cursor"]}
        assert (await call(client, "watch_new_tasks", after))["count"] == 0


# -- over HTTP: the connection is closed without reading the answer -----------------------------


def rpc(url: str, session: str, request_id: int, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }
    headers = {**MCP_HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18"}
    response = httpx.post(f"{url}/mcp", json=body, headers=headers, timeout=60)
    data = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
    message = json.loads(data[-1] if data else response.text)
    TRANSCRIPT.append(json.dumps(message))
    result: dict[str, Any] = message["result"]["structuredContent"]
    return result


def send_and_hang_up(url: str, session: str, tool: str, arguments: dict[str, Any]) -> None:
    """Send a tools/call over a raw socket, then close it without reading a byte of the answer."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    ).encode()
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json, text/event-stream\r\nmcp-session-id: {session}\r\n"
        f"mcp-protocol-version: 2025-06-18\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(head.encode() + body)


def test_an_answer_lost_with_its_http_connection_comes_again_and_nothing_twice(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    app = build_http_app(
        build_server(settings_for(fresh, state_dir=tmp_path)), host="127.0.0.1", port=port, auth_token=None
    )
    with serving(app, port) as url:
        init = httpx.post(f"{url}/mcp", json=INIT, headers=MCP_HEADERS)
        session = init.headers["mcp-session-id"]
        headers = {**MCP_HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18"}
        httpx.post(
            f"{url}/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers
        )
        start = rpc(url, session, 2, "watch_new_tasks", {"watcher": "d2", "limit": 10})
        made = create_tasks(fresh, 30)
        send_and_hang_up(url, session, "watch_new_tasks", {"watcher": "d2", "limit": 10})
        wait_until(lambda: answers_taken(tmp_path, "d2") == 2, "the server to take the 10")
        again = rpc(
            url, session, 3, "watch_new_tasks", {"watcher": "d2", "limit": 50, "cursor": start["cursor"]}
        )
        rest = rpc(
            url, session, 4, "watch_new_tasks", {"watcher": "d2", "limit": 50, "cursor": again["cursor"]}
        )
    received = [t["id"] for t in again["tasks"] + rest["tasks"]]
    assert received == made and again["remaining"] == 0  # the lost 10 came again, none twice


# -- a server killed with SIGKILL after it took, before the client read the answer ----------------


class StdioServer:
    """`python -m paymo_mcp` on stdio, spoken to line by line (so an answer can be left unread)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "paymo_mcp"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        self.next_id = 1
        self.request("initialize", INIT["params"])
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def start_call(self, tool: str, arguments: dict[str, Any]) -> int:
        self.next_id += 1
        params = {"name": tool, "arguments": arguments}
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call", "params": params})
        return self.next_id

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.read(self.next_id)

    def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.read(self.start_call(tool, arguments))["structuredContent"]
        TRANSCRIPT.append(json.dumps(result))
        return result

    def read(self, request_id: int) -> dict[str, Any]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        while True:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "the server did not answer"
            message = json.loads(self.proc.stdout.readline())
            if message.get("id") == request_id:
                assert "result" in message, message
                result: dict[str, Any] = message["result"]
                return result

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.log.close()


def test_ten_kills_during_calls_lose_no_record_and_repeat_none(fresh: SandboxServer, tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = paymo_env(fresh, PAYMO_STATE_DIR=str(state))
    log = tmp_path / "server.log"
    first = StdioServer(env, log)
    cursor = first.call("watch_new_tasks", {"watcher": "k", "limit": 5})["cursor"]
    first.stop()
    made = create_tasks(fresh, 100)
    received: list[int] = []
    for _ in range(10):
        server = StdioServer(env, log)
        got = server.call("watch_new_tasks", {"watcher": "k", "limit": 5, "cursor": cursor})
        received += [t["id"] for t in got["tasks"]]
        cursor = got["cursor"]
        taken = answers_taken(state, "k")
        server.start_call("watch_new_tasks", {"watcher": "k", "limit": 5, "cursor": cursor})
        wait_until(lambda: answers_taken(state, "k") > taken, "the server to take 5 more")  # noqa: B023
        server.kill()  # the answer to that call is never read
    last = StdioServer(env, log)
    while (got := last.call("watch_new_tasks", {"watcher": "k", "limit": 50, "cursor": cursor}))["count"]:
        received += [t["id"] for t in got["tasks"]]
        cursor = got["cursor"]
    last.stop()
    assert len(received) == len(set(received))  # none twice
    assert sorted(received) == sorted(made)  # none lost


async def test_a_watch_answer_stays_under_the_cap_and_a_lost_big_answer_comes_again_whole(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with Client(build_server(settings_for(fresh, state_dir=tmp_path))) as client:
        start = await call(client, "watch_new_tasks", {"watcher": "big", "limit": 500})

        def create_long_tasks() -> list[int]:
            with httpx.Client(auth=(fresh.api_key, "X"), timeout=30) as http:
                body = {"tasklist_id": 1, "description": "A long brief. " * 90}
                made = [
                    http.post(f"{fresh.base_url}tasks", json={**body, "name": f"long {i}"})
                    for i in range(120)
                ]
                return [response.json()["tasks"][0]["id"] for response in made]

        made = await anyio.to_thread.run_sync(create_long_tasks)
        lost = await client.call_tool("watch_new_tasks", {"watcher": "big", "limit": 500})
        text = lost.content[0].text  # type: ignore[union-attr]
        assert len(text) <= 40_000 and 0 < lost.structured_content["count"] < 120  # type: ignore[index]
        assert lost.structured_content["remaining"] == 120 - lost.structured_content["count"]  # type: ignore[index]
        seen: list[int] = []
        cursor = start["cursor"]  # the big answer never arrived: resume after the one before it
        while True:
            page = await call(client, "watch_new_tasks", {"watcher": "big", "limit": 500, "cursor": cursor})
            seen += [t["id"] for t in page["tasks"]]
            cursor = page["cursor"]
            if page["remaining"] == 0:
                break
        assert seen == made
