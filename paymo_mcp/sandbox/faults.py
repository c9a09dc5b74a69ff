"""Injected failures (`POST /__sandbox/faults`): error statuses, delays, connections dropped after a write."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from paymo_mcp.sandbox.errors import bad_request


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised after a `reset` fault's request was processed: the connection closes without a full answer.

    Over real HTTP uvicorn closes the socket, so a client sees `httpx.RemoteProtocolError`; in process
    (`httpx.ASGITransport`) this exception reaches the client itself, so both paths look alike.
    """

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a complete response (sandbox reset fault)")


@dataclass
class Fault:
    """The next `times` requests matching `method` and `path_prefix` fail this way (`times` None = all)."""

    method: str | None = None
    path_prefix: str = "/api/"
    status: int = 503
    times: int | None = 1
    retry_after: float | None = None
    delay_s: float = 0.0
    reset: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path_prefix)


def parse_fault(body: Mapping[str, Any]) -> Fault:
    known = set(Fault.__dataclass_fields__)
    unknown = set(body) - known
    if unknown:
        raise bad_request(
            f"Unknown fault settings: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})"
        )
    fault = Fault(
        **{k: v for k, v in body.items() if v is not None or k in ("method", "times", "retry_after")}
    )
    fault.method = fault.method.upper() if isinstance(fault.method, str) else None
    if not isinstance(fault.path_prefix, str) or not fault.path_prefix.startswith("/"):
        raise bad_request("path_prefix must be a path starting with /, e.g. /api/tasks")
    if not isinstance(fault.status, int) or not 100 <= fault.status <= 599:
        raise bad_request("status must be an HTTP status code")
    if fault.times is not None and (not isinstance(fault.times, int) or fault.times < 1):
        raise bad_request("times must be a positive integer, or null for every matching request")
    if not isinstance(fault.delay_s, int | float) or fault.delay_s < 0:
        raise bad_request("delay_s must be a number of seconds >= 0")
    if fault.retry_after is not None and (
        not isinstance(fault.retry_after, int | float) or fault.retry_after < 0
    ):
        raise bad_request("retry_after must be a number of seconds >= 0, or null")
    return fault


class FaultBook:
    """Pending faults, first added first used; safe to change from the test thread."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        """The faults as JSON can carry them: a non-finite `retry_after` (a test's `Infinity`) as its text."""
        with self._lock:
            faults = [asdict(f) for f in self._faults]
        for fault in faults:
            if isinstance(fault["retry_after"], float) and not math.isfinite(fault["retry_after"]):
                fault["retry_after"] = str(fault["retry_after"]).replace("inf", "Infinity")
        return faults

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request gets, if any, counting it down."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None
