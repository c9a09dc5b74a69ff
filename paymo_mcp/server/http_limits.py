"""Limits of the HTTP listener: a request head must arrive in time, and connections are bounded, so
clients that send half a request and wait cannot hold the server (slowloris)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 1000  # open connections; beyond it the longest-waiting idle one is closed
MAX_HEAD_BYTES = 16 * 1024  # request line and headers together; more is answered 400
KEEP_ALIVE_S = 5  # seconds: an idle kept-alive connection is closed after this


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is not complete within
    `head_timeout_s` of the connection opening or of the previous response ending (uvicorn alone
    waits for a head forever: its keep-alive timer stops at the first byte). Past `max_connections`,
    each new connection closes the one that has waited longest for a head, so a flood of half-sent
    requests pushes out itself, not the clients being served."""

    head_timeout_s = 10.0
    max_connections = MAX_CONNECTIONS
    # The server's connections that wait for a request head, longest-waiting first (server_config
    # gives each server its own); an entry whose head has since arrived is dropped when met.
    waiting: ClassVar[OrderedDict[HeadTimeoutProtocol, None]] = OrderedDict()
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()
        if len(self.connections) > self.max_connections:
            self._close_longest_waiting()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self.waiting.pop(self, None)
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self.waiting.pop(self, None)
        self.waiting[self] = None
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._close_if_waiting)

    def _is_waiting(self) -> bool:
        # IDLE: no complete request head yet (a request being served is SEND_BODY or DONE).
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _close_if_waiting(self) -> None:
        if self._is_waiting():
            self.transport.close()

    def _close_longest_waiting(self) -> None:
        """Close one other connection still waiting for its head (each is met once per wait)."""
        while self.waiting:
            oldest = next(iter(self.waiting))
            if oldest is self:  # no other connection waits: every one is being served
                return
            del self.waiting[oldest]
            if oldest._is_waiting():
                oldest.transport.close()
                return


def server_config(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    head_timeout_s: float,
    max_connections: int = MAX_CONNECTIONS,
) -> uvicorn.Config:
    """The uvicorn configuration of `paymo-mcp --transport http`, with the limits above."""
    protocol = type(
        "HeadTimeoutProtocol",
        (HeadTimeoutProtocol,),
        {"head_timeout_s": head_timeout_s, "max_connections": max_connections, "waiting": OrderedDict()},
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        # Requests in flight; and, when every connection is busy serving, new requests get 503.
        limit_concurrency=max_connections + 1,
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        access_log=False,
        log_level=log_level,
    )
