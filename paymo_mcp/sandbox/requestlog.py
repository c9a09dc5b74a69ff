"""The log of /api requests the sandbox answered (`GET /__sandbox/requests`)."""

from __future__ import annotations

import threading
import time
from typing import Any


class RequestLog:
    """Method, path, query, status and Unix time of each /api request, oldest first."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, method: str, path: str, query: str, status: int, *, dropped: bool = False) -> None:
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "time": time.time(),
        }
        if dropped:
            entry["dropped"] = True
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
