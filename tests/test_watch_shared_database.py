"""PAYMO_DATABASE_URL: two servers (replicas) on one PostgreSQL share the watch, so a watcher gets each
new record once whichever server it asks, and the password of the URL is never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import SlowHookCreation, call, fails, paymo_env, settings_for
from tests.postgres import PostgresCluster
from tests.test_watch_tools import make_tasks, take, until_instant

pytestmark = pytest.mark.anyio


async def test_two_servers_on_one_database_deliver_each_new_task_once(
    fresh: SandboxServer, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    database = await postgres_cluster.create_database()
    try:
        url = SecretStr(postgres_cluster.url(database))
        # Each replica has its own state dir: only the database is shared.
        one = build_server(settings_for(fresh, database_url=url, state_dir=tmp_path / "a"))
        two = build_server(settings_for(fresh, database_url=url, state_dir=tmp_path / "b"))
        async with Client(one) as a, Client(two) as b:
            assert (await take(a, watcher="team"))["count"] == 0  # the watcher starts now
            made = await make_tasks(a, 12, prefix="shared")
            got: list[int] = []
            for turn in range(12):
                answer = await take(a if turn % 2 else b, watcher="team", limit=2)
                got += [t["id"] for t in answer["tasks"]]
                if not answer["tasks"] and len(got) == len(made):
                    break
            assert sorted(got) == sorted(made) and len(got) == len(set(got))
            # A cursor handed out by one replica resumes on the other.
            more = await make_tasks(b, 3, prefix="again")
            first = await take(b, watcher="team", limit=3)
            assert [t["id"] for t in first["tasks"]] == more
            again = await take(a, watcher="team", limit=3, cursor=first["cursor"])
            assert again["tasks"] == []
        assert not (tmp_path / "a" / "watch.sqlite3").exists(), "the SQLite store was used"
    finally:
        await postgres_cluster.drop_database(database)


async def test_two_replicas_starting_together_register_one_hook_per_resource(
    fresh: SandboxServer, postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    database = await postgres_cluster.create_database()
    try:
        url = SecretStr(postgres_cluster.url(database))
        public = "https://paymo-mcp.example.com"  # both replicas sit behind the one public URL
        transports = [SlowHookCreation(), SlowHookCreation()]
        servers = [
            build_server(
                settings_for(fresh, database_url=url, state_dir=tmp_path / name, webhook_url=public),
                transport=transport,
            )
            for name, transport in zip("ab", transports, strict=True)
        ]
        # Both start, and register their hooks, at the same moment.
        async with Client(servers[0]) as a, Client(servers[1]) as b, anyio.create_task_group() as tg:
            tg.start_soon(until_instant, a)
            tg.start_soon(until_instant, b)
        async with httpx.AsyncClient(auth=(fresh.api_key, "X")) as http:
            response = await http.get(fresh.base_url + "hooks")
        response.raise_for_status()
        ours = [h for h in response.json()["hooks"] if h["target_url"].startswith(public)]
        per_event = Counter(h["event"] for h in ours)
        assert per_event and set(per_event.values()) == {1}, per_event
        assert sum(t.created for t in transports) == len(per_event), "a replica created a hook twice"

        # `paymo-mcp hooks` on a third machine (its own empty state dir) sees and removes them through
        # the shared database.
        env = paymo_env(
            fresh,
            PAYMO_DATABASE_URL=url.get_secret_value(),
            PAYMO_STATE_DIR=str(tmp_path / "admin"),
            PAYMO_WEBHOOK_URL=public,
        )

        def hooks(*args: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-m", "paymo_mcp", "hooks", *args]
            return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

        listed = await anyio.to_thread.run_sync(hooks, "list")
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert listed.returncode == 0 and len(rows) == len(per_event), listed.stderr
        assert postgres_cluster.password not in listed.stdout + listed.stderr
        removed = await anyio.to_thread.run_sync(hooks, "remove")
        assert removed.returncode == 0 and len(removed.stdout.splitlines()) == len(per_event)
        async with httpx.AsyncClient(auth=(fresh.api_key, "X")) as http:
            left = (await http.get(fresh.base_url + "hooks")).json()["hooks"]
        assert not [h for h in left if h["target_url"].startswith(public)]
        assert not (tmp_path / "admin" / "watch.sqlite3").exists()
    finally:
        await postgres_cluster.drop_database(database)


async def test_a_database_that_cannot_be_reached_stops_only_the_watch_and_hides_the_password(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    settings = settings_for(
        fresh, database_url=SecretStr("postgresql://paymo:s3cret-pw@127.0.0.1:1/paymo"), state_dir=tmp_path
    )
    async with Client(build_server(settings)) as client:
        assert (await call(client, "list_tasks", {"limit": 1}))["count"] == 1
        error = await fails(client, "watch_new_tasks", {})
    assert "127.0.0.1:1/paymo" in error and "s3cret-pw" not in error


def test_the_variable_sets_the_database_and_is_never_printed() -> None:
    env = {"PAYMO_API_KEY": "k", "PAYMO_DATABASE_URL": "postgresql://u:hidden-pw@db/paymo"}
    settings = Settings.from_env(env)
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value().endswith("@db/paymo")
    assert "hidden-pw" not in repr(settings) and "hidden-pw" not in str(settings.model_dump())
