"""Serving a Sandbox with uvicorn on loopback: in a daemon thread (`SandboxServer`) or in the foreground."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import threading
from types import TracebackType
from typing import Any

import uvicorn

from paymo_mcp.sandbox.app import Sandbox
from paymo_mcp.sandbox.faults import ConnectionDropped

DEFAULT_API_KEY = "sandbox-key"


class _QuietDrops(logging.Filter):
    """uvicorn logs every app exception; a `reset` fault's dropped connection is intended, not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def _quiet_uvicorn() -> None:
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in log.filters):
        log.addFilter(_QuietDrops())


def _config(app: Sandbox) -> uvicorn.Config:
    # No access log: it writes to stdout, which belongs to MCP on stdio.
    return uvicorn.Config(app, log_level="warning", access_log=False, http="h11", lifespan="on", ws="none")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections: without it a response written in two parts waits for the
    # client's delayed ACK (Nagle), ~40 ms per request on loopback.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/api/"


class SandboxServer:
    """A Sandbox served by uvicorn from a daemon thread with its own event loop; a context manager."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        db_path: str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self.app = Sandbox(api_key, db_path)
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None

    def start(self) -> SandboxServer:
        """Listen (port 0 picks a free one) and return once requests are being answered."""
        if self._thread is not None:
            return self
        _quiet_uvicorn()
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.base_url = _base_url(self.host, self.port)
        self._server = uvicorn.Server(_config(self.app))
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock, ready))
            except BaseException as exc:  # reported to start()
                self._error = exc
            finally:
                ready.set()
                loop.close()

        self._thread = threading.Thread(target=run, name=f"paymo-sandbox:{self.port}", daemon=True)
        self._thread.start()
        ready.wait(timeout=15)
        if self._error is not None or self._server is None or not self._server.started:
            self.stop()
            raise RuntimeError(f"the sandbox did not start on {self.base_url}: {self._error!r}")
        return self

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        assert self._server is not None
        server = self._server
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.005)
        ready.set()
        await task

    def flush_webhooks(self, timeout: float = 10.0) -> int:
        """Block until every queued webhook delivery has been sent."""
        if self._loop is None:
            return 0
        future = asyncio.run_coroutine_threadsafe(self.app.flush_webhooks(), self._loop)
        return future.result(timeout)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None
        self._server = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SandboxServer(base_url={self.base_url!r})"


def run_sandbox(port: int, api_key: str | None, db_path: str | None, host: str = "127.0.0.1") -> None:
    """Serve a sandbox in the foreground until Ctrl-C, after printing `base_url=` and `api_key=` lines."""
    key = api_key or DEFAULT_API_KEY
    app = Sandbox(key, db_path)
    _quiet_uvicorn()
    sock = _bind(host, port)
    out: Any = sys.stdout
    print(f"base_url={_base_url(host, sock.getsockname()[1])}", file=out, flush=True)
    print(f"api_key={key}", file=out, flush=True)
    try:
        uvicorn.Server(_config(app)).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
