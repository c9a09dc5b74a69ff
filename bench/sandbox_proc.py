"""The benchmarks' Paymo: the package's sandbox served by uvicorn in its own process, plus a peer counter.

    python bench/sandbox_proc.py [--api-key KEY] [--bulk-tasks N] [--port P]

Prints `base_url=<url>` once it answers, then serves until SIGTERM. Seeded (15 tasks) unless
`--bulk-tasks N`: then a fresh account holds exactly N tasks in 10 projects (`Sandbox.bulk_insert`).

`GET /__bench/peers` answers the distinct TCP connections that sent /api requests, grouped by the
requests' User-Agent: `{"by_agent": {"paymo-mcp/0.1.0": {"connections": 3, "requests": 150}, ...}}`.
A connection is the peer's (address, port) as the ASGI server reports it (`scope["client"]`); it is
counted on the sandbox's side, so it is what the clients really opened. `DELETE` clears it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from collections import defaultdict
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from paymo_mcp.sandbox import create_app


class PeerCounter:
    """ASGI middleware: records (User-Agent, peer address, peer port) of every /api request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: dict[str, dict[tuple[str, int], int]] = defaultdict(lambda: defaultdict(int))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/__bench/peers":
            if scope["method"] == "DELETE":
                self.seen.clear()
            await self._answer(send)
            return
        if scope["type"] == "http" and scope["path"].startswith("/api"):
            agent = dict(scope["headers"]).get(b"user-agent", b"").decode(errors="replace")
            host, port = scope.get("client") or ("?", 0)
            self.seen[agent][(host, port)] += 1
        await self.app(scope, receive, send)

    async def _answer(self, send: Send) -> None:
        body = {
            "by_agent": {
                agent: {"connections": len(peers), "requests": sum(peers.values())}
                for agent, peers in self.seen.items()
            }
        }
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})


def big_account(api_key: str, tasks: int) -> Any:
    """A fresh account with exactly `tasks` tasks spread over 10 projects, stored in bulk."""
    app = create_app(api_key, seed=False)
    lists = []
    for n in range(10):
        project = app.bulk_insert("projects", [{"name": f"Project {n}", "code": f"P{n}", "users": [1]}])[0]
        tasklist = app.bulk_insert("tasklists", [{"name": "Backlog", "project_id": project}])[0]
        lists.append((project, tasklist))
    rows = [
        {
            "name": f"Task {i}: review the {('brief', 'mockups', 'copy', 'budget')[i % 4]}",
            "description": "Check it against the client's notes." if i % 2 else "",
            "project_id": lists[i % 10][0],
            "tasklist_id": lists[i % 10][1],
            "code": f"P{i % 10}-{i // 10 + 1}",
            "status_id": 2 if i % 3 == 0 else 1,
            "complete": i % 3 == 0,
            "due_date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "user_id": 1,
            "users": [1 + i % 4],
            "priority": (25, 50, 75, 100)[i % 4],
            "seq": i // 10,
        }
        for i in range(tasks)
    ]
    app.bulk_insert("tasks", rows)
    return app


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--api-key", default="bench-key")
    p.add_argument("--bulk-tasks", type=int, default=0)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    app = big_account(args.api_key, args.bulk_tasks) if args.bulk_tasks else create_app(args.api_key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as SandboxServer: no Nagle stalls
    sock.bind(("127.0.0.1", args.port))
    sock.listen(1024)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        PeerCounter(app),
        log_level="warning",
        access_log=False,
        http="h11",
        lifespan="on",
        ws="none",
        backlog=1024,
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.005)
        print(f"base_url=http://127.0.0.1:{port}/api/", flush=True)
        await task

    asyncio.run(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
