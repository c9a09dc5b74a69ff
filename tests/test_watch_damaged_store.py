"""A damaged watch database stops watching only: every other tool, the CLI and the HTTP server work,
and the watch tools answer one line naming the file and the fix."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from paymo_mcp.server.watching import WatchHub
from paymo_mcp.watch import SqliteWatchStore
from paymo_mcp.watch.errors import WatchStoreError
from tests.helpers import TRANSCRIPT, call, fails, settings_for
from tests.servers import free_port, serving

pytestmark = pytest.mark.anyio


def random_bytes(state: Path) -> Path:
    state.mkdir()
    (state / "watch.sqlite3").write_bytes(os.urandom(100_000))
    return state / "watch.sqlite3"


def truncated(state: Path) -> Path:
    path = state / "watch.sqlite3"

    async def fill() -> None:
        store = SqliteWatchStore(path)
        await store.take("tasks", "w", 0)
        await store.add_events("tasks", [{"id": i, "name": "x" * 200} for i in range(1, 3001)])
        await store.aclose()

    anyio.run(fill)
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size // 2)
    return path


def directory_in_its_place(state: Path) -> Path:
    (state / "watch.sqlite3").mkdir(parents=True)
    return state / "watch.sqlite3"


def state_dir_is_a_file(state: Path) -> Path:
    state.write_text("not a directory")
    return state / "watch.sqlite3"


def foreign_schema(state: Path) -> Path:
    state.mkdir()
    with sqlite3.connect(state / "watch.sqlite3") as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, title TEXT, starts_at TEXT)")
        db.execute("INSERT INTO events (title) VALUES ('someone else''s calendar')")
    return state / "watch.sqlite3"


DAMAGES: list[Callable[[Path], Path]] = [
    random_bytes,
    truncated,
    directory_in_its_place,
    state_dir_is_a_file,
    foreign_schema,
]


@pytest.fixture(params=DAMAGES, ids=[d.__name__ for d in DAMAGES])
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path]:
    """(state dir, the watch database path named in errors), damaged one way."""
    state = tmp_path / "state"
    return state, request.param(state)


def names_file_and_fix(text: str, path: Path) -> bool:
    return str(path) in text and "move it away" in text and "\n" not in text.strip()


def test_the_store_refuses_to_open_with_one_line_naming_the_file(damaged: tuple[Path, Path]) -> None:
    state, path = damaged
    with pytest.raises(WatchStoreError) as refused:
        SqliteWatchStore(state / "watch.sqlite3")
    assert names_file_and_fix(str(refused.value), path)


def test_the_cli_still_serves_every_other_tool(damaged: tuple[Path, Path]) -> None:
    state, path = damaged
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    env["PAYMO_STATE_DIR"] = str(state)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "paymo_mcp", "--sandbox", "call", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        TRANSCRIPT.extend([done.stdout, done.stderr])
        return done

    listed = cli("list_tasks", "{}")
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr and json.loads(listed.stdout)["tasks"]
    watched = cli("watch_new_tasks", "{}")
    assert watched.returncode == 1 and "Traceback" not in watched.stderr
    assert names_file_and_fix(watched.stderr.strip().splitlines()[-1], path)


async def test_the_http_server_starts_and_only_watching_is_unavailable(
    fresh: SandboxServer, damaged: tuple[Path, Path]
) -> None:
    state, path = damaged
    port = free_port()
    settings = settings_for(fresh, state_dir=state, webhook_url=f"http://127.0.0.1:{port}")
    hub = WatchHub(settings)
    app = build_http_app(
        build_server(settings, watch_hub=hub),
        host="127.0.0.1",
        port=port,
        auth_token=None,
        extra_routes=hub.routes(),
    )
    with serving(app, port) as url:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=httpx2.AsyncClient())) as client:
            assert (await call(client, "list_tasks", {}))["tasks"]
            assert (await call(client, "get_task", {"id": 1}))["id"] == 1
            assert names_file_and_fix(await fails(client, "watch_new_tasks", {}), path)
            with pytest.raises(MCPError, match="Watching is unavailable"):
                await client.read_resource("paymo://watch/tasks")
        async with httpx.AsyncClient() as http:
            delivery = await http.post(f"{url}/webhooks/paymo/tasks", content=b'{"id": 1}')
        assert delivery.status_code == 503  # Paymo retries; the record is polled once it is fixed
