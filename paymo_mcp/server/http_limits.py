"""Limits of the HTTP listener: a request head must arrive in time, and connections are bounded, so
clients that send half a request and wait cannot hold the server (slowloris)."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 1000  # open connections; beyond this a request is answered 503 at once
MAX_HEAD_BYTES = 16 * 1024  # request line and headers together; more is answered 400
KEEP_ALIVE_S = 5  # seconds: an idle kept-alive connection is closed after this


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is not complete within
    `head_timeout_s` of the connection opening or of the previous response ending. uvicorn alone
    waits for a head forever (its keep-alive timer stops at the first byte)."""

    head_timeout_s = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _head_timed_out(self) -> None:
        # IDLE: no complete request head yet (a request being served is SEND_BODY or DONE).
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, *, host: str, port: int, log_level: str, head_timeout_s: float) -> uvicorn.Config:
    """The uvicorn configuration of `paymo-mcp --transport http`, with the limits above."""
    protocol = type("HeadTimeoutProtocol", (HeadTimeoutProtocol,), {"head_timeout_s": head_timeout_s})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        access_log=False,
        log_level=log_level,
    )
